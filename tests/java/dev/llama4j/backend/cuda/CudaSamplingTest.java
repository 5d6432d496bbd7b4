package dev.llama4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.llama4j.backend.Backend.Buf;
import dev.llama4j.sampling.Sampler;
import dev.llama4j.sampling.SamplingParams;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The device draw ({@code sample.cu}) against the CPU sampler's math ({@link Sampler#sampleWith}) on the same
 * logits and uniform numbers, and the bandwidth probe. The chains agree exactly except where float rounding of the
 * cumulative probabilities moves a boundary past {@code u}: a mismatch is allowed only when {@code u} lies within
 * 1e-4 of a boundary of the CPU's cumulative distribution. Skipped without CUDA.
 */
class CudaSamplingTest {
    private static CudaBackend gpu;
    private static String unavailable;

    @BeforeAll
    static void open() {
        CudaAvailability a = CudaAvailability.check(0);
        if (a.ok()) {
            gpu = CudaBackend.open(0);
        } else {
            unavailable = "CUDA unavailable: " + a.reason();
        }
    }

    @BeforeEach
    void requireGpu() {
        assumeTrue(gpu != null, unavailable);
    }

    @AfterAll
    static void close() {
        if (gpu != null) {
            gpu.close();
        }
    }

    @Test
    void drawMatchesTheCpuSampler() {
        Random rnd = new Random(11);
        SamplingParams[] ps = {
            SamplingParams.defaults(1),
            new SamplingParams(1f, 1, 1f, 0f, 1f, 0f, 0f, 64, 1),
            new SamplingParams(0.5f, 7, 1f, 0f, 1f, 0f, 0f, 64, 1),
            new SamplingParams(1.5f, 1024, 0.9f, 0f, 1f, 0f, 0f, 64, 1),
            new SamplingParams(0.9f, 100, 0.5f, 0.1f, 1f, 0f, 0f, 64, 1),
        };
        int[] sizes = {5, 1000, 32000, 32003};
        int total = 0;
        int mismatches = 0;
        for (SamplingParams p : ps) {
            for (int n : sizes) {
                Buf b = gpu.buffer(n);
                for (int trial = 0; trial < 20; trial++) {
                    float[] logits = new float[n];
                    for (int i = 0; i < n; i++) {
                        // coarse values give many ties: the order (logit desc, id asc) must match too
                        logits[i] = trial % 2 == 0 ? (float) rnd.nextGaussian() * 4 : rnd.nextInt(20) * 0.5f;
                    }
                    gpu.write(b, 0, logits, n);
                    float u = rnd.nextFloat();
                    int want = new Sampler(p, n).sampleWith(logits, u);
                    int got = gpu.sample(b, n, p, u);
                    total++;
                    if (want != got) {
                        mismatches++;
                        assertTrue(nearBoundary(p, logits, u), "n " + n + " " + p + " u " + u + ": CPU picks " + want
                                + ", GPU " + got + " and u is not within 1e-4 of a CDF boundary");
                    }
                    assertEquals(Sampler.argmax(logits, n), gpu.argmax(b, n), "argmax n " + n);
                }
            }
        }
        assertTrue(mismatches <= total / 100, mismatches + " of " + total + " draws differ");
    }

    /** Whether {@code u ± 1e-4} would change the CPU's pick (u is near a CDF boundary). */
    private static boolean nearBoundary(SamplingParams p, float[] logits, float u) {
        int n = logits.length;
        Sampler s = new Sampler(p, n);
        return s.sampleWith(logits, Math.max(0f, u - 1e-4f)) != s.sampleWith(logits, Math.min(0.99999f, u + 1e-4f));
    }

    @Test
    void bandwidthProbeMeasuresACopy() {
        assertEquals("device-to-device copy", gpu.method());
        double bw = gpu.bytesPerSecond();
        // any CUDA GPU this backend supports (sm_80+) copies at well over 100 GB/s and under 20 TB/s
        assertTrue(bw > 1e11 && bw < 2e13, "bandwidth " + bw + " B/s");
        System.out.printf("device-to-device copy: %.0f GB/s%n", bw / 1e9);
    }
}
