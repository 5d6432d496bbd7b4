package dev.llama4j.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama4j.model.Config;
import dev.llama4j.model.ModelFileException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each kind of bad input gives a ModelFileException whose message names the file and the field or tensor. */
class GgufBadInputTest {
    static final Path NAME = Path.of("bad.gguf");

    @TempDir
    Path tmp;

    static GgufWriter base() {
        return new GgufWriter()
                .putString("general.architecture", "llama")
                .putUInt32(GgufReader.ALIGNMENT_KEY, 32)
                .putBool("flag", true)
                .putString("flaX", "v")
                .putArray("arr", GgufValueType.INT32, List.of(1, 2, 3))
                .addTensor("t.a", GgmlType.Q4_0, new long[] {64, 2},
                        GgufWriter.TensorSource.of(ByteBuffer.allocate(72)))
                .addTensor("t.b", GgmlType.F32, new long[] {8}, GgufWriter.TensorSource.of(ByteBuffer.allocate(32)));
    }

    static byte[] good() throws IOException {
        return GgufWriterTest.bytes(base());
    }

    /** Offset just past the (unique) string {@code s} in the file. */
    static int after(byte[] b, String s) {
        byte[] n = s.getBytes(StandardCharsets.UTF_8);
        for (int i = 8; i + n.length <= b.length; i++) {
            if (Arrays.equals(b, i, i + n.length, n, 0, n.length)
                    && ByteBuffer.wrap(b, i - 8, 8).order(ByteOrder.LITTLE_ENDIAN).getLong() == n.length) {
                return i + n.length;
            }
        }
        throw new AssertionError("no string " + s);
    }

    static void put32(byte[] b, int off, int v) {
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(off, v);
    }

    static void put64(byte[] b, int off, long v) {
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(off, v);
    }

