package dev.llama4j.api;

/** How long prompt processing and generation took. */
public record Timings(int promptTokens, long promptNanos, int generatedTokens, long generationNanos) {

    public double promptMillis() {
        return promptNanos / 1e6;
    }

    public double generationMillis() {
        return generationNanos / 1e6;
    }

    public double promptTokensPerSecond() {
        return promptNanos == 0 ? 0 : promptTokens * 1e9 / promptNanos;
    }

    /** Tokens per second of the decode steps (each generated token after the first costs one forward step). */
    public double generationTokensPerSecond() {
        return generationNanos == 0 ? 0 : generatedTokens * 1e9 / generationNanos;
    }
}
