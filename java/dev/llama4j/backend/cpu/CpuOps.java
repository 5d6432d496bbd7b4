package dev.llama4j.backend.cpu;

import dev.llama4j.tensor.Dequant;
import dev.llama4j.tensor.Tensor;
import java.lang.foreign.Arena;

/**
 * The operations the CPU forward pass is made of. Activations are float32 arrays laid out token-major
 * ({@code [nTokens][width]}); weights are {@link Tensor}s in ggml order (a matrix has {@code ne = [cols, rows]},
 * each row stored contiguously in {@code type.bytesFor(cols)} bytes) and are read in place, in any
 * {@link dev.llama4j.gguf.GgmlType} that {@link dev.llama4j.tensor.Dequant} supports.
 *
 * <p>{@link ScalarOps} is the reference (plain loops, llama2.c's float order); {@link VectorOps} is the fast
 * implementation, checked against it by the parity tests. Implementations are safe to call from several threads
 * at once as long as the calls write to different arrays.
 */
public interface CpuOps {

    /**
     * Matrix product with the weights: {@code out[t*rows + r] = Σ_c W[r][c] · x[t*cols + c]} for
     * {@code t < nTokens}. {@code nTokens == 1} is the decode mat-vec; larger counts are prompt batches.
     *
     * @param out {@code [nTokens][rows]}
     * @param w   {@code [rows][cols]} ({@code ne = [cols, rows]})
     * @param x   {@code [nTokens][cols]}
     */
    void matmul(float[] out, Tensor w, float[] x, int nTokens);

    /**
     * The form this implementation multiplies {@code w} in (its products give {@link #matmul}'s results): a copy
     * repacked into memory of {@code repackInto} where the implementation has a faster layout for the type, else
     * the mapped tensor. {@code repackInto == null} keeps every matrix as mapped.
     */
    default CpuMatrix matrix(Tensor w, Arena repackInto) {
        return new CpuMatrix.Mapped(this, w);
    }

    /**
     * Bytes {@link #matrix} would allocate for {@code w} when allowed to repack (0 where it keeps it mapped): what
     * the memory estimate counts before loading.
     */
    default long repackedBytes(Tensor w) {
        return 0;
    }

    /** Threads the ops run on. */
    default int threads() {
        return 1;
    }

    /**
     * Starts getting the kernels that products on {@code matrices} (and the other ops of a step, with a
     * {@code kvF16} or float32 cache) will run compiled before the first step, where the implementation needs that;
     * the returned action waits for it to end.
     */
    default Runnable startWarmUp(java.util.List<CpuMatrix> matrices, boolean kvF16) {
        return () -> { };
    }

    /**
     * The best of {@code runs} sequential reads of {@code data} on these ops' threads, bytes per second (the
     * roofline a mat-vec is compared with); NaN where the ops cannot tell.
     */
    default double readBytesPerSecond(java.util.List<java.lang.foreign.MemorySegment> data, int runs) {
        if (!VectorSupport.available()) {
            return Double.NaN;
        }
        try (Workers one = new Workers(1)) {
            return ReadProbe.bytesPerSecond(data, one, runs);
        }
    }

    /**
     * RMS normalisation of each token row: {@code out = x / sqrt(mean(x²) + eps) * weight}.
     *
     * @param out    {@code [nTokens][dim]} (may be {@code x})
     * @param x      {@code [nTokens][dim]}
     * @param weight {@code [dim]}
     */
    void rmsNorm(float[] out, float[] x, float[] weight, int dim, int nTokens, float eps);

    /**
     * Rotary position embedding in place, llama2.c / GGUF-llama pairing: the pairs {@code (v[2i], v[2i+1])} of
     * each head with {@code 2i < ropeDim} are rotated by {@code pos / theta^(2i/ropeDim)} where {@code pos =
     * startPos + t}; dimensions {@code >= ropeDim} stay as they are.
     *
     * @param v     {@code [nTokens][width]}, {@code width} a multiple of {@code headSize}
     * @param ropeDim even, {@code <= headSize}
     */
    void rope(float[] v, int nTokens, int startPos, int width, int headSize, int ropeDim, float theta);

    /**
     * Causal multi-head attention over the cache: token {@code t} (position {@code startPos + t}) attends over
     * cache positions {@code 0..startPos+t} of its KV head ({@code h / (nHeads / nKvHeads)}); scores are scaled by
     * {@code 1/sqrt(headSize)} and softmaxed. The keys and values of the batch must already be in the cache.
     *
     * @param out {@code [nTokens][nHeads*headSize]}
     * @param q   {@code [nTokens][nHeads*headSize]}
     */
    void attention(float[] out, float[] q, KvCache cache, int layer, int nTokens, int startPos,
                   int nHeads, int nKvHeads, int headSize);

    /** SwiGLU gate in place: {@code hb[i] = hb[i] · σ(hb[i]) · hb2[i]} for {@code i < n}. */
    void swiglu(float[] hb, float[] hb2, int n);

    /** Residual add in place: {@code x[i] += y[i]} for {@code i < n}. */
    void add(float[] x, float[] y, int n);

    /**
     * Token embedding lookup: row {@code tokens[t]} of {@code table} (dequantized) into {@code out[t*dim ..]}.
     *
     * @param table {@code [vocab][dim]} ({@code ne = [dim, vocab]}), any type
     */
    default void embed(float[] out, Tensor table, int[] tokens, int dim) {
        Checks.embed(out, table, tokens, dim);
        long rowBytes = table.rowBytes();
        for (int t = 0; t < tokens.length; t++) {
            Dequant.dequantizeRow(table.type(), table.data(), tokens[t] * rowBytes, out, t * dim, dim);
        }
    }

    /** Numerically stable softmax in place over {@code x[off .. off+n)} (subtracting the maximum first). */
    void softmax(float[] x, int off, int n);
}