    static ModelFileException fails(byte[] b, String... parts) {
        var e = assertThrows(ModelFileException.class, () -> GgufFile.of(NAME, MemorySegment.ofArray(b)));
        assertEquals(NAME, e.file());
        assertTrue(e.getMessage().startsWith("bad.gguf: "), e.getMessage());
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "message \"" + e.getMessage() + "\" lacks \"" + p + "\"");
        }
        return e;
    }

    static void mutate(Consumer<byte[]> edit, String... parts) throws IOException {
        byte[] b = good();
        edit.accept(b);
        fails(b, parts);
    }

    @Test
    void goodBaseParses() throws IOException {
        try (GgufFile f = GgufFile.of(NAME, MemorySegment.ofArray(good()))) {
            assertEquals(2, f.tensors().size());
        }
    }

    @Test
    void header() throws IOException {
        mutate(b -> b[0] = 'X', "not a GGUF file", "magic");
        mutate(b -> put32(b, 4, 1), "unsupported GGUF version 1 (supported: 2, 3)");
        mutate(b -> put32(b, 4, 4), "unsupported GGUF version 4");
        mutate(b -> put32(b, 4, -1), "unsupported GGUF version 4294967295");
        mutate(b -> put64(b, 8, 1L << 40), "tensor_count = 1099511627776 is impossible");
        mutate(b -> put64(b, 8, -1), "tensor_count = 18446744073709551615 is impossible");
        mutate(b -> put64(b, 16, Long.MAX_VALUE), "metadata_kv_count", "is impossible");
        fails(new byte[0], "truncated", "magic");
        fails(new byte[] {'G', 'G', 'U', 'F', 3, 0}, "truncated", "version");
    }

    @Test
    void everyTruncationIsReported() throws IOException {
        byte[] g = good();
        for (int n = 0; n < g.length; n++) {
            var e = fails(Arrays.copyOf(g, n));
            assertTrue(e.getMessage().contains("truncated") || e.getMessage().contains("impossible")
                    || e.getMessage().contains("exceeds") || e.getMessage().contains("outside the file"),
                    n + ": " + e.getMessage());
        }
    }

    @Test
    void truncatedMappedFile() throws IOException {
        byte[] g = good();
        Path p = tmp.resolve("trunc.gguf");
        Files.write(p, Arrays.copyOf(g, g.length - 1));
        var e = assertThrows(ModelFileException.class, () -> GgufFile.open(p));
        assertTrue(e.getMessage().contains(p.toString()) && e.getMessage().contains("tensor 't.b' data")
                && e.getMessage().contains("outside the file"), e.getMessage());
        Path empty = tmp.resolve("empty.gguf");
        Files.write(empty, new byte[0]);
        var e1 = assertThrows(ModelFileException.class, () -> GgufFile.open(empty));
        assertTrue(e1.getMessage().contains("empty.gguf: truncated: magic"), e1.getMessage());
        var e3 = assertThrows(ModelFileException.class, () -> GgufFile.open(tmp));
        assertTrue(e3.getMessage().contains("cannot read"), e3.getMessage());
        var e2 = assertThrows(ModelFileException.class, () -> GgufFile.open(tmp.resolve("missing.gguf")));
        assertTrue(e2.getMessage().contains("missing.gguf") && e2.getMessage().contains("no such file"));
    }

    @Test
    void metadata() throws IOException {
        mutate(b -> put64(b, after(b, "flag") - 4 - 8, Long.MAX_VALUE), "string length 9223372036854775807",
                "exceeds", "key of metadata kv #2");
        mutate(b -> put64(b, after(b, "flag") - 4 - 8, 1L << 33), "string length 8589934592", "exceeds");
        mutate(b -> put32(b, after(b, "flag"), 13), "metadata key 'flag' has unknown value type 13");
        mutate(b -> b[after(b, "flag") + 4] = 2, "value of 'flag': bool byte 2");
        mutate(b -> put64(b, after(b, "arr") + 8, 1L << 40), "length of array 'arr' = 1099511627776 is impossible");
        mutate(b -> put64(b, after(b, "arr") + 8, -5), "length of array 'arr'", "is impossible");
        mutate(b -> put32(b, after(b, "arr") + 4, 77), "array 'arr' has unknown value type 77");
        mutate(b -> b[after(b, "flaX") - 1] = 'g', "duplicate metadata key 'flag'");
        mutate(b -> put32(b, after(b, GgufReader.ALIGNMENT_KEY) + 4, 48), "general.alignment = 48 is invalid");
        mutate(b -> put32(b, after(b, GgufReader.ALIGNMENT_KEY) + 4, 0), "general.alignment = 0 is invalid");
    }

    @Test
    void deeplyNestedArrays() throws IOException {
        GgufArray a = new GgufArray(GgufValueType.INT32, List.of(1));
        for (int i = 0; i < GgufReader.MAX_ARRAY_DEPTH + 1; i++) {
            a = new GgufArray(GgufValueType.ARRAY, List.of(a));
        }
        fails(GgufWriterTest.bytes(new GgufWriter().put("deep", GgufValueType.ARRAY, a)),
                "metadata key 'deep': arrays nested deeper than");
    }

    /** Offset of field {@code f} of tensor info {@code name}: 0 = n_dims, 1.. = ne[f-1], -1 = type, -2 = offset. */
    static int info(byte[] b, String name, int nDims, int f) {
        int e = after(b, name);
        return switch (f) {
            case -1 -> e + 4 + 8 * nDims;
            case -2 -> e + 8 + 8 * nDims;
            default -> f == 0 ? e : e + 4 + 8 * (f - 1);
        };
    }

    @Test
    void tensorInfos() throws IOException {
        mutate(b -> b[after(b, "t.b") - 1] = 'a', "duplicate tensor name 't.a'");
        mutate(b -> put32(b, info(b, "t.b", 1, 0), 5), "tensor 't.b' has n_dimensions 5 (allowed: 1..4)");
        mutate(b -> put32(b, info(b, "t.b", 1, 0), 0), "tensor 't.b' has n_dimensions 0");
        mutate(b -> put64(b, info(b, "t.b", 1, 1), 0), "tensor 't.b' has dimension ne[0] = 0");
        mutate(b -> put64(b, info(b, "t.b", 1, 1), -8), "tensor 't.b' has dimension ne[0] = 18446744073709551608");
        mutate(b -> {
            put64(b, info(b, "t.a", 2, 1), 1L << 32);
            put64(b, info(b, "t.a", 2, 2), 1L << 32);
        }, "tensor 't.a' has dimensions whose product overflows 64 bits: [4294967296, 4294967296]");
        mutate(b -> {
            put64(b, info(b, "t.a", 2, 1), 1L << 40);
            put64(b, info(b, "t.a", 2, 2), 1L << 20);
        }, "tensor 't.a'", "outside the file");
        mutate(b -> put32(b, info(b, "t.b", 1, -1), 99), "tensor 't.b' has unknown ggml type 99");
        mutate(b -> put32(b, info(b, "t.b", 1, -1), 4), "tensor 't.b' has unknown ggml type 4");
        mutate(b -> put64(b, info(b, "t.a", 2, 1), 48),
                "tensor 't.a' of type Q4_0 has ne[0] = 48, not a multiple of its block size 32");
        mutate(b -> put64(b, info(b, "t.b", 1, -2), 16),
                "tensor 't.b' has data offset 16, not a multiple of general.alignment = 32");
        mutate(b -> put64(b, info(b, "t.b", 1, -2), 1L << 20), "tensor 't.b' data", "lies outside the file");
        mutate(b -> put64(b, info(b, "t.b", 1, -2), Long.MIN_VALUE), "tensor 't.b' has data offset", "not a multiple");
        mutate(b -> put64(b, info(b, "t.b", 1, -2), Long.MAX_VALUE - 31), "tensor 't.b'", "lies outside the file");
        // a type whose size overflows long: 2^62 elements of 4 bytes
        mutate(b -> {
            put64(b, info(b, "t.a", 2, 1), 1L << 31);
            put64(b, info(b, "t.a", 2, 2), 1L << 31);
            put32(b, info(b, "t.a", 2, -1), GgmlType.F64.id());
        }, "tensor 't.a' of type F64", "overflows 64 bits");
    }

    static byte[] llama(Consumer<GgufWriter> edit) throws IOException {
        GgufWriter w = new GgufWriter().putString("general.architecture", "llama")
                .putUInt32(Config.DIM, 64).putUInt32(Config.HIDDEN_DIM, 172).putUInt32(Config.N_LAYERS, 5)
                .putUInt32(Config.N_HEADS, 8).putUInt32(Config.CONTEXT_LENGTH, 512)
                .putArray("tokenizer.ggml.tokens", GgufValueType.STRING, List.of("a", "b", "c"));
        edit.accept(w);
        return GgufWriterTest.bytes(w);
    }

    static ModelFileException configFails(byte[] b, String... parts) {
        try (GgufFile f = GgufFile.of(NAME, MemorySegment.ofArray(b))) {
            var e = assertThrows(ModelFileException.class, f::config);
            for (String p : parts) {
                assertTrue(e.getMessage().contains(p), "message \"" + e.getMessage() + "\" lacks \"" + p + "\"");
            }
            return e;
        }
    }

    @Test
    void configDefaultsAndErrors() throws IOException {
        try (GgufFile f = GgufFile.of(NAME, MemorySegment.ofArray(llama(w -> {})))) {
            // kv heads = heads, rope dim = head size, theta 10000, eps 1e-5, vocab from the token list
            assertEquals(new Config(64, 172, 5, 8, 8, 3, 512, 8, 10000f, 1e-5f), f.config());
        }
        try (GgufFile f = GgufFile.of(NAME, MemorySegment.ofArray(llama(w -> w.putUInt32(Config.VOCAB_SIZE, 9)
                .put(Config.ROPE_THETA, GgufValueType.FLOAT32, 5e5f).putUInt32(Config.N_KV_HEADS, 2)
                .putFloat32(Config.RMS_EPS, 1e-6f).putUInt32(Config.ROPE_DIM, 4))))) {
            assertEquals(new Config(64, 172, 5, 8, 2, 9, 512, 4, 5e5f, 1e-6f), f.config());
        }
        configFails(llama(w -> w.putString("general.architecture", "gpt2")),
                "bad.gguf: general.architecture is 'gpt2', only 'llama' is supported");
        configFails(GgufWriterTest.bytes(new GgufWriter()), "missing metadata key 'general.architecture'");
        for (String key : List.of(Config.DIM, Config.HIDDEN_DIM, Config.N_LAYERS, Config.N_HEADS,
                Config.CONTEXT_LENGTH)) {
            byte[] b = llama(w -> {});
            // rename the key so that it is missing
            b[after(b, key) - 1] = '_';
            configFails(b, "missing metadata key '" + key + "'");
        }
        configFails(llama(w -> w.putUInt32(Config.N_HEADS, 0)), Config.N_HEADS, "out of range");
        configFails(llama(w -> w.putUInt32(Config.N_HEADS, 7)), Config.N_HEADS, "a divisor of");
        configFails(llama(w -> w.putUInt32(Config.N_KV_HEADS, 3)), Config.N_KV_HEADS);
        configFails(llama(w -> w.putUInt32(Config.DIM, 0xFFFFFFFFL)), Config.DIM, "out of range for a 32-bit int");
        configFails(llama(w -> w.putString(Config.DIM, "64")), Config.DIM, "has type STRING, expected an integer");
        configFails(llama(w -> w.putUInt32(Config.ROPE_THETA, 3)), Config.ROPE_THETA, "expected FLOAT32");
        configFails(llama(w -> w.putFloat32(Config.RMS_EPS, Float.NaN)), Config.RMS_EPS);
        configFails(llama(w -> w.putUInt32(Config.ROPE_DIM, 3)), Config.ROPE_DIM);
        byte[] noVocab = llama(w -> {});
        noVocab[after(noVocab, "tokenizer.ggml.tokens") - 1] = '_';
        configFails(noVocab, "missing metadata key 'llama.vocab_size'");
    }
}
