package dev.llama4j.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llama4j.Llama4jException;
import dev.llama4j.TestData;
import dev.llama4j.api.GenerationOptions;
import dev.llama4j.api.GenerationResult;
import dev.llama4j.api.LlamaContext;
import dev.llama4j.api.LlamaModel;
import dev.llama4j.api.ModelOptions;
import dev.llama4j.backend.cpu.CpuBackend;
import dev.llama4j.bench.Shape;
import dev.llama4j.bench.Synth;
import dev.llama4j.gguf.GgmlType;
import dev.llama4j.gguf.GgufFile;
import dev.llama4j.model.ModelFile;
import dev.llama4j.model.ModelFiles;
import dev.llama4j.model.Tokenizers;
import dev.llama4j.tensor.Dequant;
import dev.llama4j.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ModelQuantizer} end to end: synthetic models, and the stories260K files llama.cpp quantized. */
class ModelQuantizerTest {
    static final Shape SMALL = Shape.parse("custom:dim=256,ffn=512,layers=4,heads=4,kv_heads=2,vocab=300");

    @TempDir
    Path tmp;

    /** Largest relative RMSE (error RMS over the input's RMS) of a Gaussian matrix per type. */
    private static double rmseBound(GgmlType t) {
        return switch (t) {
            case F32 -> 0;
            case F16 -> 3e-4;
            case BF16 -> 3e-3;
            case Q8_0 -> 7e-3;
            case Q6_K -> 0.025;
            case Q5_K, Q5_0, Q5_1 -> 0.05;
            case Q4_K, Q4_0 -> 0.1;
            default -> throw new AssertionError(t);
        };
    }

    @Test
    void quantizesSyntheticF32AndF16ModelsEndToEnd() {
        for (GgmlType source : List.of(GgmlType.F32, GgmlType.F16)) {
            Path in = tmp.resolve("in-" + source + ".gguf");
            Synth.toFile(new Synth.Spec(SMALL, source, 5, 128, null), in, Synth.Progress.NONE);
            for (QuantMix mix : QuantMix.values()) {
                Path out = tmp.resolve(source + "-" + mix + ".gguf");
                long[] last = {-1, -1};
                List<ModelQuantizer.Choice> plan = ModelQuantizer.quantize(in, out, mix, (d, t) -> {
                    assertTrue(d >= last[0] && d <= t, d + " / " + t);
                    last[0] = d;
                    last[1] = t;
                });
                assertEquals(last[0], last[1], "progress ends at the total");
                String what = source + " -> " + mix;
                try (GgufFile a = GgufFile.open(in); GgufFile b = GgufFile.open(out)) {
                    assertEquals(mix.fileType(), b.getInt("general.file_type"), what);
                    assertEquals(2, b.getInt("general.quantization_version"), what);
                    Map<String, Object> ma = new HashMap<>(a.metadata());
                    Map<String, Object> mb = new HashMap<>(b.metadata());
                    for (String k : List.of("general.file_type", "general.quantization_version")) {
                        ma.remove(k);
                        mb.remove(k);
                    }
                    assertEquals(ma, mb, what + ": metadata copied");
                    assertEquals(a.tensors().size(), b.tensors().size());
                    for (int i = 0; i < a.tensors().size(); i++) {
                        Tensor x = a.tensors().get(i);
                        Tensor y = b.tensors().get(i);
                        assertEquals(x.name(), y.name());
                        assertArrayEquals(x.ne(), y.ne());
                        assertEquals(plan.get(i).to(), y.type(), y.name());
                        boolean norm = x.ne().length == 1;
                        GgmlType want = norm ? GgmlType.F32
                                // 4 layers: llama.cpp's "more bits" layers are 2 and 3
                                : mix.mixed() && (y.name().equals("output.weight")
                                        || y.name().matches("blk\\.[23]\\.(attn_v|ffn_down)\\.weight")) ? GgmlType.Q6_K
                                : mix.base();
                        assertEquals(want, y.type(), what + ": " + y.name());
                        if (norm || x.type() == y.type()) {
                            assertEquals(-1, x.data().mismatch(y.data()), what + ": " + y.name() + " copied");
                            continue;
                        }
                        double rel = relativeRmse(Dequant.dequantize(x), Dequant.dequantize(y));
                        assertTrue(rel <= rmseBound(y.type()), what + ": " + y.name() + " relative RMSE " + rel);
                        assertTrue(rel > 0 || y.type() == GgmlType.F32, what + ": " + y.name() + " unchanged?");
                    }
                }
            }
            if (source == GgmlType.F32) {
                // converting the stored floats gives the bytes synth writes from the same floats
                for (QuantMix mix : List.of(QuantMix.Q4_K_M, QuantMix.Q6_K, QuantMix.Q8_0)) {
                    Path direct = tmp.resolve("direct-" + mix + ".gguf");
                    Synth.toFile(new Synth.Spec(SMALL, mix, 5, 128, null), direct, Synth.Progress.NONE);
                    try (GgufFile a = GgufFile.open(direct);
                         GgufFile b = GgufFile.open(tmp.resolve("F32-" + mix + ".gguf"))) {
                        for (Tensor t : a.tensors()) {
                            assertEquals(-1, t.data().mismatch(b.tensor(t.name()).data()), mix + " " + t.name());
                        }
                    }
                }
            }
        }
        // generation runs on the quantized files
        for (String name : List.of("F16-Q4_K_M.gguf", "F32-Q5_K_M.gguf", "F32-Q6_K.gguf")) {
            try (LlamaModel m = LlamaModel.load(tmp.resolve(name), ModelOptions.defaults());
                 LlamaContext ctx = m.newContext(64)) {
                GenerationResult r = ctx.generate("hello world", GenerationOptions.greedy(5), null);
                assertTrue(r.generatedIds().length >= 1, name);
                for (int id : r.generatedIds()) {
                    assertTrue(id >= 0 && id < 300, name + ": token " + id);
                }
            }
        }
    }

