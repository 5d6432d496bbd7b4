package dev.llama4j.backend.cpu;

import jdk.incubator.vector.FloatVector;

/**
 * Register-blocked float kernels for prompt batches. A panel of up to {@link #P} dequantized weight rows (two
 * vectors' worth: 32 with 16 float lanes) is stored column by column ({@code tileT[c·P + k]} = row {@code k},
 * column {@code c}; L2-resident), so one column of the panel is two vectors of rows; each activation
 * {@code x[t][c]} is broadcast and multiplied into both. The panel × 8-token kernel keeps 16 accumulators and
 * does 16 FMAs per 2 vector loads and 8 broadcast loads, with no horizontal sums: an accumulator's lanes are
 * outputs of one token, stored as they are.
 *
 * <p>Every (row, token) output is one lane of one accumulator updated {@code acc = w·x + acc} from zero in column
 * order, in the 32 × 8 kernel and in the one-token edge kernel alike: a result's bits do not depend on which
 * kernel or thread computed it.
 */
final class Tiles {
    private Tiles() {}

    /** Rows per panel: two vectors. */
    static final int P = 2 * Vec.L;
    private static final int L = Vec.L;

    /** {@code tileT[c·P + k] = rows[k·cols + c]} for {@code k < nr}, zero for {@code nr <= k < P}. */
    static void transpose(float[] rows, int nr, int cols, float[] tileT) {
        for (int k = 0; k < P; k++) {
            if (k < nr) {
                int ro = k * cols;
                for (int c = 0; c < cols; c++) {
                    tileT[c * P + k] = rows[ro + c];
                }
            } else {
                for (int c = 0; c < cols; c++) {
                    tileT[c * P + k] = 0.0f;
                }
            }
        }
    }

    /**
     * The activations of each full group of 8 tokens interleaved column by column, for {@link #mulPanel}:
     * {@code x8[(g·cols + c)·8 + j] = x[(8g + j)·cols + c]} for {@code g < nTokens / 8} (so the 8 broadcasts of a
     * column come from one cache line and one address register).
     */
    static float[] interleave(float[] x, int cols, int nTokens, Workers workers) {
        int groups = nTokens / 8;
        float[] x8 = new float[groups * cols * 8];
        workers.forRange(groups, Math.max(1, (1 << 15) / (8 * cols)), (g0, g1) -> {
            for (int g = g0; g < g1; g++) {
                for (int j = 0; j < 8; j++) {
                    int xo = (g * 8 + j) * cols;
                    int o = g * cols * 8 + j;
                    for (int c = 0; c < cols; c++) {
                        x8[o + c * 8] = x[xo + c];
                    }
                }
            }
        });
        return x8;
    }

    /**
     * {@code out[t*rows + r0 + k] = Σ_c tileT[c·P + k] · x[t*cols + c]} for {@code k < nr} and every token
     * {@code t < nTokens}; {@code x8} is {@link #interleave}'s copy of {@code x}.
     */
    static void mulPanel(float[] tileT, int nr, float[] x, float[] x8, int cols, int nTokens, float[] out, int rows,
                         int r0) {
        int t = 0;
        for (; t + 8 <= nTokens; t += 8) {
            mul32x8(tileT, x8, cols, t, out, rows, r0, nr);
        }
        for (; t < nTokens; t++) {
            FloatVector a = FloatVector.zero(Vec.F);
            FloatVector b = a;
            int xo = t * cols;
            for (int c = 0, o = 0; c < cols; c++, o += P) {
                FloatVector s = FloatVector.broadcast(Vec.F, x[xo + c]);
                a = FloatVector.fromArray(Vec.F, tileT, o).fma(s, a);
                b = FloatVector.fromArray(Vec.F, tileT, o + L).fma(s, b);
            }
            store(a, b, out, t * rows + r0, nr);
        }
    }

    private static void store(FloatVector a, FloatVector b, float[] out, int o, int nr) {
        if (nr == P) {
            a.intoArray(out, o);
            b.intoArray(out, o + L);
            return;
        }
        float[] tmp = new float[P];
        a.intoArray(tmp, 0);
        b.intoArray(tmp, L);
        System.arraycopy(tmp, 0, out, o, nr);
    }

    private static void mul32x8(float[] tileT, float[] x8, int cols, int t, float[] out, int rows, int r0, int nr) {
        FloatVector a0 = FloatVector.zero(Vec.F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        FloatVector a4 = a0;
        FloatVector a5 = a0;
        FloatVector a6 = a0;
        FloatVector a7 = a0;
        FloatVector b0 = a0;
        FloatVector b1 = a0;
        FloatVector b2 = a0;
        FloatVector b3 = a0;
        FloatVector b4 = a0;
        FloatVector b5 = a0;
        FloatVector b6 = a0;
        FloatVector b7 = a0;
        for (int c = 0, o = 0, xo = t * cols; c < cols; c++, o += P, xo += 8) {
            FloatVector w0 = FloatVector.fromArray(Vec.F, tileT, o);
            FloatVector w1 = FloatVector.fromArray(Vec.F, tileT, o + L);
            FloatVector s = FloatVector.broadcast(Vec.F, x8[xo]);
            a0 = w0.fma(s, a0);
            b0 = w1.fma(s, b0);
            s = FloatVector.broadcast(Vec.F, x8[xo + 1]);
            a1 = w0.fma(s, a1);
            b1 = w1.fma(s, b1);
            s = FloatVector.broadcast(Vec.F, x8[xo + 2]);
            a2 = w0.fma(s, a2);
            b2 = w1.fma(s, b2);
            s = FloatVector.broadcast(Vec.F, x8[xo + 3]);
            a3 = w0.fma(s, a3);
            b3 = w1.fma(s, b3);
            s = FloatVector.broadcast(Vec.F, x8[xo + 4]);
            a4 = w0.fma(s, a4);
            b4 = w1.fma(s, b4);
            s = FloatVector.broadcast(Vec.F, x8[xo + 5]);
            a5 = w0.fma(s, a5);
            b5 = w1.fma(s, b5);
            s = FloatVector.broadcast(Vec.F, x8[xo + 6]);
            a6 = w0.fma(s, a6);
            b6 = w1.fma(s, b6);
            s = FloatVector.broadcast(Vec.F, x8[xo + 7]);
            a7 = w0.fma(s, a7);
            b7 = w1.fma(s, b7);
        }
        int o = t * rows + r0;
        store(a0, b0, out, o, nr);
        store(a1, b1, out, o + rows, nr);
        store(a2, b2, out, o + 2 * rows, nr);
        store(a3, b3, out, o + 3 * rows, nr);
        store(a4, b4, out, o + 4 * rows, nr);
        store(a5, b5, out, o + 5 * rows, nr);
        store(a6, b6, out, o + 6 * rows, nr);
        store(a7, b7, out, o + 7 * rows, nr);
    }
}
