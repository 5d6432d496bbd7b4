package dev.llama4j.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama4j.TestData;
import dev.llama4j.tensor.Dequant;
import dev.llama4j.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** GgufWriter output reads back identically: every metadata type, nested arrays, versions 2 and 3, tensors. */
class GgufWriterTest {
    @TempDir
    Path tmp;

    static byte[] bytes(GgufWriter w) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        w.writeTo(Channels.newChannel(out));
        return out.toByteArray();
    }

    static GgufWriter everyType(int version) {
        return new GgufWriter().version(version)
                .put("u8", GgufValueType.UINT8, 255)
                .put("i8", GgufValueType.INT8, -128)
                .put("u16", GgufValueType.UINT16, 65535)
                .put("i16", GgufValueType.INT16, -32768)
                .put("u32", GgufValueType.UINT32, 0xFFFFFFFFL)
                .put("i32", GgufValueType.INT32, Integer.MIN_VALUE)
                .put("f32", GgufValueType.FLOAT32, 1.5f)
                .put("bool", GgufValueType.BOOL, true)
                .put("str", GgufValueType.STRING, "h\u00e9llo \u2581 \uD83D\uDE00")
                .put("u64", GgufValueType.UINT64, -1L)
                .put("i64", GgufValueType.INT64, Long.MIN_VALUE)
                .put("f64", GgufValueType.FLOAT64, Math.PI)
                .putArray("a.u8", GgufValueType.UINT8, List.of(0, 7, 255))
                .putArray("a.i8", GgufValueType.INT8, List.of(-1, 127))
                .putArray("a.u16", GgufValueType.UINT16, List.of(65535))
                .putArray("a.i16", GgufValueType.INT16, List.of(-2))
                .putArray("a.u32", GgufValueType.UINT32, List.of(4000000000L))
                .putArray("a.i32", GgufValueType.INT32, List.of(1, -2, 3))
                .putArray("a.f32", GgufValueType.FLOAT32, List.of(0.25f, -0f))
                .putArray("a.bool", GgufValueType.BOOL, List.of(true, false))
                .putArray("a.str", GgufValueType.STRING, List.of("", "x", "\u00fc"))
                .putArray("a.u64", GgufValueType.UINT64, List.of(1L << 40))
                .putArray("a.i64", GgufValueType.INT64, List.of(-5L))
                .putArray("a.f64", GgufValueType.FLOAT64, List.of(2.5))
                .putArray("a.empty", GgufValueType.INT32, List.of())
                .putArray("a.nested", GgufValueType.ARRAY, List.of(
                        new GgufArray(GgufValueType.INT32, List.of(1, 2)),
                        new GgufArray(GgufValueType.STRING, List.of("a")),
                        new GgufArray(GgufValueType.ARRAY, List.of(new GgufArray(GgufValueType.FLOAT32,
                                List.of(3f)))),
                        new GgufArray(GgufValueType.UINT8, List.of())));
    }

    static final Map<String, Object> EXPECTED = java.util.Map.ofEntries(
            Map.entry("u8", 255), Map.entry("i8", -128), Map.entry("u16", 65535), Map.entry("i16", -32768),
            Map.entry("u32", 0xFFFFFFFFL), Map.entry("i32", Integer.MIN_VALUE), Map.entry("f32", 1.5f),
            Map.entry("bool", true), Map.entry("str", "h\u00e9llo \u2581 \uD83D\uDE00"), Map.entry("u64", -1L),
            Map.entry("i64", Long.MIN_VALUE), Map.entry("f64", Math.PI),
            Map.entry("a.u8", List.of(0, 7, 255)), Map.entry("a.i8", List.of(-1, 127)),
            Map.entry("a.u16", List.of(65535)), Map.entry("a.i16", List.of(-2)),
            Map.entry("a.u32", List.of(4000000000L)), Map.entry("a.i32", List.of(1, -2, 3)),
            Map.entry("a.f32", List.of(0.25f, -0f)), Map.entry("a.bool", List.of(true, false)),
            Map.entry("a.str", List.of("", "x", "\u00fc")), Map.entry("a.u64", List.of(1L << 40)),
            Map.entry("a.i64", List.of(-5L)), Map.entry("a.f64", List.of(2.5)), Map.entry("a.empty", List.of()),
            Map.entry("a.nested", List.of(List.of(1, 2), List.of("a"), List.of(List.of(3f)), List.of())));

    @ParameterizedTest
    @ValueSource(ints = {2, 3})
    void everyMetadataTypeRoundTrips(int version) throws IOException {
        float[] w = {1f, -2f, 3.5f, 0f, 5f, 6f, 7f, 8f};
        ByteBuffer data = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
        data.asFloatBuffer().put(w);
        GgufWriter writer = everyType(version)
                .addTensor("w", GgmlType.F32, new long[] {4, 2}, GgufWriter.TensorSource.of(data))
                .addTensor("b", GgmlType.I8, new long[] {3}, GgufWriter.TensorSource.of(ByteBuffer.wrap(
                        new byte[] {1, 2, 3})))
                .addTensor("v", GgmlType.F32, new long[] {2}, GgufWriter.TensorSource.of(data.slice(0, 8)));
        Path p = tmp.resolve("all.gguf");
        writer.write(p);
        assertArrayEquals(Files.readAllBytes(p), bytes(writer));
        try (GgufFile f = GgufFile.open(p)) {
            assertEquals(version, f.version());
            assertEquals(List.copyOf(EXPECTED.keySet()).stream().sorted().toList(),
                    f.metadata().keySet().stream().sorted().toList());
            for (var e : EXPECTED.entrySet()) {
                assertEquals(e.getValue(), f.metadata().get(e.getKey()), e.getKey());
            }
            // file order is kept
            assertEquals(List.of("u8", "i8", "u16"), f.metadata().keySet().stream().limit(3).toList());
            assertEquals(GgufValueType.UINT64, f.typeOf("u64").orElseThrow());
            assertEquals(GgufValueType.ARRAY, GgufFile.elementTypeOf(f.getArray("a.nested")).orElseThrow());
            assertEquals(GgufValueType.UINT8,
                    GgufFile.elementTypeOf(f.getArray("a.nested").get(3)).orElseThrow());
            assertEquals(-32768, f.getInt("i16"));
            assertEquals(0xFFFFFFFFL, f.getLong("u32"));
            var e = assertThrows(dev.llama4j.model.ModelFileException.class, () -> f.getInt("u32"));
            assertTrue(e.getMessage().contains("'u32' = 4294967295 is out of range"), e.getMessage());
            e = assertThrows(dev.llama4j.model.ModelFileException.class, () -> f.getLong("u64"));
            assertTrue(e.getMessage().contains("'u64' = 18446744073709551615 is out of range"), e.getMessage());
            assertEquals((float) Math.PI, f.getFloat("f64"));
            assertEquals(List.of("w", "b", "v"), f.tensors().stream().map(Tensor::name).toList());
            assertArrayEquals(w, Dequant.dequantize(f.tensor("w")));
            assertEquals(3, f.tensor("b").data().byteSize());
            assertEquals(2, f.tensor("b").data().get(java.lang.foreign.ValueLayout.JAVA_BYTE, 1));
            assertArrayEquals(new float[] {1f, -2f}, Dequant.dequantize(f.tensor("v")));
            for (Tensor t : f.tensors()) {
                assertEquals(0, (t.data().address() - f.tensors().get(0).data().address()) % 32);
            }
        }
    }

    @Test
    void customAlignmentAndMetadataCopiedFromAFile() throws IOException {
        try (GgufFile src = GgufFile.open(TestData.model("stories260K-Q4_0.gguf"))) {
            GgufWriter w = new GgufWriter().putUInt32(GgufReader.ALIGNMENT_KEY, 64);
            for (var e : src.metadata().entrySet()) {
                w.put(e.getKey(), src.typeOf(e.getKey()).orElseThrow(), e.getValue());
            }
            for (Tensor t : src.tensors()) {
                w.addTensor(t.name(), t.type(), t.ne(), GgufWriter.TensorSource.of(t));
            }
            byte[] b = bytes(w);
            try (GgufFile f = GgufFile.of(Path.of("copy.gguf"), MemorySegment.ofArray(b))) {
                assertEquals(64, f.alignment());
                assertEquals(0, f.dataOffset() % 64);
                assertEquals(src.config(), f.config());
                assertEquals(src.metadata().size() + 1, f.metadata().size());
                assertEquals(src.getStringArray("tokenizer.ggml.tokens"), f.getStringArray("tokenizer.ggml.tokens"));
                for (Tensor t : src.tensors()) {
                    Tensor c = f.tensor(t.name());
                    assertEquals(t.type(), c.type());
                    assertArrayEquals(t.ne(), c.ne());
                    assertEquals(-1, t.data().mismatch(c.data()), t.name());
                    assertEquals(0, w.tensorOffset(t.name()) % 64);
                }
            }
        }
    }

    @Test
    void writerRejectsInvalidInput() {
        GgufWriter w = new GgufWriter();
        assertThrows(IllegalArgumentException.class, () -> w.put("k", GgufValueType.UINT8, 256));
        assertThrows(IllegalArgumentException.class, () -> w.put("k", GgufValueType.STRING, 3));
        assertThrows(IllegalArgumentException.class, () -> w.version(4));
        assertThrows(IllegalArgumentException.class, () -> w.putUInt32(GgufReader.ALIGNMENT_KEY, 48));
        var src = GgufWriter.TensorSource.of(ByteBuffer.allocate(18));
        w.addTensor("q", GgmlType.Q4_0, new long[] {32}, src);
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("q", GgmlType.Q4_0, new long[] {32}, src));
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("r", GgmlType.Q4_0, new long[] {33}, src));
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("r", GgmlType.F32, new long[] {1, 1, 1, 1, 1},
                src));
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("r", GgmlType.F32, new long[] {0}, src));
        assertThrows(IllegalArgumentException.class, () -> w.putUInt32(GgufReader.ALIGNMENT_KEY, 64));
        // a source that writes the wrong number of bytes
        GgufWriter bad = new GgufWriter().addTensor("q", GgmlType.F32, new long[] {8},
                GgufWriter.TensorSource.of(ByteBuffer.allocate(4)));
        var e = assertThrows(IOException.class, () -> bytes(bad));
        assertTrue(e.getMessage().contains("'q'"), e.getMessage());
    }
}
