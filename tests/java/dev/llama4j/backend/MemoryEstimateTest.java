package dev.llama4j.backend;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama4j.Llama4jException;
import org.junit.jupiter.api.Test;

/** {@link MemoryEstimate}: the sums, and the error that says what to change. */
class MemoryEstimateTest {
    private static final long GB = 1_000_000_000L;

    private static MemoryEstimate cpu(long available, boolean pageable) {
        // 4 GB of weights, 4096 positions of KV at 1 MB each, 0.1 GB scratch, 0.05 GB load.
        return new MemoryEstimate("cpu", 4 * GB, "Q4_0 lane-packed 4.00 GB", pageable, 4096L * 1_000_000,
                "F32, 4096 positions × 1 context", GB / 10, GB / 20, 4096, 1_000_000,
                new MemoryInfo(available, "MemAvailable"));
    }

    @Test
    void neededIsThePartsAndPageableWeightsDoNotCount() {
        assertEquals(4 * GB + 4_096_000_000L + GB / 10 + GB / 20, cpu(20 * GB, false).needed());
        assertEquals(4_096_000_000L + GB / 10 + GB / 20, cpu(20 * GB, true).needed());
        assertTrue(cpu(20 * GB, false).fits());
        assertFalse(cpu(6 * GB, false).fits());
        assertTrue(cpu(-1, false).fits(), "unknown availability does not stop a load");
        assertTrue(cpu(-1, false).describe().endsWith("fit unknown"), cpu(-1, false).describe());
    }

    @Test
    void aModelThatFitsPassesTheCheck() {
        assertDoesNotThrow(() -> cpu(9 * GB, false).check("m.gguf"));
    }

    @Test
    void theErrorNamesTheNumbersAndAContextThatFits() {
        Llama4jException e = assertThrows(Llama4jException.class, () -> cpu(6 * GB, false).check("m.gguf"));
        String m = e.getMessage();
        assertTrue(m.startsWith("m.gguf does not fit on the CPU: it needs 8.25 GB (weights 4.00 GB, KV cache 4.10 GB"),
                m);
        assertTrue(m.contains("but 6.00 GB is available (MemAvailable)"), m);
        // Room for the KV cache: 6 − 4.15 = 1.85 GB → 1850 positions, rounded down to 1792.
        assertTrue(m.contains("try --context 1792, --kv-f16 (half the KV cache), a smaller quantization or --mapped"),
                m);
        assertFalse(m.contains("\n"), "one line");
    }

    @Test
    void whenNoContextHelpsItIsNotOffered() {
        String m = assertThrows(Llama4jException.class, () -> cpu(3 * GB, false).check("m.gguf")).getMessage();
        assertFalse(m.contains("--context"), m);
        assertTrue(m.contains("a smaller quantization"), m);
    }

    @Test
    void mappedWeightsLeaveOnlyContextAndKvAdvice() {
        String m = assertThrows(Llama4jException.class, () -> cpu(2 * GB, true).check("m.gguf")).getMessage();
        assertTrue(m.contains("it needs 4.25 GB (KV cache 4.10 GB"), m);
        assertTrue(m.endsWith("try --context 1792 or --kv-f16 (half the KV cache)"), m);
    }
}
