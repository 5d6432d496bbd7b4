package dev.llama4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.llama4j.gguf.GgmlType;
import dev.llama4j.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The lane-packed Q4_0 and Q8_0 kernels ({@link LanePacked}, {@link LaneKernels}): the 8-bit-activation mat-vec
 * gives the bits of its scalar reference {@link ScalarOps#matVecQ8} and stays within the quantization error of the
 * float product; the batched path gives the bits of the GGUF-layout batched path. Odd shapes (partial last group,
 * 1–19 blocks), 1 and 3 threads alike.
 */
class LanePackedTest {
    private static VectorOps one;
    private static VectorOps three;
    private static Arena memory;
    private static final ScalarOps scalar = new ScalarOps();
    private static final int[] COLS = {32, 96, 128, 608};
    private static final int[] ROWS = {1, 3, 31, 32, 33, 64, 67, 100, 129};

    @BeforeAll
    static void up() {
        one = new VectorOps(1);
        three = new VectorOps(3);
        memory = Arena.ofShared();
    }

    @AfterAll
    static void down() {
        one.close();
        three.close();
        memory.close();
    }

    private static LanePacked pack(Tensor w) {
        assumeTrue(LanePacked.supports(w), "needs 8 float lanes or more (256-bit vectors)");
        return LanePacked.of(w, three.workers(), memory);
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q8_0"})
    void matVecIsItsScalarReferenceBitForBit(GgmlType type) {
        Random rnd = new Random(11);
        for (int cols : COLS) {
            for (int rows : ROWS) {
                Tensor w = RandomTensors.matrix(type, rows, cols, rnd);
                LanePacked p = pack(w);
                float[] x = RandomTensors.floats(cols, rnd);
                float[] ref = new float[rows];
                float[] a = new float[rows];
                float[] b = new float[rows];
                ScalarOps.matVecQ8(ref, w, x);
                one.matmul(a, p, w, x, 1);
                three.matmul(b, p, w, x, 1);
                String what = type + " " + rows + "x" + cols;
                assertArrayEquals(ref, a, what + ": lane kernel vs scalar reference");
                assertArrayEquals(a, b, what + ": 1 vs 3 threads");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q8_0"})
    void matVecIsCloseToTheFloatProduct(GgmlType type) {
        Random rnd = new Random(12);
        for (int cols : new int[] {256, 2048}) {
            Tensor w = RandomTensors.matrix(type, 67, cols, rnd);
            LanePacked p = pack(w);
            float[] x = RandomTensors.floats(cols, rnd);
            float[] q8 = new float[67];
            float[] f32 = new float[67];
            three.matmul(q8, p, w, x, 1);
            scalar.matmul(f32, w, x, 1);
            double e = RandomTensors.relL2(q8, f32, 67);
            // 8-bit activations: each element off by at most dx/2 = max|x|/254 of its block, about 0.4% of it.
            assertTrue(e > 0 && e < 1e-2, "relative L2 of q8 vs f32 activations " + e);
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q8_0"})
    void batchIsTheGgufLayoutBatchBitForBit(GgmlType type) {
        RepackedForms.assertBatchIsTheGgufLayouts(type, COLS, ROWS, new int[] {2, 5, 9}, new Random(13), one, three,
                memory);
    }

    /**
     * The largest block sums the 16-bit lanes must hold: every Q4_0 nibble 0 (weight −8) or every Q8_0 byte −128,
     * against activations that all quantize to +127 or alternate ±127, so a row's block sum is −32512 (Q4_0) or
     * two products of 16256 per lane (Q8_0). Bit-identical to the scalar reference, and the exact value.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q8_0"})
    void extremeBlocksStayExact(GgmlType type) {
        int rows = 40;
        int cols = 128;
        int qb = type == GgmlType.Q4_0 ? 16 : 32;
        long rowBytes = (2 + qb) * (cols / 32);
        MemorySegment m = Arena.ofAuto().allocate(rowBytes * rows, 64);
        for (long o = 0; o < rowBytes * rows; o += 2 + qb) {
            m.set(Vec.SHORT_LE, o, Float.floatToFloat16(1.0f));
            for (int p = 0; p < qb; p++) {
                m.set(ValueLayout.JAVA_BYTE, o + 2 + p, type == GgmlType.Q4_0 ? (byte) 0x00 : (byte) 0x80);
            }
        }
        Tensor w = new Tensor("extreme", type, new long[] {cols, rows}, m);
        LanePacked p = pack(w);
        for (boolean alternate : new boolean[] {false, true}) {
            float[] x = new float[cols];
            for (int i = 0; i < cols; i++) {
                x[i] = alternate && i % 2 == 1 ? -1.0f : 1.0f;
            }
            float[] ref = new float[rows];
            float[] a = new float[rows];
            ScalarOps.matVecQ8(ref, w, x);
            three.matmul(a, p, w, x, 1);
            assertArrayEquals(ref, a, type + (alternate ? " alternating" : " all +1"));
            // Each block: Σ q·xq · dx with dx = 1/127, so exactly Σ q per block (up to dx's rounding).
            float block = alternate ? 0.0f : (type == GgmlType.Q4_0 ? -8.0f : -128.0f) * 32;
            assertEquals(block * (cols / 32), a[0], Math.abs(block) * 1e-5f + 1e-6f, type + " row 0");
        }
    }

    @Test
    void activationsQuantizeWithinHalfAStep() {
        Random rnd = new Random(14);
        float[] x = RandomTensors.floats(96, rnd);
        for (int i = 32; i < 64; i++) {
            x[i] = 0.0f;
        }
        x[70] = -3.5f;
        Q8Activations a = Q8Activations.of(x, 0, 96, GgmlType.Q4_0);
        assertEquals(0.0f, a.dx()[1]);
        assertEquals(-127, a.xq()[70]);
        for (int b = 0; b < 3; b++) {
            int s = 0;
            for (int i = b * 32; i < b * 32 + 32; i++) {
                assertTrue(Math.abs(a.xq()[i]) <= 127, "xq[" + i + "] = " + a.xq()[i]);
                assertTrue(Math.abs(a.xq()[i] * a.dx()[b] - x[i]) <= a.dx()[b] * 0.5001f, "element " + i);
                s += a.xq()[i];
            }
            assertEquals(8.0f * s, a.sx8()[b], "sx8 of block " + b);
        }
    }

    @Test
    void activationsRoundLikeRintAndPairUpForTheLanes() {
        Random rnd = new Random(15);
        float[] x = RandomTensors.floats(4096, rnd);
        // Block 0 has max|x| = 127, so x·id = x there: ties must go to the even neighbour, as Math.rint does.
        float[] ties = {127.0f, 2.5f, 3.5f, -2.5f, -3.5f, 0.5f, -0.5f, 1.5f, 126.5f, -126.5f, 0.49999997f, -0.0f};
        System.arraycopy(ties, 0, x, 0, ties.length);
        Q8Activations a = Q8Activations.of(x, 0, 4096, GgmlType.Q4_0);
        Q8Activations a8 = Q8Activations.of(x, 0, 4096, GgmlType.Q8_0);
        assertArrayEquals(a.xq(), a8.xq(), "the quantized values do not depend on the weight type");
        assertArrayEquals(a.dx(), a8.dx());
        assertArrayEquals(a.sx8(), a8.sx8());
        for (int i = 0; i < 2048; i++) {
            assertEquals(a.xq()[2 * i], (short) a8.xp()[i], "xp low half " + i);
            assertEquals(a.xq()[2 * i + 1], (short) (a8.xp()[i] >> 16), "xp high half " + i);
        }
        for (int b = 0; b < 128; b++) {
            float amax = 0.0f;
            for (int i = b * 32; i < b * 32 + 32; i++) {
                amax = Math.max(amax, Math.abs(x[i]));
            }
            float id = 127.0f / amax;
            for (int i = b * 32; i < b * 32 + 32; i++) {
                assertEquals((int) Math.rint(x[i] * id), a.xq()[i], "element " + i + " = " + x[i]);
            }
            int even = 0;
            int odd = 0;
            for (int p = b * 32; p < b * 32 + 16; p += 2) {
                even += a.xq()[p] + a.xq()[p + 16];
                odd += a.xq()[p + 1] + a.xq()[p + 17];
            }
            assertEquals(-8 * even, (short) a.s8()[b], "s8 even half, block " + b);
            assertEquals(-8 * odd, a.s8()[b] >> 16, "s8 odd half, block " + b);
            for (int i = 0; i < 8; i++) {
                int p = b * 32 + 2 * i;
                assertEquals(a.xq()[p], (short) a.px()[8 * b + i], "px low half, block " + b);
                assertEquals((short) (a.xq()[p + 1] - 4096 * (a.xq()[p + 16] - 16 * a.xq()[p])),
                        (short) (a.px()[8 * b + i] >> 16), "px high half, block " + b);
                assertEquals((short) (a.xq()[p + 16] - 16 * a.xq()[p]), (short) a.py()[8 * b + i], "py, block " + b);
                assertEquals((short) (a.xq()[p + 17] - 16 * a.xq()[p + 1]), (short) (a.py()[8 * b + i] >> 16),
                        "py high half, block " + b);
            }
        }
        assertEquals(2, a.xq()[1]);
        assertEquals(4, a.xq()[2]);
        assertEquals(-2, a.xq()[3]);
        assertEquals(0, a.xq()[5]);
        assertEquals(126, a.xq()[8]);
    }
}
