package dev.llama4j.api;

import java.util.Locale;

/** Why a generation ended. */
public enum StopReason {
    /** The model produced its end-of-sequence token (or one of the options' stop tokens, such as an end-of-turn). */
    EOS,
    /** The model produced BOS: it has begun a new document (llama2.c and the references stop there). */
    BOS,
    /** The requested number of new tokens was reached. */
    MAX_TOKENS,
    /** A stop string appeared in the text. */
    STOP,
    /** The context is full. */
    CONTEXT,
    /** The caller cancelled the generation. */
    CANCELLED;

    /** The lower-case name used in JSON output. */
    public String json() {
        return name().toLowerCase(Locale.ROOT);
    }
}
