package dev.llama4j.quant;

import dev.llama4j.Llama4jException;
import dev.llama4j.gguf.GgmlType;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What a model file's tensors are quantized to: a plain type (every matrix that type, as {@code llama-quantize
 * --pure} does) or one of llama.cpp's K-quant mixes, with the {@code general.file_type} (llama.cpp's
 * {@code LLAMA_FTYPE_*}) written for it. The per-tensor choice follows llama.cpp's {@code llama_tensor_get_type}
 * (src/llama-quant.cpp at c392e50) for LLaMA models without an importance matrix:
 * <ul>
 *   <li>Only matrices are quantized: tensors named {@code *weight} with at least two dimensions, except norms
 *       ({@code *_norm.weight}); everything else is copied as it is.</li>
 *   <li>Q4_K_M / Q5_K_M: {@code output.weight} (or {@code token_embd.weight} when the classifier is tied to it) is
 *       Q6_K, or Q8_0 when its row length is not a multiple of 256; {@code attn_v} and {@code ffn_down} of the
 *       "more bits" layers (the first and last eighth of the layers and every third layer between them, see
 *       {@link #moreBits}) are Q6_K; in a 70B model (80 layers with grouped-query attention) the other
 *       {@code attn_v} are Q5_K; every other matrix, {@code token_embd} included, is Q4_K / Q5_K.</li>
 *   <li>Where a row length is not a multiple of the chosen type's block, llama.cpp's fallback applies: Q4_K → Q5_0,
 *       Q5_K → Q5_1, Q6_K → Q8_0, Q2_K/Q3_K → IQ4_NL is not offered here; and where even that block does not fit,
 *       F16. llama.cpp refuses a Q4_0 or Q8_0 tensor that does not fit; here it becomes F16 (as the stories260K
 *       Q4_0/Q8_0 reference files were made).</li>
 * </ul>
 */
public enum QuantMix {
    F32(GgmlType.F32, 0, false),
    F16(GgmlType.F16, 1, false),
    BF16(GgmlType.BF16, 32, false),
    Q8_0(GgmlType.Q8_0, 7, false),
    Q4_0(GgmlType.Q4_0, 2, false),
    Q4_K(GgmlType.Q4_K, 15, false),
    Q5_K(GgmlType.Q5_K, 17, false),
    Q6_K(GgmlType.Q6_K, 18, false),
    Q4_K_M(GgmlType.Q4_K, 15, true),
    Q5_K_M(GgmlType.Q5_K, 17, true);

    private final GgmlType base;
    private final int fileType;
    private final boolean mixed;

    QuantMix(GgmlType base, int fileType, boolean mixed) {
        this.base = base;
        this.fileType = fileType;
        this.mixed = mixed;
    }

    /** The type of most matrices. */
    public GgmlType base() {
        return base;
    }

    /**
     * llama.cpp's {@code LLAMA_FTYPE_*} number for {@code general.file_type}. A plain Q4_K / Q5_K file gets the
     * number of Q4_K_M / Q5_K_M, the ftype llama.cpp's loader guesses for a file whose matrices are mostly Q4_K /
     * Q5_K (llama.cpp has no ftype of its own for them).
     */
    public int fileType() {
        return fileType;
    }

    /** Whether this is one of llama.cpp's mixes rather than one type for every matrix. */
    public boolean mixed() {
        return mixed;
    }

    /** Every name, for messages: "F32, F16, ..., Q5_K_M". */
    public static String allowed() {
        return Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));
    }

    /**
     * Parses a name (any case).
     *
     * @param what names the option in the error, e.g. "--type"
     * @throws Llama4jException naming the value and listing the allowed ones
     */
    public static QuantMix parse(String name, String what) {
        String u = name.trim().toUpperCase(Locale.ROOT);
        for (QuantMix m : values()) {
            if (m.name().equals(u)) {
                return m;
            }
        }
        throw new Llama4jException("unknown " + what + " '" + name + "' (allowed: " + allowed() + ")");
    }

    /** The plain mix of one type. */
    public static QuantMix of(GgmlType type) {
        for (QuantMix m : values()) {
            if (!m.mixed && m.base == type) {
                return m;
            }
        }
        throw new Llama4jException("type " + type + " is not supported (allowed: " + allowed() + ")");
    }

    /**
     * The facts about a model that the choice depends on: its layer count, whether it has a separate
     * {@code output.weight} (else the classifier is tied to {@code token_embd}), and whether llama.cpp takes it for
     * a LLaMA 70B (80 layers, fewer KV heads than heads).
     */
    public record Model(int layers, boolean hasOutput, boolean is70b) {
        /** A model of {@code layers} layers with {@code heads} and {@code kvHeads}. */
        public static Model of(int layers, int heads, int kvHeads, boolean hasOutput) {
            return new Model(layers, hasOutput, layers == 80 && heads != kvHeads);
        }
    }

    /** Whether llama.cpp quantizes a tensor: a {@code *weight} of two or more dimensions that is not a norm. */
    public static boolean quantizable(String name, long[] ne) {
        int dims = 1;
        for (int i = ne.length - 1; i >= 1; i--) {
            if (ne[i] > 1) {
                dims = i + 1;
                break;
            }
        }
        return name.endsWith("weight") && dims >= 2 && !name.contains("_norm.weight")
                && !name.contains("ffn_gate_inp.weight");
    }

    /**
     * llama.cpp's {@code use_more_bits}: layer {@code i} of {@code n} gets more bits when it is in the first or last
     * eighth, or every third layer from n/8 on (i − n/8 ≡ 2 mod 3).
     */
    public static boolean moreBits(int i, int n) {
        return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
    }

    /**
     * The type of a {@link #quantizable} tensor named {@code name} of shape {@code ne} (ggml order) in model
     * {@code m}.
     */
    public GgmlType typeFor(String name, long[] ne, Model m) {
        if (!base.isQuantized()) {
            return base;
        }
        GgmlType t = base;
        if (mixed) {
            if (name.equals("output.weight") || (!m.hasOutput() && name.equals("token_embd.weight"))) {
                t = ne[0] % base.blockSize() != 0 ? GgmlType.Q8_0 : GgmlType.Q6_K;
            } else if (name.contains("attn_v.weight")) {
                if (moreBits(layer(name, m), m.layers())) {
                    t = GgmlType.Q6_K;
                }
                if (m.is70b() && (t == GgmlType.Q3_K || t == GgmlType.Q4_K)) {
                    t = GgmlType.Q5_K;
                }
            } else if (name.contains("ffn_down") && moreBits(layer(name, m), m.layers())) {
                t = GgmlType.Q6_K;
            }
        }
        return fitRow(t, ne[0]);
    }

    /** llama.cpp's fallback where {@code cols} is not a whole number of {@code t}'s blocks (then F16). */
    static GgmlType fitRow(GgmlType t, long cols) {
        if (cols % t.blockSize() == 0) {
            return t;
        }
        GgmlType f = switch (t) {
            case Q4_K -> GgmlType.Q5_0;
            case Q5_K -> GgmlType.Q5_1;
            case Q6_K -> GgmlType.Q8_0;
            default -> GgmlType.F16;
        };
        return cols % f.blockSize() == 0 ? f : GgmlType.F16;
    }

    /** The layer number of a {@code blk.N.*} tensor. */
    private static int layer(String name, Model m) {
        int dot = name.indexOf('.', 4);
        try {
            if (name.startsWith("blk.") && dot > 4) {
                int l = Integer.parseInt(name.substring(4, dot));
                if (l >= 0 && l < m.layers()) {
                    return l;
                }
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new Llama4jException("tensor '" + name + "': no layer number blk.N in [0, " + m.layers() + ")");
    }
}
