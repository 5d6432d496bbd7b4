package dev.llama4j.backend.cpu;

import dev.llama4j.gguf.GgmlType;
import dev.llama4j.tensor.Dequant;
import dev.llama4j.tensor.Tensor;

/**
 * The reference {@link CpuOps}: plain loops on one thread, float arithmetic in llama2.c's ({@code run.c}) order.
 * Kept forever as the oracle the fast paths are tested against. Stateless and thread-safe.
 */
public final class ScalarOps implements CpuOps {

    /**
     * The reference for Q4_0 and Q8_0 weights times 8-bit activations ({@link Q8Activations}, the fast CPU decode
     * path): per row and block of 32, the exact integer sum {@code Σ q·xq} over the GGUF block's quants (Q4_0: the
     * unsigned nibbles, the offset's {@code sx8} subtracted after), then in float {@code t = (Σ − sx8) · dx} (Q4_0)
     * or {@code t = Σ · dx} (Q8_0) and {@code acc = fma(t, d, acc)}, blocks in order. {@code out[r]} for every row.
     */
    public static void matVecQ8(float[] out, Tensor w, float[] x) {
        int[] rc = Checks.matmul(out, w, x, 1);
        boolean q4 = w.type() == dev.llama4j.gguf.GgmlType.Q4_0;
        if (!q4 && w.type() != dev.llama4j.gguf.GgmlType.Q8_0) {
            throw new IllegalArgumentException("matVecQ8: " + w.name() + " is " + w.type() + ", not Q4_0 or Q8_0");
        }
        int rows = rc[0];
        int cols = rc[1];
        Q8Activations a = Q8Activations.of(x, 0, cols, w.type());
        short[] xq = a.xq();
        long rowBytes = w.rowBytes();
        long blockBytes = q4 ? 18 : 34;
        java.lang.foreign.MemorySegment m = w.data();
        for (int r = 0; r < rows; r++) {
            float acc = 0.0f;
            for (int b = 0; b < cols / 32; b++) {
                long o = r * rowBytes + b * blockBytes;
                float d = Float.float16ToFloat(m.get(Vec.SHORT_LE, o));
                int sum = 0;
                float t;
                if (q4) {
                    for (int p = 0; p < 16; p++) {
                        int q = m.get(java.lang.foreign.ValueLayout.JAVA_BYTE, o + 2 + p) & 0xFF;
                        sum += (q & 0x0F) * xq[b * 32 + p] + (q >>> 4) * xq[b * 32 + p + 16];
                    }
                    t = (sum - a.sx8()[b]) * a.dx()[b];
                } else {
                    for (int p = 0; p < 32; p++) {
                        sum += m.get(java.lang.foreign.ValueLayout.JAVA_BYTE, o + 2 + p) * xq[b * 32 + p];
                    }
                    t = sum * a.dx()[b];
                }
                acc = Math.fma(t, d, acc);
            }
            out[r] = acc;
        }
    }

    /**
     * The reference for Q4_K, Q5_K and Q6_K weights times 8-bit activations ({@link Q8Activations}'s {@code q8_K}:
     * one scale {@code dx} per 256), llama.cpp's {@code ggml_vec_dot_q*_K_q8_K}: per row and super-block, the exact
     * integer sums of the GGUF block's unsigned quants times {@code xq} per sub-block ({@link KBlocks}), the scales
     * and mins applied to them as integers, {@code isum = Σ sc·Σ q·xq} and {@code msum = Σ m·Σ xq} (Q4_K, Q5_K) or
     * {@code isum = Σ sc·Σ (q − 32)·xq} (Q6_K); then in float, super-blocks in order,
     * {@code acc = fma(isum, d·dx, acc)} and (Q4_K, Q5_K) {@code acc = fma(−msum, dmin·dx, acc)}. {@code out[r]} for
     * every row.
     */
    public static void matVecQ8K(float[] out, Tensor w, float[] x) {
        int[] rc = Checks.matmul(out, w, x, 1);
        GgmlType t = w.type();
        if (!KBlocks.decodes(t)) {
            throw new IllegalArgumentException("matVecQ8K: " + w.name() + " is " + t + ", not Q4_K, Q5_K or Q6_K");
        }
        int rows = rc[0];
        int cols = rc[1];
        Q8Activations a = Q8Activations.of(x, 0, cols, t);
        short[] xq = a.xq();
        boolean q6 = t == GgmlType.Q6_K;
        int ns = KBlocks.subBlocks(t);
        int len = KBlocks.QK / ns;
        int[] q = new int[KBlocks.QK];
        int[] sc = new int[ns];
        int[] m = new int[ns];
        long rowBytes = w.rowBytes();
        java.lang.foreign.MemorySegment data = w.data();
        for (int r = 0; r < rows; r++) {
            float acc = 0.0f;
            for (int b = 0; b < cols / KBlocks.QK; b++) {
                long o = r * rowBytes + (long) b * t.typeSize();
                KBlocks.quants(t, data, o, q);
                KBlocks.scales(t, data, o, sc, m);
                int isum = 0;
                int msum = 0;
                for (int j = 0; j < ns; j++) {
                    int sum = 0;
                    for (int l = 0; l < len; l++) {
                        sum += (q6 ? q[j * len + l] - 32 : q[j * len + l]) * xq[b * KBlocks.QK + j * len + l];
                    }
                    isum += sc[j] * sum;
                    msum += q6 ? 0 : m[j] * a.sums()[8 * b + j];
                }
                float dx = a.dx()[b];
                acc = Math.fma((float) isum, KBlocks.d(t, data, o) * dx, acc);
                if (!q6) {
                    acc = Math.fma((float) -msum, KBlocks.dmin(data, o) * dx, acc);
                }
            }
            out[r] = acc;
        }
    }

