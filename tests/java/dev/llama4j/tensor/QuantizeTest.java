package dev.llama4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama4j.TestData;
import dev.llama4j.gguf.GgmlType;
import dev.llama4j.gguf.GgufFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Our quantizers reproduce ggml's bytes and stay within the stated error bounds (see {@link Quantize}). */
class QuantizeTest {
    private static final double U16 = Math.scalb(1.0, -11);

    @Test
    void reproducesGgmlQuantVectorsByteForByte() {
        try (GgufFile f = GgufFile.open(TestData.model("quant_vectors.gguf"))) {
            float[] src = Dequant.dequantize(f.tensor("source"));
            assertEquals(256 * 8, src.length);
            for (String name : List.of("q.f16", "q.bf16", "q.q8_0", "q.q4_0", "q.q5_0", "q.q5_1", "q.q2_K", "q.q3_K",
                    "q.q4_K", "q.q5_K", "q.q6_K")) {
                Tensor expected = f.tensor(name);
                MemorySegment mine = quantize(expected.type(), src);
                assertEquals(expected.data().byteSize(), mine.byteSize(), name);
                long mismatch = expected.data().mismatch(mine);
                assertEquals(-1, mismatch, name + " (" + expected.type() + "): first differing byte " + mismatch);
            }
        }
    }

    @Test
    void f32IsACopy() {
        float[] x = random(1, 64, 1.0);
        assertTrue(MemorySegment.ofArray(x).mismatch(quantize(GgmlType.F32, x)) == -1);
    }

    @Test
    void errorStaysWithinEachTypeBound() {
        for (double scale : new double[] {1e-2, 1.0, 300.0}) {
            float[] x = random(42, 32 * 4096, scale);
            // A few blocks with extreme structure: all zero, one outlier, constant sign, alternating sign.
            for (int j = 0; j < 32; j++) {
                x[j] = 0f;
                x[32 + j] = j == 7 ? (float) (10 * scale) : (float) (1e-3 * scale * j);
                x[64 + j] = (float) (scale * (j + 1));
                x[96 + j] = (float) (scale * (j % 2 == 0 ? j : -j));
            }
            for (GgmlType t : List.of(GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q5_0,
                    GgmlType.Q5_1, GgmlType.F32)) {
                float[] y = roundTrip(t, x);
                for (int b = 0; b < x.length / 32; b++) {
                    double amax = 0;
                    double m = 0;
                    double lo = Double.MAX_VALUE;
                    double hi = -Double.MAX_VALUE;
                    for (int j = 0; j < 32; j++) {
                        if (Math.abs(x[32 * b + j]) > amax) {
                            amax = Math.abs(x[32 * b + j]);
                            m = x[32 * b + j];
                        }
                        lo = Math.min(lo, x[32 * b + j]);
                        hi = Math.max(hi, x[32 * b + j]);
                    }
                    for (int j = 0; j < 32; j++) {
                        int i = 32 * b + j;
                        double err = Math.abs((double) y[i] - x[i]);
                        double bound = switch (t) {
                            case F32 -> 0;
                            // below 2^-14 F16 is subnormal: absolute spacing 2^-24, half of it
                            case F16 -> Math.max(Math.abs(x[i]) * U16, Math.scalb(1.0, -25));
                            case BF16 -> Math.abs(x[i]) * Math.scalb(1.0, -8);
                            case Q8_0 -> amax / 127 * (0.5 + 127 * U16);
                            case Q4_0 -> {
                                boolean clampZone = m != 0 && x[i] / (m / -8.0) > 7.5;
                                yield amax / 8 * ((clampZone ? 1.0 : 0.5) + 8 * U16);
                            }
                            case Q5_0 -> {
                                boolean clampZone = m != 0 && x[i] / (m / -16.0) > 15.5;
                                yield amax / 16 * ((clampZone ? 1.0 : 0.5) + 16 * U16);
                            }
                            case Q5_1 -> (hi - lo) / 31 * (0.5 + 31 * U16) + Math.abs(lo) * U16;
                            default -> throw new AssertionError(t);
                        };
                        // float32 arithmetic inside the quantizer adds a few ulps of amax
                        double slack = 4 * Math.ulp((float) Math.max(amax, Math.abs(x[i])));
                        if (err > bound + slack) {
                            throw new AssertionError(t + " scale " + scale + " element " + i + ": x " + x[i]
                                    + " -> " + y[i] + ", |err| " + err + " > bound " + bound);
                        }
                    }
                }
            }
        }
    }

    @Test
    void clampZonesReallyReachTheirLooserBounds() {
        // Q4_0: m = -8 gives d = 1; x = 7.9 has x/d + 8.5 = 16.4, clamped to 15: value 7, error 0.9 > d/2.
        // Q5_0: m = -16 gives d = 1; x = 15.9 has x/d + 16.5 = 32.4, clamped to 31: value 15, error 0.9.
        for (GgmlType t : List.of(GgmlType.Q4_0, GgmlType.Q5_0)) {
            float half = t == GgmlType.Q4_0 ? 8f : 16f;
            float[] x = new float[32];
            x[0] = -half;
            x[17] = half - 0.1f;
            float[] y = roundTrip(t, x);
            assertEquals(-half, y[0], t.name());
            assertEquals(half - 1, y[17], t.name());
            assertEquals(0f, y[2], t.name());
        }
    }

    @Test
    void refusesPartialBlocksAndOtherTypes() {
        assertThrows(IllegalArgumentException.class, () -> quantize(GgmlType.Q8_0, new float[33]));
        assertThrows(IllegalArgumentException.class, () -> quantize(GgmlType.Q4_K, new float[128]));
        assertThrows(IllegalArgumentException.class, () -> quantize(GgmlType.IQ4_NL, new float[32]));
        assertTrue(Quantize.supports(GgmlType.Q4_0));
        assertTrue(Quantize.supports(GgmlType.Q6_K));
        assertTrue(!Quantize.supports(GgmlType.IQ4_XS));
    }

    @Test
    void roundfRoundsHalvesAwayFromZero() {
        assertEquals(3f, Quantize.roundf(2.5f));
        assertEquals(-3f, Quantize.roundf(-2.5f));
        assertEquals(0f, Quantize.roundf(0.49999997f));
        assertEquals(-1f, Quantize.roundf(-0.5f));
    }

    private static MemorySegment quantize(GgmlType t, float[] x) {
        MemorySegment out = Arena.ofAuto().allocate(t.bytesFor(x.length));
        Quantize.quantize(t, x, 0, x.length, out, 0);
        return out;
    }

    private static float[] roundTrip(GgmlType t, float[] x) {
        float[] y = new float[x.length];
        Dequant.dequantizeRow(t, quantize(t, x), 0, y, 0, x.length);
        return y;
    }

    private static float[] random(long seed, int n, double scale) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextGaussian() * scale);
        }
        return x;
    }
}
