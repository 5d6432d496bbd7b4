package dev.llama4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama4j.gguf.GgmlType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The K-quants' round trip through the bit-exact {@link Dequant} keeps the bound {@link QuantizeK} states: every
 * weight is the nearest point of its sub-block's stored grid (or the nearest grid end when it lies outside), on
 * random super-blocks and edge cases. The grid of a sub-block (step D, offset M) is read back through the
 * dequantizer itself: the block's levels are overwritten with level 0 and level 1 and dequantized. Byte identity with
 * ggml is {@link QuantizeTest}'s job.
 */
class QuantizeKTest {
    /** Where the levels of a type live, and what k (y = D·k − M) its level range spans. */
    private record Layout(GgmlType type, int sub, int kMin, int kMax, int[][] level0, int[][] level1) {}

    /** Patches {offset, length, byte} that set every weight's level to k = 0 and to k = 1. */
    private static final List<Layout> LAYOUTS = List.of(
            new Layout(GgmlType.Q4_K, 32, 0, 15, new int[][] {{16, 128, 0x00}}, new int[][] {{16, 128, 0x11}}),
            new Layout(GgmlType.Q5_K, 32, 0, 31, new int[][] {{16, 32, 0}, {48, 128, 0x00}},
                    new int[][] {{16, 32, 0}, {48, 128, 0x11}}),
            new Layout(GgmlType.Q6_K, 16, -32, 31, new int[][] {{0, 128, 0x00}, {128, 64, 0xAA}},
                    new int[][] {{0, 128, 0x11}, {128, 64, 0xAA}}),
            new Layout(GgmlType.Q3_K, 16, -4, 3, new int[][] {{0, 32, 0xFF}, {32, 64, 0x00}},
                    new int[][] {{0, 32, 0xFF}, {32, 64, 0x55}}),
            new Layout(GgmlType.Q2_K, 16, 0, 3, new int[][] {{16, 64, 0x00}}, new int[][] {{16, 64, 0x55}}));

    @Test
    void everyWeightIsTheNearestPointOfItsSubBlockGrid() {
        for (double scale : new double[] {1e-6, 0.02, 1.0, 500.0}) {
            float[] x = data(7, 256 * 64, scale);
            for (Layout lay : LAYOUTS) {
                Stats s = check(lay, x);
                if (scale >= 0.02) {
                    // with normal F16 scales the clamp zone is rare on these data (the 2- and 3-bit fits clamp
                    // more: their least-squares scales trade the largest weights for the rest)
                    int most = lay.kMax() - lay.kMin() >= 15 ? x.length / 50 : x.length / 8;
                    assertTrue(s.clamped < most, lay.type() + " scale " + scale + ": " + s.clamped + " clamped");
                    assertTrue(s.inside > x.length / 2, lay.type() + " scale " + scale + ": " + s.inside);
                }
            }
        }
    }

    @Test
    void largestErrorStaysWithinTheStatedShareOfTheSuperBlockRange() {
        // QuantizeK's and QuantizeKLow's measured bounds: |err| <= c * R, R = max(max, 0) - min(min, 0)
        GgmlType[] types = {GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K};
        double[] c = {1.0 / 3, 1.0 / 5, 1.0 / 12, 1.0 / 24, 1.0 / 32};
        for (long seed = 1; seed <= 3; seed++) {
            for (double scale : new double[] {0.02, 1.0, 500.0}) {
                float[] x = data(seed, 256 * 64, scale);
                for (int t = 0; t < types.length; t++) {
                    float[] y = roundTrip(types[t], x);
                    for (int b = 0; b < x.length / 256; b++) {
                        double lo = 0;
                        double hi = 0;
                        double worst = 0;
                        for (int i = 256 * b; i < 256 * (b + 1); i++) {
                            lo = Math.min(lo, x[i]);
                            hi = Math.max(hi, x[i]);
                            worst = Math.max(worst, Math.abs((double) y[i] - x[i]));
                        }
                        assertTrue(worst <= (hi - lo) * c[t], types[t] + " seed " + seed + " scale " + scale
                                + " block " + b + ": max |err| " + worst + " > R " + (hi - lo) + " * " + c[t]);
                    }
                }
            }
        }
    }

    @Test
    void edgeCasesComeBackAsExpected() {
        for (Layout lay : LAYOUTS) {
            // all zero: exactly zero
            float[] zeros = new float[512];
            for (float v : roundTrip(lay.type(), zeros)) {
                assertEquals(0f, v, 0f, lay.type() + ": zeros");
            }
            // a constant block: within half a step of the constant
            float[] c = new float[256];
            java.util.Arrays.fill(c, 0.75f);
            check(lay, c);
            // one huge outlier among small values: the outlier is kept within its own sub-block's bound
            float[] o = data(3, 256, 0.01);
            o[77] = 1000f;
            float[] y = roundTrip(lay.type(), o);
            assertTrue(Math.abs(y[77] - 1000f) < 1000f * 0.1, lay.type() + ": outlier -> " + y[77]);
            check(lay, o);
        }
        // a 4- to 6-bit type keeps a constant to a few per mille
        for (GgmlType t : List.of(GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K)) {
            float[] c = new float[256];
            java.util.Arrays.fill(c, -3f);
            for (float v : roundTrip(t, c)) {
                assertEquals(-3f, v, 3f * 0.005, t + ": constant");
            }
        }
    }

