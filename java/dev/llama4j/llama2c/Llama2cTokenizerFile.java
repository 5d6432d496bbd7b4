package dev.llama4j.llama2c;

import dev.llama4j.model.ModelFileException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A llama2.c {@code tokenizer.bin}: int32 {@code max_token_length}, then for each token id in order a float32
 * score, an int32 byte length and that many UTF-8 bytes (no terminator). The vocabulary size is not stored:
 * records are read until the end of the file. Pieces are kept exactly as stored (llama2.c spelling: a plain
 * space instead of SentencePiece's U+2581, BOS/EOS as {@code "\n<s>\n"}/{@code "\n</s>\n"});
 * {@link dev.llama4j.tokenizer.Vocabulary#fromLlama2c} normalises them.
 */
public final class Llama2cTokenizerFile {
    /** Longest accepted token, and largest accepted file: far above any real tokenizer. */
    static final int MAX_TOKEN_LENGTH = 1 << 16;
    static final long MAX_FILE_BYTES = 1L << 30;

    private final Path file;
    private final int maxTokenLength;
    private final String[] pieces;
    private final float[] scores;

    private Llama2cTokenizerFile(Path file, int maxTokenLength, String[] pieces, float[] scores) {
        this.file = file;
        this.maxTokenLength = maxTokenLength;
        this.pieces = pieces;
        this.scores = scores;
    }

    /**
     * Reads and validates a tokenizer file.
     *
     * @throws ModelFileException if it cannot be read or a field is out of range
     */
    public static Llama2cTokenizerFile open(Path file) {
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                throw new ModelFileException(file, "tokenizer file is " + size + " bytes (allowed: at most "
                        + MAX_FILE_BYTES + ")");
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ModelFileException(file, "cannot read: " + e, e);
        }
        return parse(file, bytes);
    }

    /**
     * Reads a tokenizer file and checks it has as many tokens as the model's vocabulary.
     *
     * @throws ModelFileException if the counts differ or the file is invalid
     */
    public static Llama2cTokenizerFile open(Path file, int expectedVocabSize) {
        Llama2cTokenizerFile t = open(file);
        t.checkVocabSize(expectedVocabSize);
        return t;
    }

    static Llama2cTokenizerFile parse(Path file, byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (b.remaining() < 4) {
            throw new ModelFileException(file, "file too short for max_token_length: " + bytes.length + " bytes");
        }
        int maxLen = b.getInt();
        if (maxLen < 1 || maxLen > MAX_TOKEN_LENGTH) {
            throw new ModelFileException(file, "max_token_length = " + maxLen + " is out of range (allowed: 1.."
                    + MAX_TOKEN_LENGTH + ")");
        }
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        List<String> pieces = new ArrayList<>();
        float[] scores = new float[64];
        while (b.hasRemaining()) {
            int id = pieces.size();
            if (b.remaining() < 8) {
                throw new ModelFileException(file, "token " + id + ": record truncated (" + b.remaining()
                        + " bytes left, need 8 for score and length)");
            }
            float score = b.getFloat();
            int len = b.getInt();
            if (Float.isNaN(score)) {
                throw new ModelFileException(file, "token " + id + ": score is NaN");
            }
            if (len < 0 || len > maxLen) {
                throw new ModelFileException(file, "token " + id + ": length = " + len
                        + " is out of range (allowed: 0..max_token_length = " + maxLen + ")");
            }
            if (len > b.remaining()) {
                throw new ModelFileException(file, "token " + id + ": length = " + len + " but only "
                        + b.remaining() + " bytes are left");
            }
            ByteBuffer text = b.slice(b.position(), len);
            b.position(b.position() + len);
            CharBuffer chars;
            try {
                chars = utf8.decode(text);
            } catch (CharacterCodingException e) {
                throw new ModelFileException(file, "token " + id + ": bytes are not valid UTF-8", e);
            }
            if (id == scores.length) {
                scores = Arrays.copyOf(scores, id * 2);
            }
            scores[id] = score;
            pieces.add(chars.toString());
        }
        if (pieces.isEmpty()) {
            throw new ModelFileException(file, "tokenizer file has no tokens");
        }
        return new Llama2cTokenizerFile(file, maxLen, pieces.toArray(String[]::new),
                Arrays.copyOf(scores, pieces.size()));
    }

    /**
     * Checks the token count against the model's vocabulary size.
     *
     * @throws ModelFileException if they differ
     */
    public void checkVocabSize(int expected) {
        if (pieces.length != expected) {
            throw new ModelFileException(file, "tokenizer.bin has " + pieces.length
                    + " tokens but the model's vocabulary has " + expected);
        }
    }

    /** The file read. */
    public Path file() {
        return file;
    }

    /** The stored {@code max_token_length}. */
    public int maxTokenLength() {
        return maxTokenLength;
    }

    /** Number of tokens. */
    public int size() {
        return pieces.length;
    }

    /** Token {@code id}'s text as stored (llama2.c spelling). */
    public String piece(int id) {
        return pieces[id];
    }

    /** Token {@code id}'s merge score. */
    public float score(int id) {
        return scores[id];
    }

    /** All pieces as stored, in id order (a copy). */
    public String[] pieces() {
        return pieces.clone();
    }

    /** All scores in id order (a copy). */
    public float[] scores() {
        return scores.clone();
    }
}
