package dev.llama4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llama4j.Llama4jException;
import dev.llama4j.TestData;
import dev.llama4j.gguf.GgmlType;
import dev.llama4j.gguf.GgufFile;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The dequantization reference is bit-exact with ggml: quant_vectors.gguf and the stories260K sha256 table. */
class DequantTest {

    @Test
    void everyQuantVectorTypeMatchesGgmlBitForBit() {
        Set<GgmlType> seen = new TreeSet<>();
        try (GgufFile f = GgufFile.open(TestData.model("quant_vectors.gguf"))) {
            for (Tensor q : f.tensors()) {
                if (!q.name().startsWith("q.")) {
                    continue;
                }
                String suffix = q.name().substring(2);
                Tensor deq = f.tensor("deq." + suffix);
                assertEquals(GgmlType.F32, deq.type());
                assertArrayEquals(new long[] {256, 8}, q.ne());
                float[] expected = Dequant.dequantize(deq);
                float[] actual = Dequant.dequantize(q);
                assertEquals(expected.length, actual.length);
                for (int i = 0; i < expected.length; i++) {
                    int e = Float.floatToRawIntBits(expected[i]);
                    int a = Float.floatToRawIntBits(actual[i]);
                    if (e != a) {
                        throw new AssertionError(q.name() + " (" + q.type() + ") element " + i + ": expected "
                                + expected[i] + " got " + actual[i]);
                    }
                }
                seen.add(q.type());
            }
        }
        assertEquals(new TreeSet<>(List.of(GgmlType.F16, GgmlType.BF16, GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0,
                GgmlType.Q5_1, GgmlType.Q8_0, GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K,
                GgmlType.Q6_K, GgmlType.IQ4_NL, GgmlType.IQ4_XS)), seen);
    }

    @Test
    void rowDequantAtAnOffsetMatchesWholeTensor() {
        try (GgufFile f = GgufFile.open(TestData.model("quant_vectors.gguf"))) {
            Tensor q = f.tensor("q.q4_K");
            float[] all = Dequant.dequantize(q);
            float[] row = new float[256 + 3];
            Dequant.dequantizeRow(q.type(), q.data(), 5 * q.rowBytes(), row, 3, 256);
            for (int i = 0; i < 256; i++) {
                assertEquals(Float.floatToRawIntBits(all[5 * 256 + i]), Float.floatToRawIntBits(row[3 + i]));
            }
        }
    }

    @Test
    void storiesGgufTensorsMatchSha256Table() throws Exception {
        JsonNode root = new ObjectMapper().readTree(TestData.reference("gguf_dequant_sha256.json").toFile());
        JsonNode filesNode = root.get("files");
        assertEquals(5, filesNode.size());
        int checked = 0;
        for (var it = filesNode.fields(); it.hasNext(); ) {
            var e = it.next();
            JsonNode tensors = e.getValue().get("tensors");
            try (GgufFile f = GgufFile.open(TestData.model(e.getKey()))) {
                assertEquals(tensors.size(), f.tensors().size(), e.getKey());
                for (JsonNode t : tensors) {
                    Tensor tensor = f.tensor(t.get("name").asText());
                    assertEquals(t.get("type").asText(), tensor.type().name(), tensor.name());
                    long[] ne = new long[t.get("ne").size()];
                    for (int i = 0; i < ne.length; i++) {
                        ne[i] = t.get("ne").get(i).asLong();
                    }
                    assertArrayEquals(ne, tensor.ne(), tensor.name());
                    assertEquals(t.get("sha256_f32").asText(), sha256(Dequant.dequantize(tensor)),
                            e.getKey() + " " + tensor.name());
                    checked++;
                }
            }
        }
        assertTrue(checked >= 5 * 48, "checked " + checked + " tensors");
    }

    static String sha256(float[] v) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b.array()));
    }

    @Test
    void unsupportedTypesAreNamed() {
        MemorySegment s = MemorySegment.ofArray(new byte[64]);
        var e = assertThrows(Llama4jException.class,
                () -> Dequant.dequantizeRow(GgmlType.Q8_1, s, 0, new float[32], 0, 32));
        assertTrue(e.getMessage().contains("Q8_1"), e.getMessage());
        e = assertThrows(Llama4jException.class, () -> Dequant.dequantizeRow(GgmlType.I8, s, 0, new float[8], 0, 8));
        assertTrue(e.getMessage().contains("I8"), e.getMessage());
        e = assertThrows(Llama4jException.class,
                () -> Dequant.dequantize(new Tensor("w", GgmlType.I32, new long[] {4}, s)));
        assertTrue(e.getMessage().contains("'w'") && e.getMessage().contains("I32"), e.getMessage());
        e = assertThrows(Llama4jException.class,
                () -> Dequant.dequantizeRow(GgmlType.Q4_0, s, 0, new float[64], 0, 31));
        assertTrue(e.getMessage().contains("Q4_0"), e.getMessage());
    }

    @Test
    void plainTypesConvertExactly() {
        assertEquals(1.0f, Float16.toFloat((short) 0x3C00));
        assertEquals(65504f, Float16.toFloat((short) 0x7BFF));
        assertEquals(Float.MIN_VALUE * 0 + 5.9604645e-8f, Float16.toFloat((short) 0x0001));
        assertEquals(-2f, Float16.toFloat((short) 0xC000));
        assertEquals(Float.POSITIVE_INFINITY, Float16.toFloat((short) 0x7C00));
        assertEquals(1.0f, Float16.bf16ToFloat((short) 0x3F80));
        assertEquals((short) 0x3F80, Float16.floatToBf16(1.0f));
        assertEquals((short) 0x3C00, Float16.fromFloat(1.0f));
        // 1 + 2^-11 is halfway between 1 and the next half: rounds to even (1.0)
        assertEquals((short) 0x3C00, Float16.fromFloat(1f + 0x1p-11f));
    }
}
