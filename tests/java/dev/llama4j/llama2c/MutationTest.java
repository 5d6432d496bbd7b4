package dev.llama4j.llama2c;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.llama4j.TestData;
import dev.llama4j.model.ModelFileException;
import dev.llama4j.tensor.Tensor;
import dev.llama4j.tokenizer.SentencePieceBpe;
import dev.llama4j.tokenizer.Tokenizer;
import dev.llama4j.tokenizer.Vocabulary;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded mutants of the shipped llama2.c files (byte flips in the header, truncations, length-field edits) must
 * either load or fail with {@link ModelFileException}: never another exception, an OutOfMemoryError or a hang
 * (the timeout is only a hang guard).
 */
class MutationTest {
    static final int[] INTERESTING = {0, 1, -1, 2, 3, 7, 8, 255, 256, 65535, 65536, 1 << 20, 1 << 30,
        Integer.MAX_VALUE, Integer.MIN_VALUE, Integer.MAX_VALUE - 1, -65536, 0x616b3432};

    @TempDir
    Path tmp;

    int successes;
    int failures;

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void checkpoints() throws IOException {
        mutateCheckpoint("stories260K.bin", 28, 1000, 0x5EED1);
        mutateCheckpoint("stories260K_v1.bin", 256, 1000, 0x5EED2);
        assertTrue(successes > 0 && failures > 1000, successes + " loaded, " + failures + " rejected");
    }

