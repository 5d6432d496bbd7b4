package dev.llama4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama4j.gguf.GgmlType;
import dev.llama4j.tensor.Tensor;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link VectorOps} against {@link ScalarOps} for every op other than matmul, on odd sizes. Tolerances:
 * <ul>
 *   <li>rope, add, embed: bit-identical (same float operations per element);</li>
 *   <li>swiglu: 2e-6 relative per element, or 1e-30 absolute (the vector side's sigmoid is
 *       {@code 1/(1+e)} or {@code e/(1+e)} with {@code e = exp(−|h|)} from {@link Vec#expNonPositive}, which is 0
 *       below −86 where {@code Math.exp} still gives about 1e-38); its vector lanes and its scalar tail agree bit
 *       for bit;</li>
 *   <li>softmax: 2e-5 relative per element (the vector side's exp, {@link Vec#expNonPositive}, is within 2 ulp of
 *       {@code Math.exp}, checked on 65,536 arguments, and its sum runs in lane order);</li>
 *   <li>rmsNorm: relative L2 ≤ 1e-6 (only the order of the sum of squares differs: one rounding of the scale,
 *       ~1e-7 relative);</li>
 *   <li>attention: relative L2 ≤ 1e-5 (vectorized q·k and weighted-sum order over up to 64-element heads and
 *       up to 37 positions, across the float32 cache's 16-position key blocks; scores pass through exp, which
 *       keeps relative error of the same order).</li>
 * </ul>
 */
class OpsParityTest {
    private static VectorOps vec;
    private static final ScalarOps ref = new ScalarOps();

    @BeforeAll
    static void up() {
        vec = new VectorOps(3);
    }

    @AfterAll
    static void down() {
        vec.close();
    }

    @Test
    void rmsNorm() {
        Random rnd = new Random(1);
        for (int dim : new int[] {1, 7, 64, 4099}) {
            for (int nTokens : new int[] {1, 3}) {
                float[] x = RandomTensors.floats(dim * nTokens, rnd);
                float[] w = RandomTensors.floats(dim, rnd);
                float[] a = new float[x.length];
                float[] b = new float[x.length];
                ref.rmsNorm(a, x, w, dim, nTokens, 1e-5f);
                vec.rmsNorm(b, x, w, dim, nTokens, 1e-5f);
                double e = RandomTensors.relL2(b, a, a.length);
                assertTrue(e <= 1e-6, "dim " + dim + " tokens " + nTokens + ": " + e);
            }
        }
    }

    @Test
    void ropeIsBitIdentical() {
        Random rnd = new Random(2);
        int[][] cases = {{8, 8, 64}, {17 * 2, 34, 34 * 3}, {128, 64, 4096}, {64, 32, 128}};
        for (int[] c : cases) {
            int headSize = c[0];
            int ropeDim = c[1];
            int width = c[2];
            for (int startPos : new int[] {0, 1, 37}) {
                float[] v = RandomTensors.floats(width * 3, rnd);
                float[] a = v.clone();
                float[] b = v.clone();
                ref.rope(a, 3, startPos, width, headSize, ropeDim, 10000f);
                vec.rope(b, 3, startPos, width, headSize, ropeDim, 10000f);
                assertArrayEquals(a, b, "headSize " + headSize + " ropeDim " + ropeDim + " pos " + startPos);
            }
        }
    }

    @Test
    void attentionF32AndF16() {
        Random rnd = new Random(3);
        int[][] heads = {{8, 4}, {4, 4}, {6, 2}, {3, 1}};
        for (boolean f16 : new boolean[] {false, true}) {
            for (int[] h : heads) {
                for (int headSize : new int[] {8, 17, 64}) {
                    for (int[] batch : new int[][] {{0, 1}, {0, 3}, {5, 1}, {9, 3}, {31, 2}, {0, 37}}) {
                        checkAttention(rnd, f16, h[0], h[1], headSize, batch[0], batch[1]);
                    }
                }
            }
        }
    }

    private static void checkAttention(Random rnd, boolean f16, int nHeads, int nKvHeads, int headSize,
                                       int startPos, int nTokens) {
        int kvDim = nKvHeads * headSize;
        int ctx = 64;
        KvCache cache = f16 ? KvCache.f16(2, ctx, kvDim) : KvCache.f32(2, ctx, kvDim);
        for (int p = 0; p < startPos + nTokens; p++) {
            cache.store(1, p, RandomTensors.floats(kvDim, rnd), 0, RandomTensors.floats(kvDim, rnd), 0);
        }
        int dim = nHeads * headSize;
        float[] q = RandomTensors.floats(nTokens * dim, rnd);
        float[] a = new float[nTokens * dim];
        float[] b = new float[nTokens * dim];
        ref.attention(a, q, cache, 1, nTokens, startPos, nHeads, nKvHeads, headSize);
        vec.attention(b, q, cache, 1, nTokens, startPos, nHeads, nKvHeads, headSize);
        double e = RandomTensors.relL2(b, a, a.length);
        assertTrue(e <= 1e-5, (f16 ? "F16" : "F32") + " heads " + nHeads + "/" + nKvHeads + " headSize "
                + headSize + " start " + startPos + " tokens " + nTokens + ": " + e);
        try (VectorOps one = new VectorOps(1)) {
            float[] c = new float[nTokens * dim];
            one.attention(c, q, cache, 1, nTokens, startPos, nHeads, nKvHeads, headSize);
            assertArrayEquals(b, c, "1 vs 3 threads");
        }
    }

    @Test
    void swigluAndAddAreBitIdenticalSoftmaxClose() {
        Random rnd = new Random(4);
        for (int n : new int[] {1, 15, 17, 172, 11008, 3000}) {
            float[] hb = RandomTensors.floats(n, rnd);
            for (int i = 0; i < n; i++) {
                hb[i] *= 20;
            }
            float[] hb2 = RandomTensors.floats(n, rnd);
            float[] a = hb.clone();
            float[] b = hb.clone();
            ref.swiglu(a, hb2, n);
            vec.swiglu(b, hb2, n);
            for (int i = 0; i < n; i++) {
                float tol = 2e-6f * Math.abs(a[i]) + 1e-30f;
                assertEquals(a[i], b[i], tol, "swiglu n " + n + " element " + i + " of h = " + hb[i]);
            }
            if (n >= 3000) {
                // The scalar tail gives the lanes' bits: the first values again, now too few for a vector.
                float[] tail = Arrays.copyOfRange(hb, 0, 5);
                vec.swiglu(tail, Arrays.copyOfRange(hb2, 0, 5), 5);
                assertArrayEquals(Arrays.copyOfRange(b, 0, 5), tail, "swiglu tail vs lanes, n " + n);
            }

            a = hb.clone();
            b = hb.clone();
            ref.add(a, hb2, n);
            vec.add(b, hb2, n);
            assertArrayEquals(a, b, "add n " + n);

            a = hb.clone();
            b = hb.clone();
            ref.softmax(a, 0, n);
            vec.softmax(b, 0, n);
            // The vector softmax uses Vec.expNonPositive (≤ 2 ulp from Math.exp) and sums in lane order: the sums
            // of up to 11008 terms differ by a few 1e-6 relative, which every element shares.
            for (int i = 0; i < n; i++) {
                assertEquals(a[i], b[i], 2e-5f * a[i] + 1e-30f, "softmax n " + n + " element " + i);
            }
        }
    }

    @Test
    void embedEveryType() {
        Random rnd = new Random(5);
        for (GgmlType type : RandomTensors.TYPES) {
            int dim = MatmulParityTest.colsFor(type)[1];
            Tensor table = RandomTensors.matrix(type, 11, dim, rnd);
            int[] tokens = {0, 10, 3, 3};
            float[] a = new float[tokens.length * dim];
            float[] b = new float[tokens.length * dim];
            ref.embed(a, table, tokens, dim);
            vec.embed(b, table, tokens, dim);
            assertArrayEquals(a, b, type.toString());
        }
    }

    @Test
    void expNonPositiveIsWithinTwoUlpOfMathExpAndTheSameOneLaneAtATime() {
        float[] x = new float[1 << 16];
        Random rnd = new Random(5);
        for (int i = 0; i < x.length; i++) {
            x[i] = i < 64 ? -i * 0.01f : -90.0f * rnd.nextFloat() * rnd.nextFloat();
        }
        x[5] = Float.NaN;
        x[6] = Float.NEGATIVE_INFINITY;
        x[7] = -0.0f;
        x[8] = Vec.EXP_CUTOFF;
        x[9] = Math.nextDown(Vec.EXP_CUTOFF);
        float[] v = new float[x.length];
        for (int i = 0; i < x.length; i += Vec.L) {
            Vec.expNonPositive(jdk.incubator.vector.FloatVector.fromArray(Vec.F, x, i)).intoArray(v, i);
        }
        double worst = 0;
        for (int i = 0; i < x.length; i++) {
            float one = Vec.expNonPositive(x[i]);
            assertEquals(Float.floatToRawIntBits(one), Float.floatToRawIntBits(v[i]), "lane vs scalar at " + x[i]);
            if (Float.isNaN(x[i])) {
                assertTrue(Float.isNaN(v[i]));
            } else if (x[i] < Vec.EXP_CUTOFF) {
                assertEquals(0.0f, v[i], "below the cutoff at " + x[i]);
            } else {
                float want = (float) Math.exp(x[i]);
                worst = Math.max(worst, Math.abs(v[i] - want) / Math.ulp(want));
            }
        }
        assertTrue(worst <= 2, "worst error " + worst + " ulp");
        assertEquals(1.0f, v[0]);
        assertEquals(1.0f, v[7]);
        assertEquals(0.0f, v[6]);
    }
}
