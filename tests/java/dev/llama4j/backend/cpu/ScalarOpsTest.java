package dev.llama4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama4j.Llama4jException;
import dev.llama4j.gguf.GgmlType;
import dev.llama4j.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** {@link ScalarOps} against values worked out by hand. */
class ScalarOpsTest {
    private final ScalarOps ops = new ScalarOps();
    private static final ValueLayout.OfShort SHORT_LE =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT_LE =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Test
    void rmsNorm() {
        float[] out = new float[8];
        // token 0: mean(x²) = 4 → scale 1/2; token 1: mean(x²) = 1 → scale 1
        float[] x = {2, -2, 2, -2, 1, 1, -1, 1};
        ops.rmsNorm(out, x, new float[] {1, 2, 3, 4}, 4, 2, 0f);
        assertArrayEquals(new float[] {1, -2, 3, -4, 1, 2, -3, 4}, out);
        // eps: x = 0 → mean 0 + 0.25 → scale 2 → output 0; x = [3, 4]: mean 12.5, scale 1/sqrt(12.5)
        ops.rmsNorm(out, new float[] {0, 0}, new float[] {5, 5}, 2, 1, 0.25f);
        assertEquals(0f, out[0]);
        ops.rmsNorm(out, new float[] {3, 4}, new float[] {1, 1}, 2, 1, 0f);
        assertEquals(3 / Math.sqrt(12.5), out[0], 1e-7);
        assertEquals(4 / Math.sqrt(12.5), out[1], 1e-7);
    }

    @Test
    void ropeAtPositionZeroIsIdentityAndAtOneRotates() {
        // one head of size 6 with ropeDim 4: pairs (0,1) at freq 1, (2,3) at freq 10000^-0.5 = 0.01; 4,5 untouched
        float[] v = {1, 0, 0, 1, 7, 8};
        float[] w = v.clone();
        ops.rope(w, 1, 0, 6, 6, 4, 10000f);
        assertArrayEquals(v, w);
        ops.rope(w, 1, 1, 6, 6, 4, 10000f);
        assertEquals(Math.cos(1), w[0], 1e-7);
        assertEquals(Math.sin(1), w[1], 1e-7);
        assertEquals(-Math.sin(0.01), w[2], 1e-7);
        assertEquals(Math.cos(0.01), w[3], 1e-7);
        assertEquals(7f, w[4]);
        assertEquals(8f, w[5]);
        // two tokens at startPos 0: the first stays, the second is rotated as position 1
        float[] two = {1, 0, 1, 0};
        ops.rope(two, 2, 0, 2, 2, 2, 10000f);
        assertEquals(1f, two[0]);
        assertEquals(0f, two[1]);
        assertEquals(Math.cos(1), two[2], 1e-7);
        assertEquals(Math.sin(1), two[3], 1e-7);
    }

    @Test
    void softmax() {
        float[] x = {0, 0, 5, 5, 5, 5};
        ops.softmax(x, 0, 2);
        ops.softmax(x, 2, 4);
        assertArrayEquals(new float[] {0.5f, 0.5f, 0.25f, 0.25f, 0.25f, 0.25f}, x);
        float[] y = {1, 2, 3, 1000};
        ops.softmax(y, 0, 3);
        double z = Math.exp(-2) + Math.exp(-1) + 1;
        assertEquals(Math.exp(-2) / z, y[0], 1e-7);
        assertEquals(Math.exp(-1) / z, y[1], 1e-7);
        assertEquals(1 / z, y[2], 1e-7);
        float[] big = {1000, 1000};
        ops.softmax(big, 0, 2);
        assertArrayEquals(new float[] {0.5f, 0.5f}, big);
    }

    @Test
    void attentionOfOneTokenIsItsValueAndGqaPicksTheKvHead() {
        // 4 heads of size 2 over 2 KV heads: heads 0,1 use KV head 0; heads 2,3 use KV head 1
        KvCache cache = KvCache.f32(1, 4, 4);
        cache.store(0, 0, new float[] {1, 2, 3, 4}, 0, new float[] {10, 20, 30, 40}, 0);
        float[] q = {0.3f, -1, 2, 5, 7, 0, 1, 1};
        float[] out = new float[8];
        ops.attention(out, q, cache, 0, 1, 0, 4, 2, 2);
        assertArrayEquals(new float[] {10, 20, 10, 20, 30, 40, 30, 40}, out);

        // second position with zero query: uniform weights → mean of the two values; causal: token 0 sees only pos 0
        cache.store(0, 1, new float[] {9, 9, 9, 9}, 0, new float[] {20, 40, 50, 60}, 0);
        float[] q2 = new float[16];
        float[] out2 = new float[16];
        ops.attention(out2, q2, cache, 0, 2, 0, 4, 2, 2);
        assertArrayEquals(new float[] {10, 20, 10, 20, 30, 40, 30, 40, 15, 30, 15, 30, 40, 50, 40, 50}, out2);
    }