    /** Mutates a copy in place and restores it after each mutant (the files are 1 MB). */
    void mutateCheckpoint(String name, int headerBytes, int mutants, long seed) throws IOException {
        byte[] orig = Files.readAllBytes(TestData.model(name));
        Path f = tmp.resolve(name);
        Files.write(f, orig);
        Random rnd = new Random(seed);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            for (int m = 0; m < mutants; m++) {
                int kind = rnd.nextInt(4);
                String what;
                long truncatedTo = -1;
                java.util.List<Integer> changed = new java.util.ArrayList<>();
                if (kind == 0) { // byte flips in the header
                    int n = 1 + rnd.nextInt(4);
                    StringBuilder sb = new StringBuilder("flip");
                    for (int i = 0; i < n; i++) {
                        int pos = rnd.nextInt(headerBytes);
                        byte v = (byte) (rnd.nextBoolean() ? orig[pos] ^ (1 << rnd.nextInt(8)) : rnd.nextInt(256));
                        ch.write(ByteBuffer.wrap(new byte[] {v}), pos);
                        changed.add(pos);
                        sb.append(' ').append(pos).append('=').append(v);
                    }
                    what = sb.toString();
                } else if (kind == 1) { // a header int set to an interesting or nearby value
                    int field = rnd.nextInt(Math.min(9, headerBytes / 4));
                    int old = ByteBuffer.wrap(orig, field * 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
                    int v = rnd.nextBoolean() ? INTERESTING[rnd.nextInt(INTERESTING.length)]
                            : old + rnd.nextInt(9) - 4;
                    ch.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, v), field * 4L);
                    for (int i = 0; i < 4; i++) {
                        changed.add(field * 4 + i);
                    }
                    what = "int " + field + " = " + v;
                } else if (kind == 2) { // truncation
                    truncatedTo = rnd.nextBoolean() ? rnd.nextInt(headerBytes + 8) : rnd.nextInt(orig.length);
                    ch.truncate(truncatedTo);
                    what = "truncate " + truncatedTo;
                } else { // a byte anywhere (mostly data: must still load)
                    int pos = rnd.nextInt(orig.length);
                    ch.write(ByteBuffer.wrap(new byte[] {(byte) rnd.nextInt(256)}), pos);
                    changed.add(pos);
                    what = "byte " + pos;
                }
                check(name + " mutant " + m + " (" + what + ")", () -> {
                    try (Llama2cCheckpoint ck = Llama2cCheckpoint.open(f)) {
                        float sum = 0;
                        for (Tensor t : ck.tensors()) {
                            sum += t.data().get(ValueLayout.JAVA_FLOAT_UNALIGNED, t.data().byteSize() - 4);
                        }
                        return sum;
                    }
                });
                // restore the original bytes
                if (truncatedTo >= 0) {
                    int from = (int) truncatedTo;
                    ch.write(ByteBuffer.wrap(orig, from, orig.length - from), from);
                }
                for (int pos : changed) {
                    ch.write(ByteBuffer.wrap(orig, pos, 1), pos);
                }
                assertEquals(orig.length, ch.size());
            }
        }
        assertEquals(-1, java.util.Arrays.mismatch(orig, Files.readAllBytes(f)), "copy restored");
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void tokenizers() throws IOException {
        mutateTokenizer("tok512.bin", 1600, 0x5EED3);
        mutateTokenizer("tokenizer.bin", 400, 0x5EED4); // 32000 tokens: slower per mutant
        assertTrue(successes > 0 && failures > 500, successes + " loaded, " + failures + " rejected");
    }

    /** Tokenizer mutants are parsed from memory, then used: vocabulary, tokenizer, an encode and a decode. */
    void mutateTokenizer(String name, int mutants, long seed) throws IOException {
        Path path = TestData.model(name);
        byte[] orig = Files.readAllBytes(path);
        // offsets of the length fields of all records
        int[] lengthFields = new int[orig.length / 8];
        int count = 0;
        ByteBuffer b = ByteBuffer.wrap(orig).order(ByteOrder.LITTLE_ENDIAN);
        for (int off = 4; off < orig.length; off += 8 + b.getInt(off + 4)) {
            lengthFields[count++] = off + 4;
        }
        Random rnd = new Random(seed);
        for (int m = 0; m < mutants; m++) {
            byte[] bytes;
            String what;
            int kind = rnd.nextInt(4);
            if (kind == 0) { // byte flips, mostly near the start
                bytes = orig.clone();
                int n = 1 + rnd.nextInt(4);
                StringBuilder sb = new StringBuilder("flip");
                for (int i = 0; i < n; i++) {
                    int pos = rnd.nextBoolean() ? rnd.nextInt(Math.min(64, orig.length)) : rnd.nextInt(orig.length);
                    bytes[pos] = (byte) (rnd.nextBoolean() ? bytes[pos] ^ (1 << rnd.nextInt(8)) : rnd.nextInt(256));
                    sb.append(' ').append(pos);
                }
                what = sb.toString();
            } else if (kind == 1 || kind == 2) { // a record's length field, or max_token_length, edited
                bytes = orig.clone();
                int at = kind == 2 ? 0 : lengthFields[rnd.nextInt(count)];
                int old = ByteBuffer.wrap(orig, at, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
                int v = rnd.nextBoolean() ? INTERESTING[rnd.nextInt(INTERESTING.length)] : old + rnd.nextInt(9) - 4;
                ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(at, v);
                what = "int at " + at + " = " + v;
            } else { // truncation
                int len = rnd.nextBoolean() ? rnd.nextInt(Math.min(200, orig.length)) : rnd.nextInt(orig.length);
                bytes = java.util.Arrays.copyOf(orig, len);
                what = "truncate " + len;
            }
            check(name + " mutant " + m + " (" + what + ")", () -> {
                Llama2cTokenizerFile tf = Llama2cTokenizerFile.parse(path, bytes);
                Tokenizer tok = new SentencePieceBpe(Vocabulary.fromLlama2c(tf));
                int[] ids = tok.encode("Once upon a time, a 🦙 said: <s> héllo!", true);
                return tok.decode(ids).length;
            });
        }
    }

    interface Action {
        Object run() throws Exception;
    }

    void check(String what, Action a) {
        try {
            a.run();
            successes++;
        } catch (ModelFileException e) {
            failures++;
            assertTrue(e.getMessage().contains(": "), e.getMessage());
        } catch (Throwable t) {
            fail(what + " threw " + t, t);
        }
    }
}
