package dev.llama4j.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * Text to token ids and back. Decoding works on bytes: a character may be split across several byte tokens, so
 * {@link #decode} returns the exact bytes and {@link StreamingDecoder} turns ids into complete characters.
 */
public interface Tokenizer {
    /** The vocabulary the ids refer to. */
    Vocabulary vocabulary();

    /** Encodes {@code text}, prepending BOS when {@code addBos}. Never produces control tokens from text. */
    int[] encode(String text, boolean addBos);

    /** Encodes {@code text}, prepending BOS when the vocabulary says the model expects it. */
    default int[] encode(String text) {
        return encode(text, vocabulary().addBos());
    }

    /**
     * The bytes token {@code id} stands for, as llama.cpp's {@code token_to_piece(special = false)}: normal
     * pieces with U+2581 turned into a space, byte tokens as their raw byte, control, unknown, unused and
     * undefined tokens as nothing.
     *
     * @throws IllegalArgumentException if {@code id} is not in the vocabulary
     */
    byte[] decodePiece(int id);

    /**
     * The bytes of a token sequence, concatenating {@link #decodePiece} with llama2.c's rule: a piece that
     * directly follows BOS loses its leading space (the dummy prefix added by encoding), so
     * {@code decode(encode(text, true))} gives back {@code text}'s bytes.
     */
    default byte[] decode(int[] ids) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int prev = -1;
        for (int id : ids) {
            byte[] p = decodePiece(id);
            int skip = stripsSpace(prev, id, p) ? 1 : 0;
            out.write(p, skip, p.length - skip);
            prev = id;
        }
        return out.toByteArray();
    }

    /** {@link #decode} as a string (malformed UTF-8 becomes U+FFFD). */
    default String decodeToString(int[] ids) {
        return new String(decode(ids), StandardCharsets.UTF_8);
    }

    /** A fresh streaming decoder over this tokenizer. */
    default StreamingDecoder streamingDecoder() {
        return new StreamingDecoder(this);
    }

    /** Whether piece {@code p} of token {@code id}, following {@code prev}, loses its leading space. */
    default boolean stripsSpace(int prev, int id, byte[] p) {
        return prev == vocabulary().bos() && vocabulary().type(id) != Vocabulary.BYTE && p.length > 0 && p[0] == ' ';
    }
}
