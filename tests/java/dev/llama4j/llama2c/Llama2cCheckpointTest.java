package dev.llama4j.llama2c;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llama4j.TestData;
import dev.llama4j.gguf.GgmlType;
import dev.llama4j.gguf.GgufFile;
import dev.llama4j.model.Config;
import dev.llama4j.model.ModelFileException;
import dev.llama4j.model.TensorNames;
import dev.llama4j.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Llama2cCheckpointTest {
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    @TempDir
    Path tmp;

    static void assertStories260K(Llama2cCheckpoint ck) {
        Config c = ck.config();
        assertEquals(new Config(64, 172, 5, 8, 4, 512, 512, 8, 10000f, 1e-5f), c);
        assertTrue(ck.sharedClassifier());
        List<Tensor> ts = ck.tensors();
        assertEquals(1 + 5 * 9 + 1, ts.size());
        assertFalse(ck.hasTensor(TensorNames.OUTPUT));
        assertArrayEquals(new long[] {64, 512}, ck.tensor(TensorNames.TOKEN_EMBD).ne());
        assertArrayEquals(new long[] {64}, ck.tensor(TensorNames.OUTPUT_NORM).ne());
        for (int l = 0; l < 5; l++) {
            assertArrayEquals(new long[] {64}, ck.tensor(TensorNames.attnNorm(l)).ne());
            assertArrayEquals(new long[] {64, 64}, ck.tensor(TensorNames.attnQ(l)).ne());
            assertArrayEquals(new long[] {64, 32}, ck.tensor(TensorNames.attnK(l)).ne());
            assertArrayEquals(new long[] {64, 32}, ck.tensor(TensorNames.attnV(l)).ne());
            assertArrayEquals(new long[] {64, 64}, ck.tensor(TensorNames.attnOutput(l)).ne());
            assertArrayEquals(new long[] {64}, ck.tensor(TensorNames.ffnNorm(l)).ne());
            assertArrayEquals(new long[] {64, 172}, ck.tensor(TensorNames.ffnGate(l)).ne());
            assertArrayEquals(new long[] {172, 64}, ck.tensor(TensorNames.ffnDown(l)).ne());
            assertArrayEquals(new long[] {64, 172}, ck.tensor(TensorNames.ffnUp(l)).ne());
        }
        for (Tensor t : ts) {
            assertEquals(GgmlType.F32, t.type());
            assertEquals(t.elementCount() * 4, t.data().byteSize(), t.name());
        }
        // first values of the embedding, as in reference/gguf_dequant_sha256.json
        Tensor emb = ck.tensor(TensorNames.TOKEN_EMBD);
        assertEquals(-0.29474878311157227f, emb.data().get(F32, 0));
        assertEquals(0.5618956089019775f, emb.data().get(F32, 4));
        Tensor norm = ck.tensor(TensorNames.OUTPUT_NORM);
        assertEquals(2.4583089351654053f, norm.data().get(F32, 0));
    }

    @Test
    void legacyStories260K() {
        try (Llama2cCheckpoint ck = Llama2cCheckpoint.open(TestData.model("stories260K.bin"))) {
            assertEquals(0, ck.version());
            assertStories260K(ck);
        }
    }

    @Test
    void version1Stories260K() {
        try (Llama2cCheckpoint ck = Llama2cCheckpoint.open(TestData.model("stories260K_v1.bin"))) {
            assertEquals(1, ck.version());
            assertStories260K(ck);
        }
    }

    @Test
    void legacyAndVersion1AreBitIdentical() {
        try (Llama2cCheckpoint a = Llama2cCheckpoint.open(TestData.model("stories260K.bin"));
             Llama2cCheckpoint b = Llama2cCheckpoint.open(TestData.model("stories260K_v1.bin"))) {
            assertEquals(a.tensors().stream().map(Tensor::name).toList(),
                    b.tensors().stream().map(Tensor::name).toList());
            for (Tensor ta : a.tensors()) {
                Tensor tb = b.tensor(ta.name());
                assertArrayEquals(ta.ne(), tb.ne(), ta.name());
                assertEquals(-1, ta.data().mismatch(tb.data()), ta.name());
            }
        }
    }

    /**
     * Every tensor hashes like the same-named tensor of stories260K.gguf in reference/gguf_dequant_sha256.json
     * (which also lists output.weight, a copy of the embedding).
     */
    @Test
    void tensorsMatchGgufHashes() throws Exception {
        JsonNode ref = new ObjectMapper().readTree(TestData.reference("gguf_dequant_sha256.json").toFile());
        Map<String, JsonNode> byName = new HashMap<>();
        for (JsonNode t : ref.get("files").get("stories260K.gguf").get("tensors")) {
            byName.put(t.get("name").asText(), t);
        }
        try (Llama2cCheckpoint ck = Llama2cCheckpoint.open(TestData.model("stories260K.bin"))) {
            for (Tensor t : ck.tensors()) {
                JsonNode r = byName.get(t.name());
                assertEquals("F32", r.get("type").asText());
                long[] ne = new long[r.get("ne").size()];
                for (int i = 0; i < ne.length; i++) {
                    ne[i] = r.get("ne").get(i).asLong();
                }
                assertArrayEquals(ne, t.ne(), t.name());
                assertEquals(r.get("sha256_f32").asText(), sha256(t), t.name());
            }
            assertEquals(byName.get(TensorNames.OUTPUT).get("sha256_f32").asText(),
                    sha256(ck.tensor(TensorNames.TOKEN_EMBD)));
        }
    }

    /** Raw bytes equal those of the same tensors in stories260K.gguf (whose output.weight copies the embedding). */
    @Test
    void tensorsEqualGgufTensors() {
        try (Llama2cCheckpoint ck = Llama2cCheckpoint.open(TestData.model("stories260K.bin"));
             GgufFile g = GgufFile.open(TestData.model("stories260K.gguf"))) {
            assertEquals(ck.tensors().size() + 1, g.tensors().size());
            for (Tensor t : ck.tensors()) {
                Tensor u = g.tensor(t.name());
                assertEquals(u.type(), t.type(), t.name());
                assertArrayEquals(u.ne(), t.ne(), t.name());
                assertEquals(-1, t.data().mismatch(u.data()), t.name());
            }
            assertEquals(-1, ck.tensor(TensorNames.TOKEN_EMBD).data().mismatch(g.tensor(TensorNames.OUTPUT).data()));
        }
    }

    static String sha256(Tensor t) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        md.update(t.data().asByteBuffer());
        return HexFormat.of().formatHex(md.digest());
    }

    static final int[] SMALL = {8, 12, 2, 2, 1, 10, 4}; // dim, hidden, layers, heads, kv heads, vocab, seq_len

    /** Float offset of the first element of a tensor in the synthetic files; the stored value equals it. */
    static float first(Llama2cCheckpoint ck, String name) {
        return ck.tensor(name).data().get(F32, 0);
    }

    @Test
    void legacyUnsharedClassifierLayout() throws IOException {
        // dim 8, hidden 12, 2 layers, head size 4, kvDim 4, vocab 10, seq_len 4
        int[] h = SMALL.clone();
        h[5] = -10;
        long perLayer = 8 + 64 + 32 + 32 + 64 + 8 + 96 + 96 + 96;
        long freqCis = 2 * (4 * 4 / 2);
        long floats = 80 + 2 * perLayer + 8 + freqCis + 80;
        Path f = SyntheticCheckpoint.legacy(tmp.resolve("unshared.bin"), h, floats);
        try (Llama2cCheckpoint ck = Llama2cCheckpoint.open(f)) {
            assertEquals(0, ck.version());
            assertFalse(ck.sharedClassifier());
            assertEquals(10, ck.config().vocabSize());
            assertEquals(4, ck.config().ropeDim());
            assertEquals(1 + 2 * 9 + 2, ck.tensors().size());
            assertArrayEquals(new long[] {8, 10}, ck.tensor(TensorNames.OUTPUT).ne());
            assertArrayEquals(new long[] {8, 4}, ck.tensor(TensorNames.attnK(1)).ne());
            assertArrayEquals(new long[] {12, 8}, ck.tensor(TensorNames.ffnDown(1)).ne());
            assertEquals(0, first(ck, TensorNames.TOKEN_EMBD));
            assertEquals(80, first(ck, TensorNames.attnNorm(0)));
            assertEquals(88, first(ck, TensorNames.attnNorm(1)));
            assertEquals(96, first(ck, TensorNames.attnQ(0)));
            assertEquals(160, first(ck, TensorNames.attnQ(1)));
            assertEquals(224, first(ck, TensorNames.attnK(0)));
            assertEquals(288, first(ck, TensorNames.attnV(0)));
            assertEquals(352, first(ck, TensorNames.attnOutput(0)));
            assertEquals(480, first(ck, TensorNames.ffnNorm(0)));
            assertEquals(496, first(ck, TensorNames.ffnGate(0)));
            assertEquals(688, first(ck, TensorNames.ffnDown(0)));
            assertEquals(880, first(ck, TensorNames.ffnUp(0)));
            assertEquals(976, first(ck, TensorNames.ffnUp(1)));
            assertEquals(1072, first(ck, TensorNames.OUTPUT_NORM));
            assertEquals(1072 + 8 + 16, first(ck, TensorNames.OUTPUT));
            assertEquals(floats - 1, ck.tensor(TensorNames.OUTPUT).data().get(F32, 79 * 4));
        }
    }

    @Test
    void version1UnsharedClassifierLayout() throws IOException {
        long floats = 2 * 8 + 2 * 8 + 8 + 80 + 2 * 64 + 2 * 32 + 2 * 32 + 2 * 64 + 3 * 2 * 96 + 80;
        Path f = SyntheticCheckpoint.v1(tmp.resolve("v1.bin"), 1, SMALL, 0, floats);
        try (Llama2cCheckpoint ck = Llama2cCheckpoint.open(f)) {
            assertEquals(1, ck.version());
            assertFalse(ck.sharedClassifier());
            assertEquals(0, first(ck, TensorNames.attnNorm(0)));
            assertEquals(16, first(ck, TensorNames.ffnNorm(0)));
            assertEquals(32, first(ck, TensorNames.OUTPUT_NORM));
            assertEquals(40, first(ck, TensorNames.TOKEN_EMBD));
            assertEquals(120, first(ck, TensorNames.attnQ(0)));
            assertEquals(248, first(ck, TensorNames.attnK(0)));
            assertEquals(312, first(ck, TensorNames.attnV(0)));
            assertEquals(376, first(ck, TensorNames.attnOutput(0)));
            assertEquals(504, first(ck, TensorNames.ffnGate(0)));
            assertEquals(696, first(ck, TensorNames.ffnDown(0)));
            assertEquals(888, first(ck, TensorNames.ffnUp(0)));
            assertEquals(1080, first(ck, TensorNames.OUTPUT));
        }
        // the same file marked shared is 80 floats too long
        Path g = SyntheticCheckpoint.v1(tmp.resolve("v1s.bin"), 1, SMALL, 1, floats);
        var e = assertThrows(ModelFileException.class, () -> Llama2cCheckpoint.open(g));
        assertTrue(e.getMessage().contains("expected " + (256 + (floats - 80) * 4) + " bytes, actual "
                + (256 + floats * 4) + " bytes"), e.getMessage());
    }

    static ModelFileException fails(Path f) {
        return assertThrows(ModelFileException.class, () -> Llama2cCheckpoint.open(f).close());
    }

    static void assertMessage(ModelFileException e, Path f, String... parts) {
        assertTrue(e.getMessage().startsWith(f.toString() + ": "), e.getMessage());
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), () -> "'" + p + "' not in: " + e.getMessage());
        }
    }

    @Test
    void badInput() throws IOException {
        Path shortFile = tmp.resolve("short.bin");
        Files.write(shortFile, new byte[20]);
        assertMessage(fails(shortFile), shortFile, "too short", "20 bytes");

        Path shortV1 = SyntheticCheckpoint.v1(tmp.resolve("shortv1.bin"), 1, SMALL, 1, 0);
        Files.write(shortV1, java.util.Arrays.copyOf(Files.readAllBytes(shortV1), 100));
        assertMessage(fails(shortV1), shortV1, "version-1 header", "100 bytes");

        Path v2 = SyntheticCheckpoint.v1(tmp.resolve("v2.bin"), 2, SMALL, 1, 0);
        assertMessage(fails(v2), v2, "version = 2");

        Path flag = SyntheticCheckpoint.v1(tmp.resolve("flag.bin"), 1, SMALL, 7, 0);
        assertMessage(fails(flag), flag, "shared_classifier = 7");

        Path wrongSize = SyntheticCheckpoint.legacy(tmp.resolve("size.bin"), SMALL, 10);
        assertMessage(fails(wrongSize), wrongSize, "expected", "actual 68 bytes");

        String[][] absurd = {
            {"0", "dim"}, {"-1", "hidden_dim"}, {"100000", "n_layers"}, {"3", "n_heads"},
            {"3", "n_kv_heads"}, {"0", "vocab_size"}, {"-7", "seq_len"},
        };
        for (int i = 0; i < absurd.length; i++) {
            int[] h = SMALL.clone();
            h[i] = Integer.parseInt(absurd[i][0]);
            Path f = SyntheticCheckpoint.legacy(tmp.resolve("absurd" + i + ".bin"), h, 0);
            assertMessage(fails(f), f, "header field " + absurd[i][1] + ":");
        }
        int[] h = SMALL.clone();
        h[5] = Integer.MIN_VALUE;
        Path minVocab = SyntheticCheckpoint.legacy(tmp.resolve("minvocab.bin"), h, 0);
        assertMessage(fails(minVocab), minVocab, "vocab_size = -2147483648");

        // largest values Config allows: the implied size is huge but computed without overflow
        int[] big = {65536, 262144, 1024, 1024, 1024, 4194304, 4194304};
        Path huge = SyntheticCheckpoint.legacy(tmp.resolve("huge.bin"), big, 0);
        assertMessage(fails(huge), huge, "expected", "actual 28 bytes");

        Path missing = tmp.resolve("missing.bin");
        assertMessage(fails(missing), missing, "cannot read");
    }
}
