package dev.llama4j.backend.cpu;

/**
 * Rotary angles exactly as llama2.c's {@code run.c} computes them, in float:
 * {@code freq = 1.0f / powf(theta, i / (float) ropeDim)}, {@code val = pos * freq}, then {@code cosf}/{@code sinf}
 * (Java's double functions rounded to float, which agree with glibc's correctly rounded float ones).
 */
final class Rope {
    private Rope() {}

    /** The angle of pair {@code (i, i+1)} ({@code i} even) at position {@code pos}. */
    static float angle(int pos, int i, int ropeDim, float theta) {
        float freq = 1.0f / (float) Math.pow(theta, i / (float) ropeDim);
        return pos * freq;
    }

    static float cos(int pos, int i, int ropeDim, float theta) {
        return (float) Math.cos(angle(pos, i, ropeDim, theta));
    }

    static float sin(int pos, int i, int ropeDim, float theta) {
        return (float) Math.sin(angle(pos, i, ropeDim, theta));
    }

    /** Fills {@code cos[i/2]} and {@code sin[i/2]} for every even {@code i < ropeDim}. */
    static void table(int pos, int ropeDim, float theta, float[] cos, float[] sin) {
        for (int i = 0; i < ropeDim; i += 2) {
            float val = angle(pos, i, ropeDim, theta);
            cos[i / 2] = (float) Math.cos(val);
            sin[i / 2] = (float) Math.sin(val);
        }
    }
}
