package dev.llama4j.api;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llama4j.TestData;
import dev.llama4j.backend.cpu.CpuBackend;
import dev.llama4j.model.Llama;
import dev.llama4j.model.ModelFile;
import dev.llama4j.model.ModelFiles;
import dev.llama4j.model.State;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The default CPU decode path quantizes activations to 8 bits before Q4_0 and Q8_0 products, as llama.cpp does, so
 * it is not token-exact with the float32 references (DESIGN.md §6); it is compared with llama.cpp's numbers
 * instead, on {@code stories260K-Q4_0.gguf} and {@code stories260K-Q8_0.gguf}, every reference case, tokens fed one
 * at a time (the decode path):
 * <ul>
 *   <li>first-position logits within 0.25 of {@code fp32math_…}: llama.cpp's own logits are up to 0.20 (Q4_0) and
 *       0.21 (Q8_0) from fp32math's, the same kind of error, the same size (measured here: 0.18 and 0.22);</li>
 *   <li>within 0.35 of {@code llamacpp_…}: two independent errors of that size (the rounding of each activation
 *       block differs in detail; measured: 0.25 and 0.27);</li>
 *   <li>teacher-forced along the fp32math generation, the greedy choice equals the float32-activation path's at
 *       ≥ 97% of positions, logits never more than 0.6 apart (measured: 99.0% and 98.7%).</li>
 * </ul>
 * A wrong kernel (a nibble, a byte or a scale out of place) moves logits by whole units, far outside these bounds.
 */
class Q8ActivationsReferenceTest {
    private static final double FIRST_TOL = 0.25;
    private static final double LLAMA_CPP_TOL = 0.35;
    private static final double PATH_TOL = 0.6;
    private static final double AGREEMENT = 0.97;

    @ParameterizedTest
    @ValueSource(strings = {"Q4_0", "Q8_0"})
    void decodeOnEightBitActivationsStaysWithinLlamaCppsError(String type) throws Exception {
        ObjectMapper om = new ObjectMapper();
        JsonNode lc = om.readTree(TestData.reference("llamacpp_stories260K-" + type + "_greedy.json").toFile());
        JsonNode fp = om.readTree(TestData.reference("fp32math_stories260K-" + type + "_greedy.json").toFile());
        ModelFile file = ModelFiles.open(TestData.model("stories260K-" + type + ".gguf"));
        int agree = 0;
        int positions = 0;
        try (CpuBackend bq = CpuBackend.vector(2, false, true); CpuBackend bf = CpuBackend.vector(2, false, false)) {
            Llama q8 = Llama.load(file, bq);
            Llama f32 = Llama.load(file, bf);
            int vocab = q8.config().vocabSize();
            for (int i = 0; i < fp.get("cases").size(); i++) {
                JsonNode f = fp.get("cases").get(i);
                JsonNode l = lc.get("cases").get(i);
                String id = f.get("id").asText();
                int[] prompt = ints(f.get("prompt_ids"));
                int[] gen = ints(f.get("generated_ids"));
                State sq = q8.newState(1, 512);
                State sf = f32.newState(1, 512);
                float[] a = new float[vocab];
                float[] b = new float[vocab];
                for (int pos = 0; pos < prompt.length + gen.length - 1; pos++) {
                    int tok = pos < prompt.length ? prompt[pos] : gen[pos - prompt.length];
                    q8.forward(sq, new int[] {tok}, 1, pos, a);
                    f32.forward(sf, new int[] {tok}, 1, pos, b);
                    double d = maxDiff(a, b);
                    assertTrue(d <= PATH_TOL, id + " position " + pos + ": q8 vs f32 activations differ by " + d);
                    if (pos >= prompt.length - 1) {
                        positions++;
                        agree += argmax(a) == argmax(b) ? 1 : 0;
                    }
                    if (pos == prompt.length - 1) {
                        double vsFp = maxDiff(a, floats(f.get("first_logits").get("logits")));
                        double vsLc = maxDiff(a, floats(l.get("first_logits").get("logits")));
                        assertTrue(vsFp <= FIRST_TOL, type + " " + id + ": first logits vs fp32math differ by " + vsFp);
                        assertTrue(vsLc <= LLAMA_CPP_TOL,
                                type + " " + id + ": first logits vs llama.cpp differ by " + vsLc);
                    }
                }
            }
        }
        assertTrue(agree >= AGREEMENT * positions, type + ": greedy choice agrees at " + agree + " of " + positions);
    }

    static double maxDiff(float[] a, float[] b) {
        double m = 0;
        for (int k = 0; k < a.length; k++) {
            m = Math.max(m, Math.abs(a[k] - b[k]));
        }
        return m;
    }

    static int argmax(float[] a) {
        int best = 0;
        for (int i = 1; i < a.length; i++) {
            if (a[i] > a[best]) {
                best = i;
            }
        }
        return best;
    }

    static float[] floats(JsonNode a) {
        float[] r = new float[a.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = (float) a.get(i).asDouble();
        }
        return r;
    }

    static int[] ints(JsonNode a) {
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = a.get(i).asInt();
        }
        return r;
    }
}
