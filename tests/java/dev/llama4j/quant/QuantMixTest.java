package dev.llama4j.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama4j.Llama4jException;
import dev.llama4j.gguf.GgmlType;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The per-tensor choices against llama.cpp's. The expected tables were read from {@code llama-quantize} (llama.cpp
 * c392e50) run on synthetic F32 LLaMA models of the same layer counts and row lengths (its log names each tensor's
 * type); the layer lists are written out here, not computed with the rule under test.
 */
class QuantMixTest {
    /** Layers whose attn_v and ffn_down llama-quantize made Q6_K in Q4_K_M and Q5_K_M, 32 layers (LLaMA-2 7B). */
    static final Set<Integer> Q6_32 = Set.of(0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27, 28, 29, 30, 31);
    /** The same for 22 layers (TinyLlama 1.1B). */
    static final Set<Integer> Q6_22 = Set.of(0, 1, 4, 7, 10, 13, 16, 19, 20, 21);
    /** attn_v layers llama-quantize made Q5_K in Q4_K_M for 80 layers with GQA (LLaMA-2 70B). */
    static final Set<Integer> Q5_80 = Set.of(10, 11, 13, 14, 16, 17, 19, 20, 22, 23, 25, 26, 28, 29, 31, 32, 34, 35,
            37, 38, 40, 41, 43, 44, 46, 47, 49, 50, 52, 53, 55, 56, 58, 59, 61, 62, 64, 65, 67, 68);

    /** A LLaMA model's tensors in GGUF order with their shapes. */
    static Map<String, long[]> llama(int dim, int ffn, int kvDim, int vocab, int layers) {
        Map<String, long[]> m = new LinkedHashMap<>();
        m.put("token_embd.weight", new long[] {dim, vocab});
        m.put("output_norm.weight", new long[] {dim});
        m.put("output.weight", new long[] {dim, vocab});
        for (int l = 0; l < layers; l++) {
            String p = "blk." + l + ".";
            m.put(p + "attn_norm.weight", new long[] {dim});
            m.put(p + "attn_q.weight", new long[] {dim, dim});
            m.put(p + "attn_k.weight", new long[] {dim, kvDim});
            m.put(p + "attn_v.weight", new long[] {dim, kvDim});
            m.put(p + "attn_output.weight", new long[] {dim, dim});
            m.put(p + "ffn_norm.weight", new long[] {dim});
            m.put(p + "ffn_gate.weight", new long[] {dim, ffn});
            m.put(p + "ffn_down.weight", new long[] {ffn, dim});
            m.put(p + "ffn_up.weight", new long[] {dim, ffn});
        }
        return m;
    }

    /** Tensor name -> type for every quantizable tensor. */
    static Map<String, GgmlType> choose(QuantMix mix, Map<String, long[]> tensors, QuantMix.Model model) {
        Map<String, GgmlType> out = new TreeMap<>();
        tensors.forEach((name, ne) -> {
            if (QuantMix.quantizable(name, ne)) {
                out.put(name, mix.typeFor(name, ne, model));
            }
        });
        return out;
    }

    /** base everywhere, Q6_K for output and the attn_v / ffn_down of {@code q6Layers}. */
    static Map<String, GgmlType> expectedKm(GgmlType base, Map<String, long[]> tensors, Set<Integer> q6Layers) {
        Map<String, GgmlType> out = new TreeMap<>();
        tensors.forEach((name, ne) -> {
            if (ne.length == 2) {
                GgmlType t = base;
                if (name.equals("output.weight")) {
                    t = GgmlType.Q6_K;
                } else if (name.startsWith("blk.") && (name.endsWith("attn_v.weight")
                        || name.endsWith("ffn_down.weight"))
                        && q6Layers.contains(Integer.parseInt(name.split("\\.")[1]))) {
                    t = GgmlType.Q6_K;
                }
                out.put(name, t);
            }
        });
        return out;
    }

    /** Both mixes of a model give llama-quantize's table; returns the Q4_K_M choices. */
    static Map<String, GgmlType> assertBothMixes(Map<String, long[]> t, QuantMix.Model m, Set<Integer> q6Layers) {
        assertEquals(expectedKm(GgmlType.Q5_K, t, q6Layers), choose(QuantMix.Q5_K_M, t, m));
        Map<String, GgmlType> km = choose(QuantMix.Q4_K_M, t, m);
        assertEquals(expectedKm(GgmlType.Q4_K, t, q6Layers), km);
        return km;
    }

