package dev.llama4j.backend.cpu;

import jdk.incubator.vector.FloatVector;

/**
 * Register-blocked float kernels for prompt batches. A panel of up to {@link #P} dequantized weight rows (two
 * vectors' worth: 32 with 16 float lanes) is stored column by column ({@code tileT[c·P + k]} = row {@code k},
 * column {@code c}; L2-resident, used a {@link #KC}-column slice at a time from L1), so one column of the panel is
 * two vectors of rows; each activation
 * {@code x[t][c]} is broadcast and multiplied into both. The panel × 8-token kernel keeps 16 accumulators and
 * does 16 FMAs per 2 vector loads and 8 broadcast loads, with no horizontal sums: an accumulator's lanes are
 * outputs of one token, stored as they are.
 *
 * <p>Every (row, token) output is one lane of one accumulator updated {@code acc = w·x + acc} from zero in column
 * order (parked in memory between column slices), in the 32 × 8 kernel and in the one-token edge kernel alike: a
 * result's bits do not depend on which kernel or thread computed it.
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

    /** Columns per pass over the tokens: a {@code P × KC} slice of the panel (16 KB at 16 lanes) stays in L1. */
    static final int KC = 128;

    /**
     * {@code out[t*rows + r0 + k] = Σ_c tileT[c·P + k] · x[t*cols + c]} for {@code k < nr} and every token
     * {@code t < nTokens}; {@code x8} is {@link #interleave}'s copy of {@code x}, {@code acc} scratch of
     * {@code nTokens · P} floats. Columns go in slices of {@link #KC}: each slice runs over all tokens while it is
     * in L1, the accumulators parked in {@code acc} between slices (a float stored and reloaded is the same
     * float, so each output is still one chain of FMAs in column order).
     */
    static void mulPanel(float[] tileT, int nr, float[] x, float[] x8, int cols, int nTokens, float[] out, int rows,
                         int r0, float[] acc) {
        java.util.Arrays.fill(acc, 0, nTokens * P, 0.0f);
        for (int c0 = 0; c0 < cols; c0 += KC) {
            int c1 = Math.min(cols, c0 + KC);
            int t = 0;
            for (; t + 8 <= nTokens; t += 8) {
                mul32x8(tileT, x8, cols, t, c0, c1, acc);
            }
            for (; t < nTokens; t++) {
                FloatVector a = FloatVector.fromArray(Vec.F, acc, t * P);
                FloatVector b = FloatVector.fromArray(Vec.F, acc, t * P + L);
                int xo = t * cols;
                for (int c = c0, o = c0 * P; c < c1; c++, o += P) {
                    FloatVector s = FloatVector.broadcast(Vec.F, x[xo + c]);
                    a = FloatVector.fromArray(Vec.F, tileT, o).fma(s, a);
                    b = FloatVector.fromArray(Vec.F, tileT, o + L).fma(s, b);
                }
                a.intoArray(acc, t * P);
                b.intoArray(acc, t * P + L);
            }
        }
        for (int t = 0; t < nTokens; t++) {
            System.arraycopy(acc, t * P, out, t * rows + r0, nr);
        }
    }

    private static void mul32x8(float[] tileT, float[] x8, int cols, int t, int c0, int c1, float[] acc) {
        int ao = t * P;
        FloatVector a0 = FloatVector.fromArray(Vec.F, acc, ao);
        FloatVector b0 = FloatVector.fromArray(Vec.F, acc, ao + L);
        FloatVector a1 = FloatVector.fromArray(Vec.F, acc, ao + P);
        FloatVector b1 = FloatVector.fromArray(Vec.F, acc, ao + P + L);
        FloatVector a2 = FloatVector.fromArray(Vec.F, acc, ao + 2 * P);
        FloatVector b2 = FloatVector.fromArray(Vec.F, acc, ao + 2 * P + L);
        FloatVector a3 = FloatVector.fromArray(Vec.F, acc, ao + 3 * P);
        FloatVector b3 = FloatVector.fromArray(Vec.F, acc, ao + 3 * P + L);
        FloatVector a4 = FloatVector.fromArray(Vec.F, acc, ao + 4 * P);
        FloatVector b4 = FloatVector.fromArray(Vec.F, acc, ao + 4 * P + L);
        FloatVector a5 = FloatVector.fromArray(Vec.F, acc, ao + 5 * P);
        FloatVector b5 = FloatVector.fromArray(Vec.F, acc, ao + 5 * P + L);
        FloatVector a6 = FloatVector.fromArray(Vec.F, acc, ao + 6 * P);
        FloatVector b6 = FloatVector.fromArray(Vec.F, acc, ao + 6 * P + L);
        FloatVector a7 = FloatVector.fromArray(Vec.F, acc, ao + 7 * P);
        FloatVector b7 = FloatVector.fromArray(Vec.F, acc, ao + 7 * P + L);
        for (int c = c0, o = c0 * P, xo = t * cols + c0 * 8; c < c1; c++, o += P, xo += 8) {
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
        a0.intoArray(acc, ao);
        b0.intoArray(acc, ao + L);
        a1.intoArray(acc, ao + P);
        b1.intoArray(acc, ao + P + L);
        a2.intoArray(acc, ao + 2 * P);
        b2.intoArray(acc, ao + 2 * P + L);
        a3.intoArray(acc, ao + 3 * P);
        b3.intoArray(acc, ao + 3 * P + L);
        a4.intoArray(acc, ao + 4 * P);
        b4.intoArray(acc, ao + 4 * P + L);
        a5.intoArray(acc, ao + 5 * P);
        b5.intoArray(acc, ao + 5 * P + L);
        a6.intoArray(acc, ao + 6 * P);
        b6.intoArray(acc, ao + 6 * P + L);
        a7.intoArray(acc, ao + 7 * P);
        b7.intoArray(acc, ao + 7 * P + L);
    }
}
