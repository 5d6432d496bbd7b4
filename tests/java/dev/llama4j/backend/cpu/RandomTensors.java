package dev.llama4j.backend.cpu;

import dev.llama4j.gguf.GgmlType;
import dev.llama4j.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Random weights for the parity tests: quantized blocks are random bytes with the half-float scale fields of each
 * block header overwritten by finite, sane values (so no quantizer is needed); plain types get values in [-1, 1].
 */
final class RandomTensors {
    private RandomTensors() {}

    /** The types {@link dev.llama4j.tensor.Dequant} supports, so every op is tested on each. */
    static final List<GgmlType> TYPES = List.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q4_0,
            GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q8_0, GgmlType.Q2_K, GgmlType.Q3_K,
            GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.IQ4_NL, GgmlType.IQ4_XS);

    /** Types with a fast path in {@link VectorOps}. */
    static final List<GgmlType> FAST = List.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0,
            GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q6_K);

    private static final ValueLayout.OfShort SHORT_LE =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT_LE =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Byte offsets in a block of the half-float scale ({@code d}) fields, and of the half-float min fields. */
    private static final Map<GgmlType, int[][]> HEADERS = Map.ofEntries(
            Map.entry(GgmlType.Q4_0, new int[][] {{0}, {}}),
            Map.entry(GgmlType.Q4_1, new int[][] {{0}, {2}}),
            Map.entry(GgmlType.Q5_0, new int[][] {{0}, {}}),
            Map.entry(GgmlType.Q5_1, new int[][] {{0}, {2}}),
            Map.entry(GgmlType.Q8_0, new int[][] {{0}, {}}),
            Map.entry(GgmlType.Q2_K, new int[][] {{80}, {82}}),
            Map.entry(GgmlType.Q3_K, new int[][] {{108}, {}}),
            Map.entry(GgmlType.Q4_K, new int[][] {{0}, {2}}),
            Map.entry(GgmlType.Q5_K, new int[][] {{0}, {2}}),
            Map.entry(GgmlType.Q6_K, new int[][] {{208}, {}}),
            Map.entry(GgmlType.IQ4_NL, new int[][] {{0}, {}}),
            Map.entry(GgmlType.IQ4_XS, new int[][] {{0}, {}}));

    /** A {@code [rows][cols]} matrix ({@code ne = [cols, rows]}) of random weights, off-heap. */
    static Tensor matrix(GgmlType type, int rows, int cols, Random rnd) {
        long bytes = type.bytesFor(cols) * rows;
        MemorySegment m = Arena.ofAuto().allocate(Math.max(1, bytes), 64);
        fill(type, m, (long) rows * cols, rnd);
        return new Tensor("w." + type, type, new long[] {cols, rows}, m.asSlice(0, bytes));
    }

    /** Fills {@code m} with {@code n} random weights of {@code type}. */
    static void fill(GgmlType type, MemorySegment m, long n, Random rnd) {
        switch (type) {
            case F32 -> {
                for (long i = 0; i < n; i++) {
                    m.set(FLOAT_LE, 4 * i, rnd.nextFloat() * 2 - 1);
                }
            }
            case F16 -> {
                for (long i = 0; i < n; i++) {
                    m.set(SHORT_LE, 2 * i, Float.floatToFloat16(rnd.nextFloat() * 2 - 1));
                }
            }
            case BF16 -> {
                for (long i = 0; i < n; i++) {
                    m.set(SHORT_LE, 2 * i, (short) (Float.floatToIntBits(rnd.nextFloat() * 2 - 1) >>> 16));
                }
            }
            default -> {
                int[][] h = HEADERS.get(type);
                if (h == null) {
                    throw new IllegalArgumentException("no random blocks for " + type);
                }
                byte[] b = new byte[(int) Math.min(m.byteSize(), 1 << 20)];
                for (long o = 0; o < m.byteSize(); o += b.length) {
                    rnd.nextBytes(b);
                    int len = (int) Math.min(b.length, m.byteSize() - o);
                    MemorySegment.copy(MemorySegment.ofArray(b), 0, m, o, len);
                }
                long blocks = n / type.blockSize();
                for (long k = 0; k < blocks; k++) {
                    long o = k * type.typeSize();
                    for (int d : h[0]) {
                        float s = (0.002f + 0.02f * rnd.nextFloat()) * (rnd.nextBoolean() ? 1 : -1);
                        m.set(SHORT_LE, o + d, Float.floatToFloat16(s));
                    }
                    for (int d : h[1]) {
                        m.set(SHORT_LE, o + d, Float.floatToFloat16(0.01f * rnd.nextFloat()));
                    }
                }
            }
        }
    }

    /** {@code n} floats uniform in [-1, 1]. */
    static float[] floats(int n, Random rnd) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = rnd.nextFloat() * 2 - 1;
        }
        return a;
    }

    /** Relative L2 error {@code ||a - ref|| / ||ref||} over the first {@code n} elements. */
    static double relL2(float[] a, float[] ref, int n) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < n; i++) {
            double d = (double) a[i] - ref[i];
            num += d * d;
            den += (double) ref[i] * ref[i];
        }
        return den == 0 ? Math.sqrt(num) : Math.sqrt(num / den);
    }
}
