package dev.llama4j.sampling;

/**
 * The seeded random source of the draw: xorshift64* as in llama2.c, so a seed gives the same sequence on every
 * run, JVM and backend.
 */
public final class Rng {
    private long state;

    public Rng(long seed) {
        this.state = seed == 0 ? 0x9E3779B97F4A7C15L : seed;
    }

    /** Next 32 random bits. */
    public int nextU32() {
        state ^= state >>> 12;
        state ^= state << 25;
        state ^= state >>> 27;
        return (int) ((state * 0x2545F4914F6CDD1DL) >>> 32);
    }

    /** A float in [0, 1). */
    public float nextFloat() {
        return (nextU32() >>> 8) / 16777216.0f;
    }
}
