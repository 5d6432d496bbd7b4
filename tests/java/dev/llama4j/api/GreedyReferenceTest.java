package dev.llama4j.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llama4j.TestData;
import dev.llama4j.backend.Backend;
import dev.llama4j.backend.cpu.CpuBackend;
import dev.llama4j.model.ModelFile;
import dev.llama4j.model.ModelFiles;
import dev.llama4j.model.Tokenizers;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * End-to-end greedy generation against the independent references (DESIGN.md §6): llama2.c run.c on the F32
 * model in its three files, and run.c in float32 over ggml-dequantized weights for F16/Q8_0/Q4_0/Q4_K_M.
 * Both CPU paths (scalar reference and Vector API with float32 activations) keep activations in float32, so both
 * must match token for token; first-position logits within 1e-4 (F32 weights) or 1e-3 (dequantized weights) max
 * abs. The default Vector path, which quantizes activations to 8 bits for Q4_0 decoding, is checked against
 * llama.cpp instead ({@link Q8ActivationsReferenceTest}).
 */
class GreedyReferenceTest {

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        String[][] models = {
            {"stories260K.bin", "tok512.bin", "llama2c_stories260K_greedy.json", "1e-4"},
            {"stories260K_v1.bin", "tok512.bin", "llama2c_stories260K_greedy.json", "1e-4"},
            {"stories260K.gguf", null, "llama2c_stories260K_greedy.json", "1e-4"},
            {"stories260K-F16.gguf", null, "fp32math_stories260K-F16_greedy.json", "1e-3"},
            {"stories260K-Q8_0.gguf", null, "fp32math_stories260K-Q8_0_greedy.json", "1e-3"},
            {"stories260K-Q4_0.gguf", null, "fp32math_stories260K-Q4_0_greedy.json", "1e-3"},
            {"stories260K-Q4_K_M.gguf", null, "fp32math_stories260K-Q4_K_M_greedy.json", "1e-3"},
        };
        for (String[] m : models) {
            for (String backend : new String[] {"scalar", "vector"}) {
                out.add(Arguments.of(m[0], m[1], m[2], Float.parseFloat(m[3]), backend));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} on {4} matches {2}")
    @MethodSource("cases")
    void greedyGenerationMatchesReference(String modelName, String tokenizerName, String referenceName,
                                          float logitTolerance, String backendKind) throws Exception {
        JsonNode ref = new ObjectMapper().readTree(TestData.reference(referenceName).toFile());
        Path tokenizer = tokenizerName == null ? null : TestData.model(tokenizerName);
        ModelFile file = ModelFiles.open(TestData.model(modelName));
        Backend backend = backendKind.equals("scalar") ? CpuBackend.scalar() : CpuBackend.vector(2, false, false);
        ModelOptions options = ModelOptions.defaults().withTokenizer(tokenizer).withContextLength(512);
        try (LlamaModel model = LlamaModel.of(file, Tokenizers.load(file, tokenizer), backend, options)) {
            for (JsonNode c : ref.get("cases")) {
                String id = c.get("id").asText();
                int[] promptIds = ints(c.get("prompt_ids"));
                int[] expected = ints(c.get("generated_ids"));
                int steps = c.get("steps").asInt();
                assertArrayEquals(promptIds, model.tokenizer().encode(c.get("prompt").asText(), true),
                        id + ": prompt ids");

                List<float[]> firstLogits = new ArrayList<>();
                try (LlamaContext ctx = model.newContext(512)) {
                    GenerationResult r = ctx.generate(promptIds,
                            GenerationOptions.greedy(steps - promptIds.length + 1), (tok, text) -> {});
                    assertArrayEquals(expected, r.generatedIds(), id + ": generated ids on " + backendKind);
                    String expectedStop = c.get("stop_reason").asText().equals("bos") ? "BOS" : "MAX_TOKENS";
                    assertEquals(expectedStop, r.stopReason().name(), id + ": stop reason");
                }
                // First-position logits: a fresh context, prompt only.
                try (LlamaContext ctx = model.newContext(512)) {
                    float[] logits = ctx.promptLogits(promptIds);
                    firstLogits.add(logits);
                    JsonNode want = c.get("first_logits").get("logits");
                    assertEquals(want.size(), logits.length);
                    float maxDiff = 0;
                    for (int i = 0; i < logits.length; i++) {
                        maxDiff = Math.max(maxDiff, Math.abs(logits[i] - (float) want.get(i).asDouble()));
                    }
                    assertTrue(maxDiff <= logitTolerance,
                            id + ": first-position logits differ by " + maxDiff + " > " + logitTolerance);
                }
            }
        }
    }

    private static int[] ints(JsonNode a) {
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = a.get(i).asInt();
        }
        return r;
    }
}
