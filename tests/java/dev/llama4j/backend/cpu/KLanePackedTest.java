package dev.llama4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.llama4j.TestData;
import dev.llama4j.gguf.GgmlType;
import dev.llama4j.gguf.GgufFile;
import dev.llama4j.tensor.Dequant;
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
 * The lane-packed K-quant kernels ({@link KPacked}, {@link KLaneKernels}): the 8-bit-activation mat-vec gives the
 * bits of its scalar reference {@link ScalarOps#matVecQ8K} (odd shapes: a partial last group, 1–11 super-blocks;
 * 1 and 3 threads; extreme blocks; ggml's own quantized blocks) and stays within the activations' quantization
 * error of the float product; the batched path dequantizes to {@link Dequant}'s bits.
 */
class KLanePackedTest {
    private static VectorOps one;
    private static VectorOps three;
    private static Arena memory;
    private static final ScalarOps scalar = new ScalarOps();
    private static final int[] COLS = {256, 768, 2816};
    private static final int[] ROWS = {1, 3, 31, 32, 33, 67, 100};

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

    private static KPacked pack(Tensor w) {
        assumeTrue(KPacked.supports(w), "needs 8 float lanes or more (256-bit vectors)");
        return KPacked.of(w, three.workers(), memory);
    }

    private static void assertBitForBit(Tensor w, float[] x, String what) {
        KPacked p = pack(w);
        int rows = (int) w.ne()[1];
        float[] ref = new float[rows];
        float[] a = new float[rows];
        float[] b = new float[rows];
        ScalarOps.matVecQ8K(ref, w, x);
        one.matmul(a, p, w, x, 1);
        three.matmul(b, p, w, x, 1);
        assertArrayEquals(ref, a, what + ": lane kernel vs scalar reference");
        assertArrayEquals(a, b, what + ": 1 vs 3 threads");
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_K", "Q5_K", "Q6_K"})
    void matVecIsItsScalarReferenceBitForBit(GgmlType type) {
        Random rnd = new Random(21);
        for (int cols : COLS) {
            for (int rows : ROWS) {
                assertBitForBit(RandomTensors.matrix(type, rows, cols, rnd), RandomTensors.floats(cols, rnd),
                        type + " " + rows + "x" + cols);
            }
        }
    }

    /** The blocks ggml's quantizer wrote (quant_vectors.gguf: outliers, zero blocks, non-negative rows). */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_K", "Q5_K", "Q6_K"})
    void ggmlQuantizedBlocksToo(GgmlType type) {
        try (GgufFile f = GgufFile.open(TestData.model("quant_vectors.gguf"))) {
            Tensor w = f.tensor("q." + type.name().toLowerCase(java.util.Locale.ROOT).replace("_k", "_K"));
            assertEquals(type, w.type());
            float[] src = Dequant.dequantize(f.tensor("source"));
            for (int r = 0; r < 8; r++) {
                float[] x = java.util.Arrays.copyOfRange(src, r * 256, r * 256 + 256);
                assertBitForBit(w, x, type + " quant_vectors, x = source row " + r);
            }
            KPacked p = pack(w);
            float[] tile = new float[KPacked.R * 256];
            KLaneKernels.dequantize(p, 0, tile);
            float[] deq = Dequant.dequantize(f.tensor("deq." + w.name().substring(2)));
            for (int r = 0; r < 8; r++) {
                for (int c = 0; c < 256; c++) {
                    assertEquals(Float.floatToRawIntBits(deq[r * 256 + c]),
                            Float.floatToRawIntBits(tile[c * KPacked.R + r]),
                            type + " dequantized row " + r + " column " + c);
                }
            }
        }
    }

    /**
     * Against the float product of the dequantized weights: each activation is off by at most half its
     * super-block's step {@code dx/2}, so a row is off by at most {@code Σ|w|·dx/2}, plus float rounding (the scale
     * products and the sums, 1e-5 of {@code Σ|w·x|} here).
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_K", "Q5_K", "Q6_K"})
    void matVecIsWithinTheActivationsRoundingOfTheFloatProduct(GgmlType type) {
        Random rnd = new Random(22);
        for (int cols : new int[] {256, 2048}) {
            Tensor w = RandomTensors.matrix(type, 67, cols, rnd);
            KPacked p = pack(w);
            float[] x = RandomTensors.floats(cols, rnd);
            float[] q8 = new float[67];
            float[] f32 = new float[67];
            three.matmul(q8, p, w, x, 1);
            scalar.matmul(f32, w, x, 1);
            float[] dx = Q8Activations.of(x, 0, cols, type).dx();
            float[] wf = Dequant.dequantize(w);
            for (int r = 0; r < 67; r++) {
                double bound = 0;
                double mag = 0;
                for (int c = 0; c < cols; c++) {
                    bound += Math.abs(wf[r * cols + c]) * dx[c / 256] / 2;
                    mag += Math.abs(wf[r * cols + c] * x[c]);
                }
                double e = Math.abs(q8[r] - f32[r]);
                assertTrue(e <= bound + 1e-5 * mag,
                        type + " " + cols + " row " + r + ": off by " + e + ", bound " + bound);
            }
            double rel = RandomTensors.relL2(q8, f32, 67);
            assertTrue(rel > 0 && rel < 0.05, type + " relative L2 " + rel);
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_K", "Q5_K", "Q6_K"})
    void batchIsTheGgufLayoutBatchBitForBit(GgmlType type) {
        RepackedForms.assertBatchIsTheGgufLayouts(type, COLS, ROWS, new int[] {2, 5}, new Random(23), one, three,
                memory);
    }

    /**
     * The largest sums the 16-bit lanes and the int accumulators must hold: every quant 0 or every quant at its
     * maximum, with the largest scales and mins (Q4_K, Q5_K: 63 and 63; Q6_K: 127 and −128), against activations
     * that all quantize to +127 or alternate ±127. Bit-identical to the scalar reference, and the exact value.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_K", "Q5_K", "Q6_K"})
    void extremeBlocksStayExact(GgmlType type) {
        int rows = 40;
        int cols = 512;
        int qmax = type == GgmlType.Q4_K ? 15 : type == GgmlType.Q5_K ? 31 : 63;
        for (int sc : type == GgmlType.Q6_K ? new int[] {127, -128} : new int[] {63}) {
            for (boolean full : new boolean[] {false, true}) {
                Tensor w = extreme(type, rows, cols, full, sc);
                for (boolean alternate : new boolean[] {false, true}) {
                    float[] x = new float[cols];
                    for (int i = 0; i < cols; i++) {
                        x[i] = alternate && i % 2 == 1 ? -1.0f : 1.0f;
                    }
                    String what = type + (full ? " all max" : " all zero") + " scale " + sc
                            + (alternate ? " alternating" : " all +1");
                    assertBitForBit(w, x, what);
                    float[] a = new float[rows];
                    three.matmul(a, pack(w), w, x, 1);
                    // Each weight is sc·q − 63·1 (Q4_K, Q5_K; d = dmin = 1) or sc·(q − 32) (Q6_K), x = ±1 exactly.
                    int q = full ? qmax : 0;
                    double weight = type == GgmlType.Q6_K ? (double) sc * (q - 32) : 63.0 * q - 63.0;
                    double expected = alternate ? 0.0 : weight * cols;
                    assertEquals(expected, a[rows - 1], Math.abs(expected) * 1e-5 + 1e-3, what + ", last row");
                }
            }
        }
    }

    /** Every block of {@code type} with d = dmin = 1, every scale and min {@code sc}, every quant 0 or its maximum. */
    private static Tensor extreme(GgmlType type, int rows, int cols, boolean full, int sc) {
        int bytes = type.typeSize();
        long rowBytes = (long) bytes * (cols / 256);
        MemorySegment m = Arena.ofAuto().allocate(rowBytes * rows, 64);
        for (long o = 0; o < rowBytes * rows; o += bytes) {
            byte q = full ? (byte) 0xFF : 0;
            for (int i = 0; i < bytes; i++) {
                m.set(ValueLayout.JAVA_BYTE, o + i, q);
            }
            if (type == GgmlType.Q6_K) {
                for (int j = 0; j < 16; j++) {
                    m.set(ValueLayout.JAVA_BYTE, o + 192 + j, (byte) sc);
                }
                m.set(Vec.SHORT_LE, o + 208, Float.floatToFloat16(1.0f));
            } else {
                m.set(Vec.SHORT_LE, o, Float.floatToFloat16(1.0f));
                m.set(Vec.SHORT_LE, o + 2, Float.floatToFloat16(1.0f));
                for (int j = 0; j < 12; j++) {
                    m.set(ValueLayout.JAVA_BYTE, o + 4 + j, (byte) 0xFF); // 6-bit scales and mins all 63
                }
            }
        }
        return new Tensor("extreme", type, new long[] {cols, rows}, m);
    }

    @Test
    void superBlockActivationsQuantizeLikeQ8K() {
        Random rnd = new Random(24);
        float[] x = RandomTensors.floats(1024, rnd);
        for (int i = 256; i < 512; i++) {
            x[i] = 0.0f;
        }
        x[700] = -3.5f;
        // Ties at the largest magnitude 127: x·id = x there, so rounding ties go to the even neighbour.
        float[] ties = {127.0f, 2.5f, 3.5f, -2.5f, -3.5f, 0.5f, -0.5f, 1.5f, 126.5f, -126.5f};
        System.arraycopy(ties, 0, x, 768, ties.length);
        for (GgmlType t : new GgmlType[] {GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K}) {
            Q8Activations a = Q8Activations.of(x, 0, 1024, t);
            assertEquals(0.0f, a.dx()[1], "all-zero super-block");
            for (int s = 0; s < 4; s++) {
                float amax = 0.0f;
                for (int i = s * 256; i < s * 256 + 256; i++) {
                    amax = Math.max(amax, Math.abs(x[i]));
                }
                float id = amax == 0 ? 0 : 127.0f / amax;
                if (amax != 0) {
                    assertEquals(1.0f / id, a.dx()[s], "dx of super-block " + s);
                }
                for (int i = s * 256; i < s * 256 + 256; i++) {
                    assertEquals((int) Math.rint(x[i] * id), a.xq()[i], t + " element " + i + " = " + x[i]);
                }
            }
            for (int b = 0; b < 32; b++) {
                int sum = 0;
                for (int i = b * 32; i < b * 32 + 32; i++) {
                    sum += a.xq()[i];
                }
                assertEquals(sum, a.sums()[b], "sum of block " + b);
            }
            if (t == GgmlType.Q4_K) {
                Q8Activations q40 = Q8Activations.of(x, 0, 1024, GgmlType.Q4_0);
                assertEquals(1024 / 4, a.px().length);
                // The same arrangement as Q4_0's, from the super-block values (checked against xq in LanePackedTest).
                for (int i = 0; i < 256; i++) {
                    int p = (i / 8) * 32 + 2 * (i % 8);
                    assertEquals(a.xq()[p], (short) a.px()[i], "px low half " + i);
                    assertEquals((short) (a.xq()[p + 16] - 16 * a.xq()[p]), (short) a.py()[i], "py " + i);
                }
                assertEquals(q40.px().length, a.px().length);
            } else {
                short[] q = a.xq();
                for (int i = 0; i < 256; i++) {
                    assertEquals(q[4 * i], (short) a.px()[i], "px low half " + i);
                    assertEquals(q[4 * i + 2], (short) (a.px()[i] >> 16), "px high half " + i);
                    assertEquals((short) (q[4 * i + 1] - 256 * q[4 * i]), (short) a.py()[i], "py low half " + i);
                    assertEquals((short) (q[4 * i + 3] - 256 * q[4 * i + 2]), (short) (a.py()[i] >> 16),
                            "py high half " + i);
                }
                int len = t == GgmlType.Q6_K ? 16 : 32;
                int off = t == GgmlType.Q6_K ? 32 : 16;
                for (int s = 0; s < 1024 / len; s++) {
                    int even = 0;
                    int odd = 0;
                    for (int e = s * len; e < s * len + len; e++) {
                        even += e % 4 < 2 ? q[e] : 0;
                        odd += e % 4 < 2 ? 0 : q[e];
                    }
                    assertEquals(-off * even, (short) a.s8()[s], "start, even lanes, sub-block " + s);
                    assertEquals(-off * odd, a.s8()[s] >> 16, "start, odd lanes, sub-block " + s);
                }
            }
        }
        assertEquals(127, Q8Activations.of(x, 0, 1024, GgmlType.Q6_K).xq()[768]);
        assertEquals(-127, Q8Activations.of(x, 0, 1024, GgmlType.Q6_K).xq()[700]);
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_K", "Q5_K", "Q6_K"})
    void repackedSizeIsWhatItAllocates(GgmlType type) {
        Tensor w = RandomTensors.matrix(type, 67, 768, new Random(25));
        KPacked p = pack(w);
        assertEquals(KPacked.bytes(w), p.qs().byteSize() + p.meta().byteSize());
        assertEquals(KPacked.bytes(w), VectorOps.repackedBytes(w, true));
        assertEquals(0, VectorOps.repackedBytes(w, false));
        long perRow = type == GgmlType.Q4_K ? 152 : type == GgmlType.Q5_K ? 280 : 276;
        long panels = (67 + KPacked.R - 1) / KPacked.R;
        assertEquals(panels * KPacked.R * 3 * perRow, KPacked.bytes(w), "whole panels of R rows, 3 super-blocks each");
    }
}
