package dev.llama4j.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama4j.Llama4jException;
import dev.llama4j.TestData;
import dev.llama4j.api.GenerationOptions;
import dev.llama4j.api.GenerationResult;
import dev.llama4j.api.LlamaContext;
import dev.llama4j.api.LlamaModel;
import dev.llama4j.api.ModelOptions;
import dev.llama4j.gguf.GgmlType;
import dev.llama4j.gguf.GgufFile;
import dev.llama4j.llama2c.Llama2cTokenizerFile;
import dev.llama4j.model.Config;
import dev.llama4j.model.TensorNames;
import dev.llama4j.quant.QuantMix;
import dev.llama4j.tensor.Dequant;
import dev.llama4j.tensor.Tensor;
import dev.llama4j.tokenizer.SentencePieceBpe;
import dev.llama4j.tokenizer.Vocabulary;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SynthTest {
    static final Shape TINY = Shape.parse("custom:dim=64,ffn=96,layers=2,heads=4,kv_heads=2,vocab=300");
    static final List<GgmlType> TYPES = List.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0,
            GgmlType.Q4_0);

    @TempDir
    Path tmp;

    @Test
    void roundTripsInEveryType() {
        for (GgmlType type : TYPES) {
            Synth.Spec spec = new Synth.Spec(TINY, type, 7, 256, null);
            Path file = tmp.resolve("tiny-" + type + ".gguf");
            Synth.toFile(spec, file, Synth.Progress.NONE);
            try (GgufFile g = GgufFile.open(file); Arena arena = Arena.ofConfined()) {
                assertEquals(new Config(64, 96, 2, 4, 2, 300, 256, 16, 10000f, 1e-5f), g.config(), type.name());
                assertEquals(expectedNames(2), g.tensors().stream().map(Tensor::name).toList());
                for (Tensor t : g.tensors()) {
                    boolean norm = t.name().endsWith("norm.weight");
                    assertEquals(norm ? GgmlType.F32 : type, t.type(), t.name());
                    assertArrayEquals(expectedNe(t.name()), t.ne(), t.name());
                }
                assertEquals("llama", g.getString("general.architecture"));
                assertEquals(QuantMix.of(type).fileType(), g.getInt("general.file_type"));
                assertEquals(32, g.alignment());
                assertTrue(g.getString("general.name").contains(type.name()));
                for (String k : List.of(Config.DIM, Config.HIDDEN_DIM, Config.N_LAYERS, Config.N_HEADS,
                        Config.N_KV_HEADS, Config.CONTEXT_LENGTH, Config.ROPE_DIM, Config.ROPE_THETA, Config.RMS_EPS,
                        Config.VOCAB_SIZE, Vocabulary.KEY_MODEL, Vocabulary.KEY_TOKENS, Vocabulary.KEY_SCORES,
                        Vocabulary.KEY_TYPES, Vocabulary.KEY_BOS, Vocabulary.KEY_EOS, Vocabulary.KEY_UNK)) {
                    assertTrue(g.has(k), type + ": missing " + k);
                }
                assertEquals(300, Vocabulary.fromGgufMetadata(file, g.metadata()).size());

                // the same seed regenerates the same bytes (here in memory), another seed does not
                MemorySegment again = Synth.inMemory(spec, arena, Synth.Progress.NONE);
                assertEquals(-1, again.mismatch(fileBytes(file)), type + ": in-memory image differs from the file");
                try (GgufFile other = GgufFile.of(Path.of("other"),
                        Synth.inMemory(new Synth.Spec(TINY, type, 8, 256, null), arena, Synth.Progress.NONE))) {
                    assertNotEquals(-1, other.tensor(TensorNames.attnQ(1)).data()
                            .mismatch(g.tensor(TensorNames.attnQ(1)).data()));
                }
            }
        }
    }

    private static MemorySegment fileBytes(Path file) {
        try {
            return MemorySegment.ofArray(java.nio.file.Files.readAllBytes(file));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void weightsHaveARealisticScale() {
        Synth.Spec spec = new Synth.Spec(Shape.parse("custom:dim=256,ffn=512,layers=1,heads=4,vocab=300"),
                GgmlType.F32, 3, 0, null);
        try (Arena arena = Arena.ofConfined(); GgufFile g = GgufFile.of(Path.of("mem"),
                Synth.inMemory(spec, arena, Synth.Progress.NONE))) {
            float[] w = Dequant.dequantize(g.tensor(TensorNames.ffnGate(0)));
            double[] ms = meanStd(w);
            assertEquals(0.0, ms[0], 0.001);
            assertEquals(0.02, ms[1], 0.0005);
            float[] n = Dequant.dequantize(g.tensor(TensorNames.attnNorm(0)));
            double[] ns = meanStd(n);
            assertEquals(1.0, ns[0], 0.01);
            assertEquals(0.02, ns[1], 0.005);
        }
    }

    private static double[] meanStd(float[] x) {
        double s = 0;
        double s2 = 0;
        for (float v : x) {
            s += v;
            s2 += (double) v * v;
        }
        double m = s / x.length;
        return new double[] {m, Math.sqrt(s2 / x.length - m * m)};
    }

    @Test
    void synthesisedModelLoadsAndGenerates() {
        for (GgmlType type : List.of(GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.F16)) {
            Path file = tmp.resolve("gen-" + type + ".gguf");
            Synth.toFile(new Synth.Spec(TINY, type, 11, 0, null), file, Synth.Progress.NONE);
            try (LlamaModel m = LlamaModel.load(file, ModelOptions.defaults());
                 LlamaContext ctx = m.newContext(64)) {
                GenerationResult r = ctx.generate("hello world", GenerationOptions.greedy(6), null);
                assertTrue(r.generatedIds().length >= 1, type.name());
                for (int id : r.generatedIds()) {
                    assertTrue(id >= 0 && id < 300, type + ": token " + id);
                }
                assertTrue(r.promptIds().length >= 2);
            }
        }
    }

    @Test
    void generatedVocabularyIsValidAndEncodesAnyText() {
        Vocabulary v = SynthVocab.generated(1000);
        assertEquals(1000, v.size());
        assertEquals("<unk>", v.piece(0));
        assertEquals("<s>", v.piece(1));
        assertEquals("</s>", v.piece(2));
        assertEquals("<0x00>", v.piece(3));
        assertEquals("<0xFF>", v.piece(258));
        assertEquals(Vocabulary.BYTE, v.type(100));
        assertEquals("\u2581", v.piece(259));
        assertEquals("!", v.piece(260));
        assertEquals("\u2581a", v.piece(259 + 95));
        assertEquals(List.of("a", "z", "aa", "az", "ba", "zz", "aaa"),
                List.of(SynthVocab.word(0), SynthVocab.word(25), SynthVocab.word(26), SynthVocab.word(51),
                        SynthVocab.word(52), SynthVocab.word(701), SynthVocab.word(702)));
        SentencePieceBpe tok = new SentencePieceBpe(v);
        String text = "hello world, ünïcode ✓";
        int[] ids = tok.encode(text, true);
        assertEquals(1, ids[0]);
        assertTrue(tok.encode(" ab", false).length <= 2, "merges reach \u2581ab");
        StringBuilder sb = new StringBuilder();
        var dec = tok.streamingDecoder();
        for (int i = 1; i < ids.length; i++) {
            sb.append(dec.accept(ids[i]));
        }
        sb.append(dec.flush());
        assertEquals(text, sb.toString().stripLeading());
        assertThrows(Llama4jException.class, () -> SynthVocab.generated(258));
    }

    @Test
    void vocabularyIsCopiedFromAGgufOrATokenizerBin() {
        Shape s512 = Shape.parse("custom:dim=64,ffn=64,layers=1,heads=2,vocab=512");
        Path src = TestData.model("stories260K.gguf");
        Path fromGguf = tmp.resolve("v-gguf.gguf");
        Synth.toFile(new Synth.Spec(s512, GgmlType.Q8_0, 1, 0, src), fromGguf, Synth.Progress.NONE);
        try (GgufFile a = GgufFile.open(src); GgufFile b = GgufFile.open(fromGguf)) {
            List<String> keys = new ArrayList<>();
            for (String k : a.metadata().keySet()) {
                if (k.startsWith("tokenizer.")) {
                    keys.add(k);
                    assertEquals(a.metadata().get(k), b.metadata().get(k), k);
                    assertEquals(a.typeOf(k), b.typeOf(k), k);
                }
            }
            assertTrue(keys.contains(Vocabulary.KEY_TOKENS));
        }
        Path tokBin = TestData.model("tok512.bin");
        Path fromBin = tmp.resolve("v-bin.gguf");
        Synth.toFile(new Synth.Spec(s512, GgmlType.Q4_0, 1, 0, tokBin), fromBin, Synth.Progress.NONE);
        try (GgufFile b = GgufFile.open(fromBin)) {
            Vocabulary expected = Vocabulary.fromLlama2c(Llama2cTokenizerFile.open(tokBin, 512));
            Vocabulary got = Vocabulary.fromGgufMetadata(fromBin, b.metadata());
            assertArrayEquals(expected.pieces(), got.pieces());
            assertArrayEquals(expected.scores(), got.scores());
            assertArrayEquals(expected.types(), got.types());
            assertEquals("Once upon a time", new String(utf8(new SentencePieceBpe(got), "Once upon a time"),
                    StandardCharsets.UTF_8));
        }
        Llama4jException e = assertThrows(Llama4jException.class, () -> Synth.toFile(
                new Synth.Spec(TINY, GgmlType.Q8_0, 1, 0, src), tmp.resolve("x.gguf"), Synth.Progress.NONE));
        assertTrue(e.getMessage().contains("512 tokens"), e.getMessage());
    }

    private static byte[] utf8(SentencePieceBpe tok, String s) {
        int[] ids = tok.encode(s, false);
        var dec = tok.streamingDecoder();
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            sb.append(dec.accept(id));
        }
        return sb.append(dec.flush()).toString().stripLeading().getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void shapesParseAndValidate() {
        Shape t = Shape.parse("tinyllama-1.1b");
        assertEquals(List.of(2048, 5632, 22, 32, 4, 32000),
                List.of(t.dim(), t.ffn(), t.layers(), t.heads(), t.kvHeads(), t.vocab()));
        Shape b70 = Shape.parse("llama2-70b");
        assertEquals(List.of(8192, 28672, 80, 64, 8), List.of(b70.dim(), b70.ffn(), b70.layers(), b70.heads(),
                b70.kvHeads()));
        assertEquals(6_738_415_616L, Shape.parse("llama2-7b").params());
        assertEquals(1_100_048_384L, t.params());
        assertEquals(2, TINY.kvHeads());
        assertEquals(4, Shape.parse("custom:dim=64,ffn=96,layers=2,heads=4,vocab=300").kvHeads());
        for (String bad : List.of("llama3-8b", "custom:dim=64,ffn=96", "custom:dim=64,ffn=x,layers=1,heads=4,vocab=9",
                "custom:dim=64,ffn=96,layers=2,heads=5,vocab=300", "custom:dim=64,ffn=96,layers=1,heads=4,kv_heads=3,vocab=300",
                "custom:dim=64,ffn=96,layers=1,heads=4,vocab=300,bogus=1")) {
            assertThrows(Llama4jException.class, () -> Shape.parse(bad), bad);
        }
        assertThrows(Llama4jException.class, () -> new Synth.Spec(
                Shape.parse("custom:dim=48,ffn=96,layers=1,heads=4,vocab=300"), GgmlType.Q4_0, 1, 0, null));
        assertThrows(Llama4jException.class, () -> new Synth.Spec(TINY, GgmlType.Q4_K, 1, 0, null));
        assertThrows(Llama4jException.class, () -> new Synth.Spec(TINY, QuantMix.Q4_K_M, 1, 0, null));
        assertThrows(Llama4jException.class, () -> new Synth.Spec(TINY, GgmlType.IQ4_XS, 1, 0, null));
    }

    private static List<String> expectedNames(int layers) {
        List<String> n = new ArrayList<>(List.of(TensorNames.TOKEN_EMBD, TensorNames.OUTPUT_NORM, TensorNames.OUTPUT));
        for (int l = 0; l < layers; l++) {
            n.addAll(List.of(TensorNames.attnNorm(l), TensorNames.attnQ(l), TensorNames.attnK(l),
                    TensorNames.attnV(l), TensorNames.attnOutput(l), TensorNames.ffnNorm(l), TensorNames.ffnGate(l),
                    TensorNames.ffnDown(l), TensorNames.ffnUp(l)));
        }
        return n;
    }

    private static long[] expectedNe(String name) {
        if (name.endsWith("norm.weight")) {
            return new long[] {64};
        }
        if (name.equals(TensorNames.TOKEN_EMBD) || name.equals(TensorNames.OUTPUT)) {
            return new long[] {64, 300};
        }
        if (name.contains("attn_k") || name.contains("attn_v")) {
            return new long[] {64, 32};
        }
        if (name.contains("ffn_down")) {
            return new long[] {96, 64};
        }
        if (name.contains("ffn_")) {
            return new long[] {64, 96};
        }
        return new long[] {64, 64};
    }
}
