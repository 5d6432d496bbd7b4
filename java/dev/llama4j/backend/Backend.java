package dev.llama4j.backend;

import dev.llama4j.tensor.Tensor;

/**
 * Where tensors live and how the forward pass's ops run. {@code Llama.forward} only calls these methods, so the
 * same top-to-bottom forward pass runs on the CPU and on a GPU.
 *
 * <p>A forward pass is one <em>step</em>: {@link #step} sets what varies between passes (the token ids and the
 * start position) and then runs the body. Ops inside a step read the tokens and positions from the step, never
 * from their arguments, so a backend may record the body once and replay it (the CUDA backend captures decode
 * steps as a CUDA graph and passes token and position through device memory).
 *
 * <p>Buffers hold float32 activations laid out as {@code [nTokens][width]}. All sizes are in floats.
 * One backend instance serves one thread at a time.
 */
public interface Backend extends AutoCloseable {

    /** Short name: {@code cpu} or {@code cuda}. */
    String name();

    /** The device in words (CPU model and threads, or GPU name and memory). */
    String description();

    /** Makes a weight tensor usable by this backend (the CPU computes on the mapped file; a GPU uploads it). */
    Weight weight(Tensor tensor);

    /**
     * Makes a tensor usable as a table that is only looked up by rows ({@link #embed}), never multiplied: a backend
     * may then keep it where it is instead of preparing it for products.
     */
    default Weight table(Tensor tensor) {
        return weight(tensor);
    }

    /**
     * Called once every weight is placed, before the first step: a backend may prepare what the first steps would
     * otherwise pay for (the CPU backend gets its kernels compiled by the JIT).
     */
    default void warmUp() {}

    /** A zeroed activation buffer of {@code floats} floats. */
    Buf buffer(int floats);

    /** A KV cache for {@code nLayers} layers of {@code contextLength} positions of {@code kvDim} keys/values. */
    KvStore kvCache(int nLayers, int contextLength, int kvDim);

    /**
     * Runs {@code body} as one forward step over {@code tokens[0..nTokens)} at positions
     * {@code startPos .. startPos + nTokens - 1}.
     */
    void step(int[] tokens, int nTokens, int startPos, Runnable body);

    /** out[t] = row tokens[t] of {@code table} (dequantized), for the step's tokens. */
    void embed(Buf out, Weight table, int dim);

    /** Per token row: out = x / sqrt(mean(x²) + eps) * weight. */
    void rmsNorm(Buf out, Buf x, Weight weight, int dim, int nTokens, float eps);

    /** out[t][r] = Σ_c W[r][c] · x[t][c]; W has ne = [cols, rows]. */
    void matmul(Buf out, Weight w, Buf x, int nTokens);

    /** Rotary embedding of each head of {@code v} ([nTokens][width]) at the step's positions. */
    void rope(Buf v, int width, int headSize, int ropeDim, float theta);

    /** Stores the step's keys and values ([nTokens][kvDim]) into {@code cache} for {@code layer}. */
    void storeKv(KvStore cache, int layer, Buf k, Buf v);

    /** Causal grouped-query attention of the step's queries over the cache up to each token's position. */
    void attention(Buf out, Buf q, KvStore cache, int layer, int nHeads, int nKvHeads, int headSize);

    /** hb = silu(hb) * hb2, elementwise over {@code n}. */
    void swiglu(Buf hb, Buf hb2, int n);

    /** x += y over {@code n}. */
    void add(Buf x, Buf y, int n);

    /** dst[dstOff .. dstOff+n) = src[srcOff .. srcOff+n). */
    void copy(Buf dst, int dstOff, Buf src, int srcOff, int n);

    /** Copies {@code n} floats of {@code src} from {@code offset} to the host. Waits for pending work. */
    void read(Buf src, int offset, float[] dst, int n);

    /** Frees what the backend allocated (device memory, threads). */
    @Override
    void close();

    /** A weight placed for this backend. */
    interface Weight {
        Tensor tensor();
    }

    /** An activation buffer owned by this backend. */
    interface Buf {
        int size();
    }

    /** A KV cache owned by this backend. */
    interface KvStore extends AutoCloseable {
        int contextLength();

        /** Frees the cache's memory where the backend holds it outside the Java heap; using it afterwards fails. */
        @Override
        default void close() {}
    }
}
