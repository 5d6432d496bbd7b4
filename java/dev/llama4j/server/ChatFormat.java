package dev.llama4j.server;

import java.util.List;

/** Turns a dialog into prompt token ids in the model's chat format, with what ends a reply. */
interface ChatFormat {
    /** A role and its text. */
    record Turn(String role, String content) {}

    /** The prompt ids (ending with the assistant's cue), the format's stop strings and stop token ids. */
    record Prompt(int[] ids, List<String> stops, int[] stopTokens) {}

    Prompt encode(List<Turn> dialog);
}