    @Test
    void attentionScoresAreScaledBySqrtHeadSize() {
        // headSize 4, keys (1,0,0,0) and (0,0,0,0), query (2 ln 3, 0, 0, 0): scores ln 3 and 0 → weights 3/4, 1/4
        KvCache cache = KvCache.f32(1, 2, 4);
        cache.store(0, 0, new float[] {1, 0, 0, 0}, 0, new float[] {4, 0, 0, 0}, 0);
        cache.store(0, 1, new float[] {0, 0, 0, 0}, 0, new float[] {0, 8, 0, 0}, 0);
        float[] q = {(float) (2 * Math.log(3)), 0, 0, 0};
        float[] out = new float[4];
        ops.attention(out, q, cache, 0, 1, 1, 1, 1, 4);
        assertEquals(3.0, out[0], 1e-6);
        assertEquals(2.0, out[1], 1e-6);
    }

    @Test
    void swigluAndAdd() {
        float[] hb = {0, 2, -1};
        ops.swiglu(hb, new float[] {5, 3, 1}, 3);
        assertEquals(0f, hb[0]);
        assertEquals(2 / (1 + Math.exp(-2)) * 3, hb[1], 1e-6);
        assertEquals(-1 / (1 + Math.exp(1)), hb[2], 1e-7);
        float[] x = {1, 2, 3};
        ops.add(x, new float[] {0.5f, -2, 10}, 3);
        assertArrayEquals(new float[] {1.5f, 0, 13}, x);
    }

    @Test
    void matmulF32AndQuantizedExact() {
        // W = [[1, 2, 3], [4, 5, 6]] (ne = [3, 2]); two tokens
        MemorySegment m = Arena.ofAuto().allocate(24);
        float[] wv = {1, 2, 3, 4, 5, 6};
        for (int i = 0; i < 6; i++) {
            m.set(FLOAT_LE, 4L * i, wv[i]);
        }
        Tensor w = new Tensor("w", GgmlType.F32, new long[] {3, 2}, m);
        float[] out = new float[4];
        ops.matmul(out, w, new float[] {1, 0, -1, 1, 1, 1}, 2);
        assertArrayEquals(new float[] {-2, -2, 6, 15}, out);

        // one Q8_0 block, d = 0.5, q[j] = j - 16: weights (j - 16) / 2; x = 1 → Σ = (Σ_j j - 16·32) / 2 = (496 - 512) / 2 = -8
        MemorySegment q8 = Arena.ofAuto().allocate(34);
        q8.set(SHORT_LE, 0, Float.floatToFloat16(0.5f));
        for (int j = 0; j < 32; j++) {
            q8.set(ValueLayout.JAVA_BYTE, 2 + j, (byte) (j - 16));
        }
        float[] ones = new float[32];
        java.util.Arrays.fill(ones, 1f);
        float[] o1 = new float[1];
        ops.matmul(o1, new Tensor("q8", GgmlType.Q8_0, new long[] {32, 1}, q8), ones, 1);
        assertEquals(-8f, o1[0]);

        // one Q4_0 block, d = 2, every byte 0x9A: low nibble 10 → weight 4 (j < 16), high nibble 9 → weight 2
        MemorySegment q4 = Arena.ofAuto().allocate(18);
        q4.set(SHORT_LE, 0, Float.floatToFloat16(2f));
        for (int j = 0; j < 16; j++) {
            q4.set(ValueLayout.JAVA_BYTE, 2 + j, (byte) 0x9A);
        }
        ops.matmul(o1, new Tensor("q4", GgmlType.Q4_0, new long[] {32, 1}, q4), ones, 1);
        assertEquals(16 * 4 + 16 * 2, o1[0]);
    }

    @Test
    void badShapesAreClearErrors() {
        Tensor w = new Tensor("blk.0.attn_q.weight", GgmlType.F32, new long[] {3, 2}, Arena.ofAuto().allocate(24));
        Llama4jException e = assertThrows(Llama4jException.class, () -> ops.matmul(new float[4], w, new float[5], 2));
        assertTrue(e.getMessage().contains("blk.0.attn_q.weight"), e.getMessage());
        Tensor emb = new Tensor("token_embd.weight", GgmlType.F32, new long[] {3, 2}, Arena.ofAuto().allocate(24));
        e = assertThrows(Llama4jException.class, () -> ops.embed(new float[3], emb, new int[] {2}, 3));
        assertTrue(e.getMessage().contains("outside the vocabulary"), e.getMessage());
    }
}
