package dev.llama4j.tokenizer;

import dev.llama4j.llama2c.Llama2cTokenizerFile;
import dev.llama4j.model.ModelFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A SentencePiece vocabulary in GGUF spelling: pieces use U+2581 ({@code ▁}) for a space, byte tokens are
 * {@code <0xNN>}, control tokens are {@code <s>}/{@code </s>}. Vocabularies from GGUF metadata and from llama2.c
 * {@code tokenizer.bin} are normalised to this one representation, so both tokenize identically.
 * Validated at construction: lengths agree, scores are not NaN, types are known, byte tokens are well formed and
 * the special ids are in range.
 *
 * @param file   where it was read from (for messages)
 * @param pieces token texts by id
 * @param scores merge scores by id (higher merges first)
 * @param types  token types by id ({@link #NORMAL}, {@link #UNKNOWN}, {@link #CONTROL}, ...)
 * @param bos    beginning-of-sequence id
 * @param eos    end-of-sequence id
 * @param unk    unknown-token id
 * @param addBos whether the model expects BOS before a prompt
 */
public record Vocabulary(Path file, String[] pieces, float[] scores, int[] types, int bos, int eos, int unk,
                         boolean addBos) {
    /** Token types as in llama.cpp / SentencePiece ({@code tokenizer.ggml.token_type}). */
    public static final int UNDEFINED = 0;
    public static final int NORMAL = 1;
    public static final int UNKNOWN = 2;
    public static final int CONTROL = 3;
    public static final int USER_DEFINED = 4;
    public static final int UNUSED = 5;
    public static final int BYTE = 6;

    /** The SentencePiece whitespace meta symbol. */
    public static final char SPACE_MARK = '\u2581';

    public static final String KEY_MODEL = "tokenizer.ggml.model";
    public static final String KEY_TOKENS = "tokenizer.ggml.tokens";
    public static final String KEY_SCORES = "tokenizer.ggml.scores";
    public static final String KEY_TYPES = "tokenizer.ggml.token_type";
    public static final String KEY_BOS = "tokenizer.ggml.bos_token_id";
    public static final String KEY_EOS = "tokenizer.ggml.eos_token_id";
    public static final String KEY_UNK = "tokenizer.ggml.unknown_token_id";
    public static final String KEY_ADD_BOS = "tokenizer.ggml.add_bos_token";

    public Vocabulary {
        pieces = pieces.clone();
        scores = scores.clone();
        types = types.clone();
        int n = pieces.length;
        if (n == 0) {
            throw new ModelFileException(file, KEY_TOKENS + " is empty");
        }
        if (scores.length != n) {
            throw new ModelFileException(file, KEY_SCORES + " has " + scores.length + " entries but "
                    + KEY_TOKENS + " has " + n);
        }
        if (types.length != n) {
            throw new ModelFileException(file, KEY_TYPES + " has " + types.length + " entries but "
                    + KEY_TOKENS + " has " + n);
        }
        for (int i = 0; i < n; i++) {
            if (pieces[i] == null) {
                throw new ModelFileException(file, KEY_TOKENS + "[" + i + "] is missing");
            }
            if (Float.isNaN(scores[i])) {
                throw new ModelFileException(file, KEY_SCORES + "[" + i + "] is NaN");
            }
            if (types[i] < UNDEFINED || types[i] > BYTE) {
                throw new ModelFileException(file, KEY_TYPES + "[" + i + "] = " + types[i]
                        + " is out of range (allowed: 0..6)");
            }
            if (types[i] == BYTE && byteValue(pieces[i]) < 0) {
                throw new ModelFileException(file, KEY_TOKENS + "[" + i + "] = \"" + pieces[i]
                        + "\" is a byte token but not of the form <0xNN>");
            }
        }
        checkId(file, KEY_BOS, bos, n);
        checkId(file, KEY_EOS, eos, n);
        checkId(file, KEY_UNK, unk, n);
    }

    private static void checkId(Path file, String key, int id, int n) {
        if (id < 0 || id >= n) {
            throw new ModelFileException(file, key + " = " + id + " is out of range (allowed: 0.." + (n - 1) + ")");
        }
    }

    /** The byte a {@code <0xNN>} piece stands for, or -1 if the piece is not of that form. */
    static int byteValue(String piece) {
        if (piece.length() != 6 || !piece.startsWith("<0x") || piece.charAt(5) != '>') {
            return -1;
        }
        int hi = Character.digit(piece.charAt(3), 16);
        int lo = Character.digit(piece.charAt(4), 16);
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }

    /**
     * Builds the vocabulary from GGUF metadata ({@code tokenizer.ggml.*}). The map follows the GGUF reader's
     * contract: Integer for u8..i32, Long for u32/i64/u64, Float, Double, Boolean, String, List for arrays.
     * {@code tokenizer.ggml.model} must be {@code "llama"}; tokens, scores and token types are required; the
     * BOS/EOS/UNK ids default to 1/2/0 and {@code add_bos_token} to true (llama.cpp's defaults for this model).
     *
     * @throws ModelFileException naming the key that is missing, of the wrong type or out of range
     */
    public static Vocabulary fromGgufMetadata(Path file, Map<String, Object> metadata) {
        Object model = metadata.get(KEY_MODEL);
        if (!(model instanceof String s)) {
            throw missingOrWrong(file, KEY_MODEL, model, "a string");
        }
        if (!s.equals("llama")) {
            throw new ModelFileException(file, KEY_MODEL + " = \"" + s
                    + "\" is not supported (allowed: \"llama\", the SentencePiece BPE tokenizer)");
        }
        List<?> tokens = list(file, metadata, KEY_TOKENS);
        List<?> scores = list(file, metadata, KEY_SCORES);
        List<?> types = list(file, metadata, KEY_TYPES);
        String[] p = new String[tokens.size()];
        for (int i = 0; i < p.length; i++) {
            if (!(tokens.get(i) instanceof String t)) {
                throw missingOrWrong(file, KEY_TOKENS + "[" + i + "]", tokens.get(i), "a string");
            }
            p[i] = t;
        }
        float[] sc = new float[scores.size()];
        for (int i = 0; i < sc.length; i++) {
            if (!(scores.get(i) instanceof Float f)) {
                throw missingOrWrong(file, KEY_SCORES + "[" + i + "]", scores.get(i), "a float32");
            }
            sc[i] = f;
        }
        int[] ty = new int[types.size()];
        for (int i = 0; i < ty.length; i++) {
            Object v = types.get(i);
            if (!(v instanceof Integer || v instanceof Long)) {
                throw missingOrWrong(file, KEY_TYPES + "[" + i + "]", v, "an integer");
            }
            long t = ((Number) v).longValue();
            ty[i] = t < 0 || t > BYTE ? -1 : (int) t;
            if (ty[i] < 0) {
                throw new ModelFileException(file, KEY_TYPES + "[" + i + "] = " + t
                        + " is out of range (allowed: 0..6)");
            }
        }
        int bos = id(file, metadata, KEY_BOS, 1);
        int eos = id(file, metadata, KEY_EOS, 2);
        int unk = id(file, metadata, KEY_UNK, 0);
        Object addBos = metadata.getOrDefault(KEY_ADD_BOS, Boolean.TRUE);
        if (!(addBos instanceof Boolean b)) {
            throw missingOrWrong(file, KEY_ADD_BOS, addBos, "a boolean");
        }
        return new Vocabulary(file, p, sc, ty, bos, eos, unk, b);
    }

    private static List<?> list(Path file, Map<String, Object> metadata, String key) {
        Object v = metadata.get(key);
        if (!(v instanceof List<?> l)) {
            throw missingOrWrong(file, key, v, "an array");
        }
        return l;
    }

    private static int id(Path file, Map<String, Object> metadata, String key, int dflt) {
        Object v = metadata.get(key);
        if (v == null) {
            return dflt;
        }
        if (!(v instanceof Integer || v instanceof Long)) {
            throw missingOrWrong(file, key, v, "an integer token id");
        }
        long id = ((Number) v).longValue();
        if (id < 0 || id > Integer.MAX_VALUE) {
            throw new ModelFileException(file, key + " = " + id + " is out of range");
        }
        return (int) id;
    }

    private static ModelFileException missingOrWrong(Path file, String key, Object v, String wanted) {
        if (v == null) {
            return new ModelFileException(file, "metadata key " + key + " is missing (need " + wanted + ")");
        }
        return new ModelFileException(file, "metadata key " + key + " has type " + v.getClass().getSimpleName()
                + " (need " + wanted + ")");
    }

    /**
     * Builds the vocabulary from a llama2.c {@code tokenizer.bin}, normalising it to GGUF spelling: spaces become
     * U+2581, {@code "\n<s>\n"}/{@code "\n</s>\n"} become control tokens {@code <s>}/{@code </s>},
     * {@code <unk>} the unknown token and {@code <0xNN>} byte tokens; every other piece is normal. Ids as in
     * llama2.c: 0 unk, 1 BOS, 2 EOS; BOS is added before prompts.
     */
    public static Vocabulary fromLlama2c(Llama2cTokenizerFile tf) {
        int n = tf.size();
        String[] p = new String[n];
        float[] sc = tf.scores();
        int[] ty = new int[n];
        for (int i = 0; i < n; i++) {
            String s = tf.piece(i);
            if (i == 0 && s.equals("<unk>")) {
                p[i] = s;
                ty[i] = UNKNOWN;
            } else if ((i == 1 && s.equals("\n<s>\n")) || (i == 2 && s.equals("\n</s>\n"))) {
                p[i] = s.strip();
                ty[i] = CONTROL;
            } else if (byteValue(s) >= 0) {
                p[i] = s;
                ty[i] = BYTE;
            } else {
                p[i] = s.replace(' ', SPACE_MARK);
                ty[i] = NORMAL;
            }
        }
        return new Vocabulary(tf.file(), p, sc, ty, Math.min(1, n - 1), Math.min(2, n - 1), 0, true);
    }

    /** Number of tokens. */
    public int size() {
        return pieces.length;
    }

    /** Token {@code id}'s piece (GGUF spelling). */
    public String piece(int id) {
        return pieces[id];
    }

    /** Token {@code id}'s score. */
    public float score(int id) {
        return scores[id];
    }

    /** Token {@code id}'s type. */
    public int type(int id) {
        return types[id];
    }

    @Override
    public String[] pieces() {
        return pieces.clone();
    }

    @Override
    public float[] scores() {
        return scores.clone();
    }

    @Override
    public int[] types() {
        return types.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Vocabulary v && java.util.Arrays.equals(pieces, v.pieces)
                && java.util.Arrays.equals(scores, v.scores) && java.util.Arrays.equals(types, v.types)
                && bos == v.bos && eos == v.eos && unk == v.unk && addBos == v.addBos;
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(pieces) * 31 + java.util.Arrays.hashCode(types);
    }

    @Override
    public String toString() {
        return "Vocabulary[" + pieces.length + " tokens, bos=" + bos + ", eos=" + eos + ", unk=" + unk
                + ", addBos=" + addBos + ", file=" + file + "]";
    }
}