    @Test
    void stories260KF32ToQ4KMIsLlamaCppsFileTensorForTensor() throws Exception {
        Path out = tmp.resolve("q4km.gguf");
        ModelQuantizer.quantize(TestData.model("stories260K.gguf"), out, QuantMix.Q4_K_M,
                ModelQuantizer.Progress.NONE);
        try (GgufFile ours = GgufFile.open(out);
             GgufFile ref = GgufFile.open(TestData.model("stories260K-Q4_K_M.gguf"))) {
            assertEquals(ref.metadata(), ours.metadata());
            assertEquals(ref.tensors().size(), ours.tensors().size());
            Map<GgmlType, Integer> types = new java.util.TreeMap<>();
            for (Tensor r : ref.tensors()) {
                Tensor o = ours.tensor(r.name());
                assertEquals(r.type(), o.type(), r.name());
                assertArrayEquals(r.ne(), o.ne(), r.name());
                assertEquals(-1, r.data().mismatch(o.data()), r.name() + ": bytes differ");
                types.merge(o.type(), 1, Integer::sum);
            }
            assertEquals(Map.of(GgmlType.F32, 11, GgmlType.F16, 5, GgmlType.Q5_0, 29, GgmlType.Q8_0, 3), types);
        }
        // and it generates what run.c computes over these weights (fp32math reference of the llama.cpp file)
        JsonNode ref = new ObjectMapper().readTree(
                TestData.reference("fp32math_stories260K-Q4_K_M_greedy.json").toFile());
        ModelFile file = ModelFiles.open(out);
        try (LlamaModel model = LlamaModel.of(file, Tokenizers.load(file, null), CpuBackend.scalar(),
                ModelOptions.defaults().withContextLength(512))) {
            JsonNode c = ref.get("cases").get(0);
            int[] prompt = ints(c.get("prompt_ids"));
            int[] want = ints(c.get("generated_ids"));
            try (LlamaContext ctx = model.newContext(512)) {
                GenerationResult r = ctx.generate(prompt, GenerationOptions.greedy(want.length), (t, s) -> {});
                assertArrayEquals(want, r.generatedIds());
            }
        }
    }

