package dev.llama4j.server;

import java.util.List;

/** Turns a dialog into prompt token ids in the model's chat format, with the strings that end a reply. */
interface ChatFormat {
    /** A role and its text. */
    record Turn(String role, String content) {}

    /** The prompt ids (ending with the assistant's cue) and the format's stop strings. */
    record Prompt(int[] ids, List<String> stops) {}

    Prompt encode(List<Turn> dialog);
}
