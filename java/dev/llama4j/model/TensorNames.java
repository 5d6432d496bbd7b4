package dev.llama4j.model;

/**
 * The one place tensor names live. GGUF names are canonical; the llama2.c loader names its arrays the same way.
 * Shapes in ggml order ({@code ne[0]} = row length).
 */
public final class TensorNames {
    private TensorNames() {}

    /** [dim, vocab] */
    public static final String TOKEN_EMBD = "token_embd.weight";
    /** [dim] */
    public static final String OUTPUT_NORM = "output_norm.weight";
    /** [dim, vocab]; absent when the classifier is tied to the embedding */
    public static final String OUTPUT = "output.weight";

    /** [dim] */
    public static String attnNorm(int layer) {
        return "blk." + layer + ".attn_norm.weight";
    }

    /** [dim, dim] */
    public static String attnQ(int layer) {
        return "blk." + layer + ".attn_q.weight";
    }

    /** [dim, kvDim] */
    public static String attnK(int layer) {
        return "blk." + layer + ".attn_k.weight";
    }

    /** [dim, kvDim] */
    public static String attnV(int layer) {
        return "blk." + layer + ".attn_v.weight";
    }

    /** [dim, dim] */
    public static String attnOutput(int layer) {
        return "blk." + layer + ".attn_output.weight";
    }

    /** [dim] */
    public static String ffnNorm(int layer) {
        return "blk." + layer + ".ffn_norm.weight";
    }

    /** w1: [dim, hidden] */
    public static String ffnGate(int layer) {
        return "blk." + layer + ".ffn_gate.weight";
    }

    /** w2: [hidden, dim] */
    public static String ffnDown(int layer) {
        return "blk." + layer + ".ffn_down.weight";
    }

    /** w3: [dim, hidden] */
    public static String ffnUp(int layer) {
        return "blk." + layer + ".ffn_up.weight";
    }
}
