package dev.llama4j.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SamplerTest {
    private static final float[] P532 = {(float) Math.log(0.5), (float) Math.log(0.3), (float) Math.log(0.2)};

    private static SamplingParams params(float temp, int topK, float topP, float minP, long seed) {
        return new SamplingParams(temp, topK, topP, minP, 1f, 0f, 0f, 64, seed);
    }

    private static int[] histogram(Sampler s, float[] logits, int draws) {
        int[] h = new int[logits.length];
        for (int i = 0; i < draws; i++) {
            h[s.sample(logits)]++;
        }
        return h;
    }

    @Test
    void greedyTakesTheLowestIdOnTies() {
        Sampler s = new Sampler(SamplingParams.GREEDY, 5);
        assertEquals(1, s.sample(new float[] {0f, 3f, 1f, 3f, -2f}));
        assertEquals(0, s.sample(new float[] {2f, 2f, 2f, 1f, 0f}));
    }

    @Test
    void drawFollowsTheSoftmaxAtTemperatureOne() {
        int[] h = histogram(new Sampler(params(1f, 0, 1f, 0f, 42), 3), P532, 40_000);
        assertEquals(0.5, h[0] / 40_000.0, 0.01);
        assertEquals(0.3, h[1] / 40_000.0, 0.01);
        assertEquals(0.2, h[2] / 40_000.0, 0.01);
    }

    @Test
    void sameSeedSameSequenceOtherSeedOtherSequence() {
        float[] logits = new float[100];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) Math.sin(i);
        }
        int[] a = new int[50];
        int[] b = new int[50];
        int[] c = new int[50];
        Sampler sa = new Sampler(params(1f, 0, 1f, 0f, 7), 100);
        Sampler sb = new Sampler(params(1f, 0, 1f, 0f, 7), 100);
        Sampler sc = new Sampler(params(1f, 0, 1f, 0f, 8), 100);
        for (int i = 0; i < 50; i++) {
            a[i] = sa.sample(logits);
            b[i] = sb.sample(logits);
            c[i] = sc.sample(logits);
        }
        assertArrayEquals(a, b);
        assertNotEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(c));
    }

    @Test
    void topKOneIsGreedy() {
        Sampler s = new Sampler(params(1.5f, 1, 1f, 0f, 3), 3);
        int[] h = histogram(s, P532, 1000);
        assertArrayEquals(new int[] {1000, 0, 0}, h);
    }

    @Test
    void topPKeepsTheSmallestNucleus() {
        // 0.5 + 0.3 = 0.8 ≥ 0.7: ids 0 and 1 remain, renormalised to 5/8 and 3/8.
        int[] h = histogram(new Sampler(params(1f, 0, 0.7f, 0f, 11), 3), P532, 40_000);
        assertEquals(0, h[2]);
        assertEquals(0.625, h[0] / 40_000.0, 0.01);
    }

    @Test
    void minPDropsUnlikelyTokens() {
        // threshold 0.45 * 0.5 = 0.225: 0.3 stays, 0.2 goes.
        int[] h = histogram(new Sampler(params(1f, 0, 1f, 0.45f, 5), 3), P532, 20_000);
        assertEquals(0, h[2]);
        assertTrue(h[1] > 0);
    }

    @Test
    void lowTemperatureSharpens() {
        int[] h = histogram(new Sampler(params(0.1f, 0, 1f, 0f, 9), 3), P532, 5000);
        assertTrue(h[0] > 4950, "at T=0.1 the 0.5 token dominates: " + h[0]);
    }

    @Test
    void repeatPenaltyDividesPositiveAndMultipliesNegativeLogits() {
        SamplingParams p = new SamplingParams(0f, 0, 1f, 0f, 2f, 0f, 0f, 64, 0);
        Sampler s = new Sampler(p, 3);
        s.accept(0);
        // token 0: 2.0 / 2 = 1.0 < 1.5, so token 1 wins
        assertEquals(1, s.sample(new float[] {2f, 1.5f, -5f}));
        Sampler neg = new Sampler(p, 3);
        neg.accept(1);
        // token 1: -0.4 * 2 = -0.8 < -0.6
        assertEquals(2, neg.sample(new float[] {-1f, -0.4f, -0.6f}));
    }

    @Test
    void frequencyAndPresencePenaltiesCountOccurrencesInTheWindow() {
        SamplingParams p = new SamplingParams(0f, 0, 1f, 0f, 1f, 0.3f, 0.5f, 2, 0);
        Sampler s = new Sampler(p, 3);
        s.accept(0);
        s.accept(0); // token 0 seen twice: 1.5 - 2*0.3 - 0.5 = 0.4 < 0.5
        assertEquals(1, s.sample(new float[] {1.5f, 0.5f, 0f}));
        s.accept(2);
        s.accept(2); // window of 2: token 0 left the window
        assertEquals(0, s.sample(new float[] {1.5f, 0.5f, 0f}));
    }

    @Test
    void sortKeyOrdersByLogitDescendingThenId() {
        float[] values = {-3.5f, 0f, -0f, 2f, Float.NEGATIVE_INFINITY, 1e-30f, -1e-30f};
        for (float v : values) {
            assertEquals(Float.floatToIntBits(v), Float.floatToIntBits(Candidates.logitFromKey(Candidates.sortKey(v, 7))));
        }
        assertTrue(Candidates.sortKey(2f, 9) < Candidates.sortKey(1f, 0));
        assertTrue(Candidates.sortKey(1f, 3) < Candidates.sortKey(1f, 4));
        assertTrue(Candidates.sortKey(-1f, 0) < Candidates.sortKey(-2f, 0));
    }

    @Test
    void invalidParametersNameTheParameter() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SamplingParams(-1f, 0, 1f, 0f, 1f, 0f, 0f, 64, 0));
        assertTrue(e.getMessage().startsWith("temperature"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new SamplingParams(1f, 0, 0f, 0f, 1f, 0f, 0f, 64, 0));
        assertTrue(e.getMessage().startsWith("top_p"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new SamplingParams(1f, -2, 1f, 0f, 1f, 0f, 0f, 64, 0));
        assertTrue(e.getMessage().startsWith("top_k"), e.getMessage());
    }
}
