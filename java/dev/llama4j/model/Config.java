package dev.llama4j.model;

import java.nio.file.Path;

/**
 * LLaMA hyperparameters, validated at construction: every field is checked for range and consistency, and an
 * error names the field by the key it was read from ({@code llama.*} GGUF keys, or the llama2.c header field).
 *
 * @param dim            embedding length ({@code llama.embedding_length})
 * @param hiddenDim      feed-forward length ({@code llama.feed_forward_length})
 * @param nLayers        block count ({@code llama.block_count})
 * @param nHeads         attention heads ({@code llama.attention.head_count})
 * @param nKvHeads       key/value heads, grouped-query attention ({@code llama.attention.head_count_kv})
 * @param vocabSize      vocabulary size (token embedding rows)
 * @param contextLength  maximum sequence length ({@code llama.context_length})
 * @param ropeDim        rotary dimensions per head ({@code llama.rope.dimension_count})
 * @param ropeTheta      RoPE frequency base ({@code llama.rope.freq_base})
 * @param rmsEps         RMSNorm epsilon ({@code llama.attention.layer_norm_rms_epsilon})
 */
public record Config(
        int dim,
        int hiddenDim,
        int nLayers,
        int nHeads,
        int nKvHeads,
        int vocabSize,
        int contextLength,
        int ropeDim,
        float ropeTheta,
        float rmsEps) {

    /** Key names used in messages, GGUF spelling. */
    public static final String DIM = "llama.embedding_length";
    public static final String HIDDEN_DIM = "llama.feed_forward_length";
    public static final String N_LAYERS = "llama.block_count";
    public static final String N_HEADS = "llama.attention.head_count";
    public static final String N_KV_HEADS = "llama.attention.head_count_kv";
    public static final String VOCAB_SIZE = "llama.vocab_size";
    public static final String CONTEXT_LENGTH = "llama.context_length";
    public static final String ROPE_DIM = "llama.rope.dimension_count";
    public static final String ROPE_THETA = "llama.rope.freq_base";
    public static final String RMS_EPS = "llama.attention.layer_norm_rms_epsilon";

    /** Upper bounds that no real LLaMA model reaches; they stop absurd values before any allocation. */
    static final int MAX_DIM = 1 << 16;
    static final int MAX_HIDDEN = 1 << 18;
    static final int MAX_LAYERS = 1024;
    static final int MAX_HEADS = 1024;
    static final int MAX_VOCAB = 1 << 22;
    static final int MAX_CONTEXT = 1 << 22;

    public Config {
        check(dim > 0 && dim <= MAX_DIM, DIM, dim, "1.." + MAX_DIM);
        check(hiddenDim > 0 && hiddenDim <= MAX_HIDDEN, HIDDEN_DIM, hiddenDim, "1.." + MAX_HIDDEN);
        check(nLayers > 0 && nLayers <= MAX_LAYERS, N_LAYERS, nLayers, "1.." + MAX_LAYERS);
        check(nHeads > 0 && nHeads <= MAX_HEADS, N_HEADS, nHeads, "1.." + MAX_HEADS);
        check(dim % nHeads == 0, N_HEADS, nHeads, "a divisor of " + DIM + " = " + dim);
        check(nKvHeads > 0 && nKvHeads <= nHeads, N_KV_HEADS, nKvHeads, "1.." + nHeads);
        check(nHeads % nKvHeads == 0, N_KV_HEADS, nKvHeads, "a divisor of " + N_HEADS + " = " + nHeads);
        check(vocabSize > 0 && vocabSize <= MAX_VOCAB, VOCAB_SIZE, vocabSize, "1.." + MAX_VOCAB);
        check(contextLength > 0 && contextLength <= MAX_CONTEXT, CONTEXT_LENGTH, contextLength,
                "1.." + MAX_CONTEXT);
        int headSize = dim / nHeads;
        check(ropeDim > 0 && ropeDim <= headSize && ropeDim % 2 == 0, ROPE_DIM, ropeDim,
                "an even number in 2.." + headSize + " (the head size)");
        check(Float.isFinite(ropeTheta) && ropeTheta > 0, ROPE_THETA, ropeTheta, "a finite number > 0");
        check(Float.isFinite(rmsEps) && rmsEps > 0 && rmsEps < 1, RMS_EPS, rmsEps, "a number in (0, 1)");
    }

    private static void check(boolean ok, String key, Object value, String allowed) {
        if (!ok) {
            throw new IllegalArgumentException(key + " = " + value + " is out of range (allowed: " + allowed + ")");
        }
    }

    /**
     * Builds a config, turning a range error into a {@link ModelFileException} that names {@code file}.
     */
    public static Config of(Path file, int dim, int hiddenDim, int nLayers, int nHeads, int nKvHeads,
                            int vocabSize, int contextLength, int ropeDim, float ropeTheta, float rmsEps) {
        try {
            return new Config(dim, hiddenDim, nLayers, nHeads, nKvHeads, vocabSize, contextLength, ropeDim,
                    ropeTheta, rmsEps);
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(file, e.getMessage(), e);
        }
    }

    /** Size of one attention head. */
    public int headSize() {
        return dim / nHeads;
    }

    /** Width of the key and value projections: {@code nKvHeads * headSize}. */
    public int kvDim() {
        return nKvHeads * headSize();
    }

    /** Query heads that share one key/value head. */
    public int kvMul() {
        return nHeads / nKvHeads;
    }
}
