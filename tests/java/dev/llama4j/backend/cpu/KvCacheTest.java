package dev.llama4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama4j.Llama4jException;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link KvCache}: storage in F32 and F16, sizes, and the error for a position beyond the context. */
class KvCacheTest {

    @Test
    void f32StoresExactlyAndF16RoundsToHalf() {
        Random rnd = new Random(1);
        KvCache a = KvCache.f32(2, 5, 6);
        KvCache b = KvCache.f16(2, 5, 6);
        float[] k = RandomTensors.floats(10, rnd);
        float[] v = RandomTensors.floats(10, rnd);
        a.store(1, 4, k, 2, v, 3);
        b.store(1, 4, k, 2, v, 3);
        for (int i = 0; i < 6; i++) {
            assertEquals(k[2 + i], a.key(1, 4, i));
            assertEquals(v[3 + i], a.value(1, 4, i));
            assertEquals(Float.float16ToFloat(Float.floatToFloat16(k[2 + i])), b.key(1, 4, i));
            assertEquals(Float.float16ToFloat(Float.floatToFloat16(v[3 + i])), b.value(1, 4, i));
            assertEquals(0f, a.key(0, 4, i));
        }
        // Float32 keys fill whole 16-position blocks (5 positions -> 16); values hold exactly the 5.
        assertEquals(2L * 16 * 6 * 4 + 2L * 5 * 6 * 4, a.bytes());
        assertEquals(2L * 2 * 5 * 6 * 2, b.bytes());
    }

    @Test
    void attentionWithF16CacheEqualsF32ForHalfExactValuesAndIsCloseOtherwise() {
        Random rnd = new Random(2);
        int kvDim = 16;
        KvCache exact32 = KvCache.f32(1, 8, kvDim);
        KvCache exact16 = KvCache.f16(1, 8, kvDim);
        KvCache rnd32 = KvCache.f32(1, 8, kvDim);
        KvCache rnd16 = KvCache.f16(1, 8, kvDim);
        for (int p = 0; p < 8; p++) {
            float[] k = new float[kvDim];
            float[] v = new float[kvDim];
            for (int i = 0; i < kvDim; i++) {
                k[i] = (rnd.nextInt(64) - 32) / 16f; // exact in half precision
                v[i] = (rnd.nextInt(64) - 32) / 8f;
            }
            exact32.store(0, p, k, 0, v, 0);
            exact16.store(0, p, k, 0, v, 0);
            float[] kr = RandomTensors.floats(kvDim, rnd);
            float[] vr = RandomTensors.floats(kvDim, rnd);
            rnd32.store(0, p, kr, 0, vr, 0);
            rnd16.store(0, p, kr, 0, vr, 0);
        }
        float[] q = RandomTensors.floats(2 * 32, rnd);
        ScalarOps ops = new ScalarOps();
        float[] a = new float[64];
        float[] b = new float[64];
        ops.attention(a, q, exact32, 0, 2, 6, 4, 2, 8);
        ops.attention(b, q, exact16, 0, 2, 6, 4, 2, 8);
        assertArrayEquals(a, b);
        ops.attention(a, q, rnd32, 0, 2, 6, 4, 2, 8);
        ops.attention(b, q, rnd16, 0, 2, 6, 4, 2, 8);
        // half precision keeps 11 significant bits: relative error ≈ 2^-11 per value
        double e = RandomTensors.relL2(b, a, 64);
        assertTrue(e < 2e-3, "F16 vs F32 relative L2 " + e);
    }

    @Test
    void positionBeyondContextIsAClearError() {
        KvCache c = KvCache.f32(1, 4, 2);
        Llama4jException e = assertThrows(Llama4jException.class,
                () -> c.store(0, 4, new float[2], 0, new float[2], 0));
        assertTrue(e.getMessage().contains("beyond the context length 4"), e.getMessage());
        assertThrows(Llama4jException.class, () -> c.key(0, -1, 0));
        assertThrows(Llama4jException.class, () -> c.store(1, 0, new float[2], 0, new float[2], 0));
        float[] q = new float[2 * 2];
        e = assertThrows(Llama4jException.class,
                () -> new ScalarOps().attention(new float[4], q, c, 0, 2, 3, 1, 1, 2));
        assertTrue(e.getMessage().contains("context length"), e.getMessage());
    }
}
