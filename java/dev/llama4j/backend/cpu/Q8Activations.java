package dev.llama4j.backend.cpu;

/**
 * An activation vector quantized to 8 bits per block of 32, as llama.cpp does before its quantized dot products:
 * {@code dx[b] = max|x| / 127} over the block, {@code xq[i] = rint(x[i] / dx[b])} (so {@code |xq| <= 127}), and
 * {@code sx8[b] = 8 · Σ xq} over the block (the Q4_0 offset's share, subtracted once per block).
 *
 * @param xq  {@code cols} quantized values
 * @param dx  the block scales
 * @param sx8 eight times each block's sum of {@code xq}
 */
record Q8Activations(short[] xq, float[] dx, float[] sx8) {

    /** Quantizes {@code x[off .. off+cols)}, {@code cols} a multiple of 32. */
    static Q8Activations of(float[] x, int off, int cols) {
        int nb = cols / 32;
        short[] xq = new short[cols];
        float[] dx = new float[nb];
        float[] sx8 = new float[nb];
        for (int b = 0; b < nb; b++) {
            int o = off + b * 32;
            float amax = 0.0f;
            for (int i = 0; i < 32; i++) {
                amax = Math.max(amax, Math.abs(x[o + i]));
            }
            float id = amax == 0.0f ? 0.0f : 127.0f / amax;
            int s = 0;
            for (int i = 0; i < 32; i++) {
                int q = (int) Math.rint(x[o + i] * id);
                xq[b * 32 + i] = (short) q;
                s += q;
            }
            dx[b] = amax / 127.0f;
            sx8[b] = 8.0f * s;
        }
        return new Q8Activations(xq, dx, sx8);
    }
}