    @Test
    void stories260KF16ToQ4KMHasLlamaCppsTypesAndError() {
        Path out = tmp.resolve("f16-q4km.gguf");
        ModelQuantizer.quantize(TestData.model("stories260K-F16.gguf"), out, QuantMix.Q4_K_M,
                ModelQuantizer.Progress.NONE);
        // llama.cpp made its file from the F32 weights; ours starts from their F16 rounding, so bytes may differ
        // where a weight's rounding crosses a level, but the types are the same and the error against the F32
        // weights is the same to within 1%
        try (GgufFile ours = GgufFile.open(out);
             GgufFile ref = GgufFile.open(TestData.model("stories260K-Q4_K_M.gguf"));
             GgufFile f32 = GgufFile.open(TestData.model("stories260K.gguf"))) {
            int sameBytes = 0;
            for (Tensor r : ref.tensors()) {
                Tensor o = ours.tensor(r.name());
                assertEquals(r.type(), o.type(), r.name());
                boolean same = r.data().mismatch(o.data()) == -1;
                sameBytes += same ? 1 : 0;
                if (r.type() == GgmlType.F32 || r.type() == GgmlType.F16) {
                    assertTrue(same, r.name() + ": F32 norms and F16 matrices are copied");
                    continue;
                }
                float[] x = Dequant.dequantize(f32.tensor(r.name()));
                double eo = relativeRmse(x, Dequant.dequantize(o));
                double er = relativeRmse(x, Dequant.dequantize(r));
                assertTrue(Math.abs(eo - er) <= 0.01 * er,
                        r.name() + ": relative RMSE ours " + eo + ", llama.cpp " + er);
            }
            assertTrue(sameBytes >= 16, "F32 and F16 tensors identical: " + sameBytes);
        }
    }

    @Test
    void badInputIsOneClearError() throws Exception {
        Path f16 = TestData.model("stories260K-F16.gguf");
        Llama4jException q = assertThrows(Llama4jException.class, () -> ModelQuantizer.quantize(
                TestData.model("stories260K-Q4_0.gguf"), tmp.resolve("x.gguf"), QuantMix.Q4_K_M,
                ModelQuantizer.Progress.NONE));
        assertTrue(q.getMessage().contains("tensor 'output.weight' is Q8_0")
                && q.getMessage().contains("F32, F16 or BF16"), q.getMessage());
        assertFalse(Files.exists(tmp.resolve("x.gguf")));

        Path copy = tmp.resolve("copy.gguf");
        Files.copy(f16, copy);
        for (Path same : List.of(copy, tmp.resolve(".").resolve("copy.gguf"))) {
            Llama4jException e = assertThrows(Llama4jException.class,
                    () -> ModelQuantizer.quantize(copy, same, QuantMix.Q8_0, ModelQuantizer.Progress.NONE));
            assertTrue(e.getMessage().contains("is the input file"), e.getMessage());
        }
        assertEquals(-1, Files.mismatch(f16, copy), "the input is untouched");

        Llama4jException v = assertThrows(Llama4jException.class, () -> ModelQuantizer.quantize(
                TestData.model("ggml-vocab-llama-spm.gguf"), tmp.resolve("v.gguf"), QuantMix.Q8_0,
                ModelQuantizer.Progress.NONE));
        assertTrue(v.getMessage().contains("no tensors"), v.getMessage());

        Llama4jException dir = assertThrows(Llama4jException.class, () -> ModelQuantizer.quantize(f16,
                tmp.resolve("no/such/dir/x.gguf"), QuantMix.Q8_0, ModelQuantizer.Progress.NONE));
        assertTrue(dir.getMessage().contains("cannot write"), dir.getMessage());

        Path full = Path.of("/dev/full");
        if (Files.isWritable(full)) {
            Llama4jException e = assertThrows(Llama4jException.class,
                    () -> ModelQuantizer.quantize(f16, full, QuantMix.Q8_0, ModelQuantizer.Progress.NONE));
            assertTrue(e.getMessage().startsWith("/dev/full: cannot write: "), e.getMessage());
            assertTrue(Files.exists(full), "a device is never deleted");
        }
    }

    private static double relativeRmse(float[] x, float[] y) {
        double e = 0;
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            double d = (double) y[i] - x[i];
            e += d * d;
            s += (double) x[i] * x[i];
        }
        return Math.sqrt(e / s);
    }

    private static int[] ints(JsonNode a) {
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = a.get(i).asInt();
        }
        return r;
    }
}