    @Test
    void llama7bShapeMatchesLlamaQuantize() {
        Map<String, GgmlType> km = assertBothMixes(llama(4096, 11008, 4096, 32000, 32),
                QuantMix.Model.of(32, 32, 32, true), Q6_32);
        assertEquals(32 * 7 + 2, km.size());
        assertEquals(33, km.values().stream().filter(x -> x == GgmlType.Q6_K).count());
    }

    @Test
    void tinyLlamaShapeMatchesLlamaQuantize() {
        Map<String, GgmlType> km = assertBothMixes(llama(2048, 5632, 256, 32000, 22),
                QuantMix.Model.of(22, 32, 4, true), Q6_22);
        assertEquals(21, km.values().stream().filter(x -> x == GgmlType.Q6_K).count());
    }

    @Test
    void llama70bShapeBumpsTheOtherAttnVToQ5K() {
        Map<String, long[]> t = llama(8192, 28672, 1024, 32000, 80);
        QuantMix.Model m = QuantMix.Model.of(80, 64, 8, true);
        assertTrue(m.is70b());
        Map<String, GgmlType> got = choose(QuantMix.Q4_K_M, t, m);
        for (int l = 0; l < 80; l++) {
            GgmlType v = got.get("blk." + l + ".attn_v.weight");
            assertEquals(Q5_80.contains(l) ? GgmlType.Q5_K : GgmlType.Q6_K, v, "layer " + l);
        }
        // in Q5_K_M the rule changes nothing (Q5_K is the base); without GQA an 80-layer model is a 65B
        assertFalse(QuantMix.Model.of(80, 64, 64, true).is70b());
        assertEquals(GgmlType.Q5_K, QuantMix.Q5_K_M.typeFor("blk.10.attn_v.weight", new long[] {8192, 1024}, m));
    }

    @Test
    void rowsThatDoNotFitFallBackAsLlamaQuantizeDoes() {
        // stories260K (dim 64, ffn 172, 5 layers): as in ../shared/models/stories260K-Q4_K_M.gguf
        Map<String, long[]> t = llama(64, 172, 32, 512, 5);
        Map<String, GgmlType> got = choose(QuantMix.Q4_K_M, t, QuantMix.Model.of(5, 8, 4, true));
        got.forEach((name, type) -> {
            GgmlType want = name.equals("output.weight") || name.equals("blk.2.attn_v.weight")
                    || name.equals("blk.4.attn_v.weight") ? GgmlType.Q8_0
                    : name.contains("ffn_down") ? GgmlType.F16 : GgmlType.Q5_0;
            assertEquals(want, type, name);
        });
        // dim 96, ffn 352, 4 layers (llama-quantize: Q4_K_M 25 x Q5_0 + 5 x Q8_0; Q5_K_M 25 x Q5_1 + 5 x Q8_0;
        // Q6_K 30 x Q8_0)
        Map<String, long[]> fb = llama(96, 352, 48, 300, 4);
        QuantMix.Model m4 = QuantMix.Model.of(4, 4, 2, true);
        assertEquals(Map.of(GgmlType.Q5_0, 25L, GgmlType.Q8_0, 5L), counts(choose(QuantMix.Q4_K_M, fb, m4)));
        assertEquals(Map.of(GgmlType.Q5_1, 25L, GgmlType.Q8_0, 5L), counts(choose(QuantMix.Q5_K_M, fb, m4)));
        assertEquals(Map.of(GgmlType.Q8_0, 30L), counts(choose(QuantMix.Q6_K, fb, m4)));
        // dim 256, ffn 200, 8 layers (llama-quantize Q4_K_M: 45 x Q4_K, 5 x Q6_K, 8 x F16 ffn_down)
        Map<String, long[]> f16 = llama(256, 200, 128, 300, 8);
        QuantMix.Model m8 = QuantMix.Model.of(8, 4, 2, true);
        Map<String, GgmlType> k = choose(QuantMix.Q4_K_M, f16, m8);
        assertEquals(Map.of(GgmlType.Q4_K, 45L, GgmlType.Q6_K, 5L, GgmlType.F16, 8L), counts(k));
        assertEquals(GgmlType.F16, k.get("blk.3.ffn_down.weight"));
        assertEquals(GgmlType.Q6_K, k.get("blk.3.attn_v.weight"));
        // plain Q4_0 / Q8_0 rows that are not whole blocks become F16 (llama.cpp refuses them)
        assertEquals(GgmlType.F16, QuantMix.Q4_0.typeFor("blk.0.ffn_down.weight", new long[] {172, 64}, m8));
        assertEquals(GgmlType.Q8_0, QuantMix.Q8_0.typeFor("blk.0.ffn_up.weight", new long[] {64, 172}, m8));
    }

