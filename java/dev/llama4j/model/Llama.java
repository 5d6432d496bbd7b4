package dev.llama4j.model;

import dev.llama4j.Llama4jException;
import dev.llama4j.backend.Backend;

/**
 * The LLaMA-2 transformer. {@link #forward} reads top to bottom like llama2.c's {@code forward()}, calls only the
 * {@link Backend} and allocates nothing.
 */
public final class Llama {
    private final Config config;
    private final Weights w;
    private final Backend backend;

    public Llama(Config config, Weights weights, Backend backend) {
        this.config = config;
        this.w = weights;
        this.backend = backend;
    }

    /** Checks and places the weights of {@code file} on {@code backend}, then lets the backend warm up. */
    public static Llama load(ModelFile file, Backend backend) {
        Llama llama = new Llama(file.config(), Weights.load(file, backend), backend);
        backend.warmUp();
        return llama;
    }

    public Config config() {
        return config;
    }

    public Backend backend() {
        return backend;
    }

    public Weights weights() {
        return w;
    }

    /** Buffers and a KV cache of {@code contextLength} positions, for prompt steps of up to {@code maxBatch}. */
    public State newState(int maxBatch, int contextLength) {
        if (maxBatch < 1) {
            throw new Llama4jException("batch size " + maxBatch + " must be >= 1");
        }
        if (contextLength < 1 || contextLength > config.contextLength()) {
            throw new Llama4jException("context length " + contextLength + " is outside 1.."
                    + config.contextLength() + " (the model's " + Config.CONTEXT_LENGTH + ")");
        }
        return new State(config, backend, maxBatch, contextLength);
    }

    /**
     * Runs {@code tokens[0..n)} at positions {@code pos..pos+n-1} through the model in one batch and writes the
     * logits of the last token to {@code logits} (null: leave them in {@link State#logits()} only). The caller keeps {@code n <= s.maxBatch} and
     * {@code pos + n <= s.contextLength()}.
     */
    public void forward(State s, int[] tokens, int n, int pos, float[] logits) {
        Config c = config;
        int dim = c.dim();
        int kvDim = c.kvDim();
        int hidden = c.hiddenDim();
        int headSize = c.headSize();
        float eps = c.rmsEps();
        Backend b = backend;
        b.step(tokens, n, pos, () -> {
            // token embedding
            b.embed(s.x, w.tokenEmbedding, dim);
            for (int l = 0; l < c.nLayers(); l++) {
                // attention rmsnorm
                b.rmsNorm(s.xb, s.x, w.attnNorm[l], dim, n, eps);
                // qkv matmuls
                b.matmul(s.q, w.wq[l], s.xb, n);
                b.matmul(s.k, w.wk[l], s.xb, n);
                b.matmul(s.v, w.wv[l], s.xb, n);
                // RoPE on queries and keys
                b.rope(s.q, dim, headSize, c.ropeDim(), c.ropeTheta());
                b.rope(s.k, kvDim, headSize, c.ropeDim(), c.ropeTheta());
                // key and value into the cache
                b.storeKv(s.kv, l, s.k, s.v);
                // causal grouped-query attention
                b.attention(s.xb, s.q, s.kv, l, c.nHeads(), c.nKvHeads(), headSize);
                // output projection + residual
                b.matmul(s.xb2, w.wo[l], s.xb, n);
                b.add(s.x, s.xb2, n * dim);
                // ffn rmsnorm
                b.rmsNorm(s.xb, s.x, w.ffnNorm[l], dim, n, eps);
                // SwiGLU: w2(silu(w1(x)) * w3(x))
                b.matmul(s.hb, w.w1[l], s.xb, n);
                b.matmul(s.hb2, w.w3[l], s.xb, n);
                b.swiglu(s.hb, s.hb2, n * hidden);
                b.matmul(s.xb2, w.w2[l], s.hb, n);
                // residual
                b.add(s.x, s.xb2, n * dim);
            }
            // final rmsnorm of the last token
            b.copy(s.xLast, 0, s.x, (n - 1) * dim, dim);
            b.rmsNorm(s.xLast, s.xLast, w.outputNorm, dim, 1, eps);
            // classifier into logits
            b.matmul(s.logits, w.classifier, s.xLast, 1);
        });
        if (logits != null) {
            b.read(s.logits, 0, logits, c.vocabSize());
        }
    }
}