    @Override
    public void matmul(float[] out, Tensor w, float[] x, int nTokens) {
        int[] rc = Checks.matmul(out, w, x, nTokens);
        int rows = rc[0];
        int cols = rc[1];
        long rowBytes = w.rowBytes();
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            Dequant.dequantizeRow(w.type(), w.data(), r * rowBytes, row, 0, cols);
            for (int t = 0; t < nTokens; t++) {
                int xo = t * cols;
                float val = 0.0f;
                for (int j = 0; j < cols; j++) {
                    val += row[j] * x[xo + j];
                }
                out[t * rows + r] = val;
            }
        }
    }

    @Override
    public void rmsNorm(float[] out, float[] x, float[] weight, int dim, int nTokens, float eps) {
        Checks.length("rmsNorm", "x", x, (long) nTokens * dim);
        Checks.length("rmsNorm", "out", out, (long) nTokens * dim);
        Checks.length("rmsNorm", "weight", weight, dim);
        for (int t = 0; t < nTokens; t++) {
            int o = t * dim;
            float ss = 0.0f;
            for (int j = 0; j < dim; j++) {
                ss += x[o + j] * x[o + j];
            }
            ss /= dim;
            ss += eps;
            ss = 1.0f / (float) Math.sqrt(ss);
            for (int j = 0; j < dim; j++) {
                out[o + j] = weight[j] * (ss * x[o + j]);
            }
        }
    }

    @Override
    public void rope(float[] v, int nTokens, int startPos, int width, int headSize, int ropeDim, float theta) {
        Checks.rope(v, nTokens, width, headSize, ropeDim);
        for (int t = 0; t < nTokens; t++) {
            int pos = startPos + t;
            for (int h = 0; h < width; h += headSize) {
                for (int i = 0; i < ropeDim; i += 2) {
                    float fcr = Rope.cos(pos, i, ropeDim, theta);
                    float fci = Rope.sin(pos, i, ropeDim, theta);
                    int j = t * width + h + i;
                    float v0 = v[j];
                    float v1 = v[j + 1];
                    v[j] = v0 * fcr - v1 * fci;
                    v[j + 1] = v0 * fci + v1 * fcr;
                }
            }
        }
    }

    @Override
    public void attention(float[] out, float[] q, KvCache cache, int layer, int nTokens, int startPos,
                          int nHeads, int nKvHeads, int headSize) {
        Checks.attention(out, q, cache, layer, nTokens, startPos, nHeads, nKvHeads, headSize);
        int dim = nHeads * headSize;
        int kvMul = nHeads / nKvHeads;
        float scale = (float) Math.sqrt(headSize);
        float[] att = new float[startPos + nTokens];
        for (int t = 0; t < nTokens; t++) {
            int pos = startPos + t;
            for (int h = 0; h < nHeads; h++) {
                int qo = t * dim + h * headSize;
                int ko = (h / kvMul) * headSize;
                for (int p = 0; p <= pos; p++) {
                    float score = 0.0f;
                    for (int i = 0; i < headSize; i++) {
                        score += q[qo + i] * cache.key(layer, p, ko + i);
                    }
                    score /= scale;
                    att[p] = score;
                }
                softmax(att, 0, pos + 1);
                for (int i = 0; i < headSize; i++) {
                    out[qo + i] = 0.0f;
                }
                for (int p = 0; p <= pos; p++) {
                    float a = att[p];
                    for (int i = 0; i < headSize; i++) {
                        out[qo + i] += a * cache.value(layer, p, ko + i);
                    }
                }
            }
        }
    }

    @Override
    public void swiglu(float[] hb, float[] hb2, int n) {
        Checks.length("swiglu", "hb", hb, n);
        Checks.length("swiglu", "hb2", hb2, n);
        for (int i = 0; i < n; i++) {
            float val = hb[i];
            val *= (1.0f / (1.0f + (float) Math.exp(-val)));
            val *= hb2[i];
            hb[i] = val;
        }
    }

    @Override
    public void add(float[] x, float[] y, int n) {
        Checks.length("add", "x", x, n);
        Checks.length("add", "y", y, n);
        for (int i = 0; i < n; i++) {
            x[i] += y[i];
        }
    }

    @Override
    public void softmax(float[] x, int off, int n) {
        float max = x[off];
        for (int i = 1; i < n; i++) {
            if (x[off + i] > max) {
                max = x[off + i];
            }
        }
        float sum = 0.0f;
        for (int i = 0; i < n; i++) {
            x[off + i] = (float) Math.exp(x[off + i] - max);
            sum += x[off + i];
        }
        for (int i = 0; i < n; i++) {
            x[off + i] /= sum;
        }
    }
}
