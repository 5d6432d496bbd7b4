package dev.llama4j.backend.cpu;

import jdk.incubator.vector.FloatVector;

/**
 * Register-blocked float kernels for prompt batches: a tile of up to four dequantized weight rows (L1/L2 resident)
 * times the batch's token vectors, four rows × four tokens of accumulators at a time (16 vector accumulators, 4
 * weight and 4 activation vectors: 24 of AVX-512's 32 registers), so each loaded vector feeds four FMAs.
 *
 * <p>Every (row, token) output has exactly one accumulator, updated {@code acc = w·x + acc} from zero in column
 * order and summed with {@link Vec#sum}, in the 4×4 kernel and in the edge kernel alike: a result's bits do not
 * depend on which tile it fell in, hence not on how rows are split between threads.
 */
final class Tiles {
    private Tiles() {}

    /**
     * {@code out[t*rows + r0 + k] = tile[k*cols ..] · x[t*cols ..]} for {@code k < nr} and every token.
     * Requires {@code cols % Vec.L == 0}.
     */
    static void mul(float[] tile, int nr, float[] x, int cols, int nTokens, float[] out, int rows, int r0) {
        int t = 0;
        if (nr == 4) {
            for (; t + 4 <= nTokens; t += 4) {
                mul4x4(tile, 0, x, cols, t, out, rows, r0);
            }
        }
        for (int k = 0; k < nr; k++) {
            for (int u = t; u < nTokens; u++) {
                out[u * rows + r0 + k] = dot(tile, k * cols, x, u * cols, cols);
            }
        }
    }

    /**
     * {@link #mul} for a panel of {@code nr} rows ({@code tile[k*cols ..]}, {@code k < nr}): token quads in the
     * outer loop and the panel's four-row tiles in the inner one, so a quad's activations are loaded from memory
     * once per panel rather than once per four rows (the panel itself stays in L2). Same bits as {@link #mul} on
     * each four-row tile: the blocking changes which outputs are computed when, not how.
     */
    static void mulPanel(float[] tile, int nr, float[] x, int cols, int nTokens, float[] out, int rows, int r0) {
        int full = nr & ~3;
        int t = 0;
        for (; t + 4 <= nTokens; t += 4) {
            for (int k = 0; k < full; k += 4) {
                mul4x4(tile, k * cols, x, cols, t, out, rows, r0 + k);
            }
        }
        for (int k = 0; k < nr; k++) {
            for (int u = k < full ? t : 0; u < nTokens; u++) {
                out[u * rows + r0 + k] = dot(tile, k * cols, x, u * cols, cols);
            }
        }
    }

    /** One (row, token) output, the same float order as one accumulator of {@link #mul4x4}. */
    private static float dot(float[] w, int wo, float[] x, int xo, int cols) {
        FloatVector a = FloatVector.zero(Vec.F);
        for (int c = 0; c < cols; c += Vec.L) {
            a = FloatVector.fromArray(Vec.F, w, wo + c).fma(FloatVector.fromArray(Vec.F, x, xo + c), a);
        }
        return Vec.sum(a);
    }

    private static void mul4x4(float[] w, int w0, float[] x, int cols, int t, float[] out, int rows, int r0) {
        int w1 = w0 + cols;
        int w2 = w0 + 2 * cols;
        int w3 = w0 + 3 * cols;
        int x0 = t * cols;
        int x1 = x0 + cols;
        int x2 = x1 + cols;
        int x3 = x2 + cols;
        FloatVector a00 = FloatVector.zero(Vec.F);
        FloatVector a01 = a00;
        FloatVector a02 = a00;
        FloatVector a03 = a00;
        FloatVector a10 = a00;
        FloatVector a11 = a00;
        FloatVector a12 = a00;
        FloatVector a13 = a00;
        FloatVector a20 = a00;
        FloatVector a21 = a00;
        FloatVector a22 = a00;
        FloatVector a23 = a00;
        FloatVector a30 = a00;
        FloatVector a31 = a00;
        FloatVector a32 = a00;
        FloatVector a33 = a00;
        for (int c = 0; c < cols; c += Vec.L) {
            FloatVector v0 = FloatVector.fromArray(Vec.F, x, x0 + c);
            FloatVector v1 = FloatVector.fromArray(Vec.F, x, x1 + c);
            FloatVector v2 = FloatVector.fromArray(Vec.F, x, x2 + c);
            FloatVector v3 = FloatVector.fromArray(Vec.F, x, x3 + c);
            FloatVector u = FloatVector.fromArray(Vec.F, w, w0 + c);
            a00 = u.fma(v0, a00);
            a01 = u.fma(v1, a01);
            a02 = u.fma(v2, a02);
            a03 = u.fma(v3, a03);
            u = FloatVector.fromArray(Vec.F, w, w1 + c);
            a10 = u.fma(v0, a10);
            a11 = u.fma(v1, a11);
            a12 = u.fma(v2, a12);
            a13 = u.fma(v3, a13);
            u = FloatVector.fromArray(Vec.F, w, w2 + c);
            a20 = u.fma(v0, a20);
            a21 = u.fma(v1, a21);
            a22 = u.fma(v2, a22);
            a23 = u.fma(v3, a23);
            u = FloatVector.fromArray(Vec.F, w, w3 + c);
            a30 = u.fma(v0, a30);
            a31 = u.fma(v1, a31);
            a32 = u.fma(v2, a32);
            a33 = u.fma(v3, a33);
        }
        int o = t * rows + r0;
        out[o] = Vec.sum(a00);
        out[o + rows] = Vec.sum(a01);
        out[o + 2 * rows] = Vec.sum(a02);
        out[o + 3 * rows] = Vec.sum(a03);
        out[o + 1] = Vec.sum(a10);
        out[o + 1 + rows] = Vec.sum(a11);
        out[o + 1 + 2 * rows] = Vec.sum(a12);
        out[o + 1 + 3 * rows] = Vec.sum(a13);
        out[o + 2] = Vec.sum(a20);
        out[o + 2 + rows] = Vec.sum(a21);
        out[o + 2 + 2 * rows] = Vec.sum(a22);
        out[o + 2 + 3 * rows] = Vec.sum(a23);
        out[o + 3] = Vec.sum(a30);
        out[o + 3 + rows] = Vec.sum(a31);
        out[o + 3 + 2 * rows] = Vec.sum(a32);
        out[o + 3 + 3 * rows] = Vec.sum(a33);
    }
}
