package dev.llama4j.gguf;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.llama4j.TestData;
import dev.llama4j.model.ModelFileException;
import dev.llama4j.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Seeded mutations of the shipped GGUF files (byte flips concentrated in the header, metadata and tensor infos;
 * truncations; length and count fields set to huge, negative or off-by-one values): each mutant either opens (and
 * then touching every tensor's first and last byte and reading its Config give only ModelFileException) or throws
 * ModelFileException. Any other exception, an OutOfMemoryError or a hang fails.
 */
class GgufMutationTest {
    static final int MUTANTS_PER_FILE = 500;
    static final long[] SPECIAL = {0, 1, -1, Long.MAX_VALUE, Long.MIN_VALUE, 0xFFFFFFFFL, 0x80000000L, 1L << 32,
        1L << 40, 1L << 62, Integer.MAX_VALUE, Integer.MAX_VALUE - 7, -8};

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"stories260K.gguf", "stories260K-F16.gguf", "stories260K-Q8_0.gguf",
        "stories260K-Q4_0.gguf", "stories260K-Q4_K_M.gguf", "quant_vectors.gguf", "ggml-vocab-llama-spm.gguf"})
    void mutantsGiveOnlyModelFileException(String name) throws Exception {
        byte[] good = Files.readAllBytes(TestData.model(name));
        long headerEnd;
        try (GgufFile f = GgufFile.of(Path.of(name), MemorySegment.ofArray(good))) {
            headerEnd = Math.min(good.length, f.dataOffset());
        }
        List<Integer> lengthFields = lengthFields(good, (int) headerEnd);
        assertTrue(lengthFields.size() > 10, name + ": " + lengthFields.size() + " length fields");
        Random rnd = new Random(name.hashCode() * 31L + 20240601L);
        List<String> failures = new ArrayList<>();
        int[] outcomes = new int[2];
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            for (int m = 0; m < MUTANTS_PER_FILE && failures.size() < 5; m++) {
                int kind = rnd.nextInt(10);
                byte[] b;
                String what;
                if (kind < 4) {
                    b = good.clone();
                    int flips = 1 + rnd.nextInt(4);
                    StringBuilder sb = new StringBuilder("flip");
                    for (int i = 0; i < flips; i++) {
                        int pos = rnd.nextInt(10) < 9 ? rnd.nextInt((int) headerEnd) : rnd.nextInt(b.length);
                        b[pos] ^= (byte) (1 + rnd.nextInt(255));
                        sb.append(' ').append(pos);
                    }
                    what = sb.toString();
                } else if (kind < 6) {
                    int len = rnd.nextInt(10) < 7 ? rnd.nextInt((int) headerEnd + 1) : rnd.nextInt(good.length);
                    b = Arrays.copyOf(good, len);
                    what = "truncate " + len;
                } else {
                    b = good.clone();
                    int pos = lengthFields.get(rnd.nextInt(lengthFields.size()));
                    long old = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(pos);
                    long v = switch (rnd.nextInt(4)) {
                        case 0 -> SPECIAL[rnd.nextInt(SPECIAL.length)];
                        case 1 -> old + rnd.nextInt(17) - 8;
                        case 2 -> rnd.nextLong();
                        default -> (long) rnd.nextInt(b.length) * (rnd.nextBoolean() ? 1 : 37);
                    };
                    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(pos, v);
                    what = "length field at " + pos + ": " + old + " -> " + v;
                }
                try {
                    outcomes[check(name, b)]++;
                } catch (Throwable t) {
                    failures.add("mutant " + m + " (" + what + "): " + t);
                }
            }
        });
        if (!failures.isEmpty()) {
            fail(name + ": " + String.join("\n", failures));
        }
        assertTrue(outcomes[0] + outcomes[1] == MUTANTS_PER_FILE);
        assertTrue(outcomes[1] > MUTANTS_PER_FILE / 10, name + ": only " + outcomes[1] + " mutants rejected");
    }

    @org.junit.jupiter.api.Test
    void mappedMutantsGiveOnlyModelFileException() throws Exception {
        byte[] good = Files.readAllBytes(TestData.model("stories260K-Q4_0.gguf"));
        Random rnd = new Random(7);
        Path p = tmp.resolve("mutant.gguf");
        int rejected = 0;
        for (int m = 0; m < 40; m++) {
            byte[] b = m % 2 == 0 ? Arrays.copyOf(good, rnd.nextInt(good.length)) : good.clone();
            if (m % 2 == 1) {
                b[rnd.nextInt(8192)] ^= (byte) (1 + rnd.nextInt(255));
            }
            Files.write(p, b);
            try (GgufFile f = GgufFile.open(p)) {
                for (Tensor t : f.tensors()) {
                    t.data().get(ValueLayout.JAVA_BYTE, t.data().byteSize() - 1);
                }
            } catch (ModelFileException e) {
                assertTrue(e.getMessage().startsWith(p + ": "), e.getMessage());
                rejected++;
            }
        }
        assertTrue(rejected >= 20, rejected + " of 40 rejected");
    }

    /** Positions in the header whose u64 value is a plausible length, count, dimension or offset. */
    static List<Integer> lengthFields(byte[] b, int headerEnd) {
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        List<Integer> out = new ArrayList<>();
        for (int p = 8; p + 8 <= headerEnd; p++) {
            long v = bb.getLong(p);
            if (v > 0 && v <= b.length && (v & 0xFF) != 0) {
                out.add(p);
            }
        }
        return out;
    }

    /** Returns 0 if the mutant opened cleanly, 1 if it was rejected with ModelFileException; anything else throws. */
    static int check(String name, byte[] b) {
        Path path = Path.of(name);
        try (GgufFile f = GgufFile.of(path, MemorySegment.ofArray(b))) {
            for (Tensor t : f.tensors()) {
                long n = t.data().byteSize();
                if (n > 0) {
                    t.data().get(ValueLayout.JAVA_BYTE, 0);
                    t.data().get(ValueLayout.JAVA_BYTE, n - 1);
                }
            }
            try {
                f.config();
            } catch (ModelFileException e) {
                checkMessage(e, path);
            }
            return 0;
        } catch (ModelFileException e) {
            checkMessage(e, path);
            return 1;
        }
    }

    static void checkMessage(ModelFileException e, Path path) {
        if (!e.getMessage().startsWith(path + ": ") || e.getMessage().length() < path.toString().length() + 10) {
            throw new AssertionError("message does not name the file and problem: " + e.getMessage());
        }
    }
}