    /** Counts of weights inside the grid span and clamped to its end. */
    private record Stats(int inside, int clamped) {}

    private static Stats check(Layout lay, float[] x) {
        GgmlType t = lay.type();
        MemorySegment q = quantize(t, x);
        float[] y = new float[x.length];
        Dequant.dequantizeRow(t, q, 0, y, 0, x.length);
        float[] y0 = patched(lay, q, lay.level0(), x.length);
        float[] y1 = patched(lay, q, lay.level1(), x.length);
        int inside = 0;
        int clamped = 0;
        for (int s = 0; s < x.length / lay.sub(); s++) {
            double m = -y0[s * lay.sub()];
            double d = (double) y1[s * lay.sub()] - y0[s * lay.sub()];
            for (int i = s * lay.sub(); i < (s + 1) * lay.sub(); i++) {
                double big = Math.max(Math.abs(x[i]), Math.abs(m) + Math.abs(d) * Math.max(-lay.kMin(), lay.kMax()));
                double slack = 16 * Math.ulp((float) big);
                String where = t + " element " + i + ": x " + x[i] + " -> " + y[i] + " (D " + d + ", M " + m + ")";
                if (d == 0) {
                    assertEquals(-m, y[i], slack, where + ": a zero step reads -M");
                    continue;
                }
                double k = (x[i] + m) / d;
                if (k >= lay.kMin() - 0.5 && k <= lay.kMax() + 0.5) {
                    inside++;
                    assertTrue(Math.abs((double) y[i] - x[i]) <= Math.abs(d) / 2 + slack, where + ": not nearest");
                } else {
                    clamped++;
                    int end = k < lay.kMin() ? lay.kMin() : lay.kMax();
                    assertEquals(d * end - m, y[i], slack, where + ": not the grid end");
                }
            }
        }
        return new Stats(inside, clamped);
    }

    /** The dequantized values after every block's levels are overwritten by {@code patches}. */
    private static float[] patched(Layout lay, MemorySegment q, int[][] patches, int n) {
        MemorySegment c = Arena.ofAuto().allocate(q.byteSize());
        c.copyFrom(q);
        int bytes = lay.type().typeSize();
        for (long at = 0; at < c.byteSize(); at += bytes) {
            for (int[] p : patches) {
                c.asSlice(at + p[0], p[1]).fill((byte) p[2]);
            }
        }
        float[] y = new float[n];
        Dequant.dequantizeRow(lay.type(), c, 0, y, 0, n);
        return y;
    }

    /**
     * Gaussian weights times {@code scale} with one edge case per 256-weight super-block in turn: plain, a zero
     * sub-block, one 100x outlier, a constant block, negative only, positive only, alternating signs, a block of
     * one value in one sub-block and zeros elsewhere.
     */
    static float[] data(long seed, int n, double scale) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextGaussian() * scale);
        }
        for (int b = 0; b < n / 256; b++) {
            int o = 256 * b;
            switch (b % 8) {
                case 1 -> java.util.Arrays.fill(x, o + 32, o + 64, 0f);
                case 2 -> x[o + 100] = (float) (100 * scale);
                case 3 -> java.util.Arrays.fill(x, o, o + 256, (float) scale);
                case 4 -> {
                    for (int i = o; i < o + 256; i++) {
                        x[i] = -Math.abs(x[i]);
                    }
                }
                case 5 -> {
                    for (int i = o; i < o + 256; i++) {
                        x[i] = Math.abs(x[i]);
                    }
                }
                case 6 -> {
                    for (int i = o; i < o + 256; i++) {
                        x[i] = (float) (i % 2 == 0 ? scale : -scale);
                    }
                }
                case 7 -> {
                    java.util.Arrays.fill(x, o, o + 256, 0f);
                    x[o + 200] = (float) scale;
                }
                default -> { }
            }
        }
        return x;
    }

    private static MemorySegment quantize(GgmlType t, float[] x) {
        MemorySegment out = Arena.ofAuto().allocate(t.bytesFor(x.length));
        Quantize.quantize(t, x, 0, x.length, out, 0);
        return out;
    }

    static float[] roundTrip(GgmlType t, float[] x) {
        float[] y = new float[x.length];
        Dequant.dequantizeRow(t, quantize(t, x), 0, y, 0, x.length);
        return y;
    }

    @Test
    void nearestIntRoundsHalvesToEven() {
        assertEquals(2, QuantizeK.nearestInt(2.5f));
        assertEquals(4, QuantizeK.nearestInt(3.5f));
        assertEquals(-2, QuantizeK.nearestInt(-2.5f));
        assertEquals(-3, QuantizeK.nearestInt(-2.6f));
        assertEquals(0, QuantizeK.nearestInt(0.49999997f));
        assertEquals(4194303, QuantizeK.nearestInt(4194303f));
    }
}