    @Test
    void plainTypesPutEveryMatrixInOneType() {
        Map<String, long[]> t = llama(256, 512, 128, 300, 8);
        QuantMix.Model m = QuantMix.Model.of(8, 4, 2, true);
        for (QuantMix mix : QuantMix.values()) {
            if (!mix.mixed()) {
                assertEquals(Map.of(mix.base(), 58L), counts(choose(mix, t, m)), mix.name());
            }
        }
    }

    @Test
    void aTiedClassifierQuantizesTheEmbeddingAsTheOutput() {
        QuantMix.Model tied = QuantMix.Model.of(8, 4, 2, false);
        assertEquals(GgmlType.Q6_K, QuantMix.Q4_K_M.typeFor("token_embd.weight", new long[] {256, 300}, tied));
        assertEquals(GgmlType.Q4_K, QuantMix.Q4_K_M.typeFor("token_embd.weight", new long[] {256, 300},
                QuantMix.Model.of(8, 4, 2, true)));
        assertEquals(GgmlType.Q8_0, QuantMix.Q5_K_M.typeFor("token_embd.weight", new long[] {96, 300}, tied));
    }

    @Test
    void onlyMatricesThatAreNotNormsAreQuantized() {
        assertTrue(QuantMix.quantizable("token_embd.weight", new long[] {64, 512}));
        assertTrue(QuantMix.quantizable("blk.3.ffn_down.weight", new long[] {172, 64, 1, 1}));
        assertFalse(QuantMix.quantizable("blk.0.attn_norm.weight", new long[] {64}));
        assertFalse(QuantMix.quantizable("output_norm.weight", new long[] {64}));
        assertFalse(QuantMix.quantizable("rope_freqs.weight", new long[] {32}));
        assertFalse(QuantMix.quantizable("blk.0.attn_q.weight", new long[] {64, 1}));
        assertFalse(QuantMix.quantizable("blk.0.attn_q.bias", new long[] {64, 64}));
    }

    @Test
    void moreBitsIsLlamaCppsUseMoreBits() {
        assertEquals(Q6_32, layers(32));
        assertEquals(Q6_22, layers(22));
        assertEquals(Set.of(2, 4), layers(5));
    }

    @Test
    void namesFileTypesAndErrors() {
        // LLAMA_FTYPE_* of llama.h
        assertEquals("F32=0 F16=1 BF16=32 Q8_0=7 Q4_0=2 Q4_K=15 Q5_K=17 Q6_K=18 Q4_K_M=15 Q5_K_M=17",
                Arrays.stream(QuantMix.values()).map(x -> x + "=" + x.fileType()).collect(Collectors.joining(" ")));
        assertEquals(QuantMix.Q4_K_M, QuantMix.parse(" q4_k_m", "TYPE"));
        assertEquals(QuantMix.Q6_K, QuantMix.of(GgmlType.Q6_K));
        Llama4jException e = assertThrows(Llama4jException.class, () -> QuantMix.parse("Q3_K_S", "TYPE"));
        assertEquals("unknown TYPE 'Q3_K_S' (allowed: F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K, Q4_K_M, Q5_K_M)",
                e.getMessage());
        assertThrows(Llama4jException.class, () -> QuantMix.of(GgmlType.IQ4_NL));
        assertThrows(Llama4jException.class, () -> QuantMix.Q4_K_M.typeFor("blk.x.attn_v.weight",
                new long[] {256, 256}, QuantMix.Model.of(4, 4, 4, true)));
        assertThrows(Llama4jException.class, () -> QuantMix.Q4_K_M.typeFor("blk.9.ffn_down.weight",
                new long[] {256, 256}, QuantMix.Model.of(4, 4, 4, true)));
    }

    private static Set<Integer> layers(int n) {
        Set<Integer> s = new java.util.TreeSet<>();
        for (int i = 0; i < n; i++) {
            if (QuantMix.moreBits(i, n)) {
                s.add(i);
            }
        }
        return s;
    }

    private static Map<GgmlType, Long> counts(Map<String, GgmlType> m) {
        return m.values().stream().collect(Collectors.groupingBy(x -> x, Collectors.counting()));
    }
}
