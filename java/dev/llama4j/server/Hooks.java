package dev.llama4j.server;

import dev.llama4j.api.GenerationResult;

/** Observation points inside request handling, for tests (the server itself uses {@link #NONE}). */
interface Hooks {
    /** A generation got its context and is about to start. */
    default void started() {}

    /** Token number {@code n} (1-based) of a generation was produced and handed to the client. */
    default void afterToken(int n) {}

    /** A generation ended (for any reason, including cancellation). */
    default void finished(GenerationResult result) {}

    Hooks NONE = new Hooks() {};
}
