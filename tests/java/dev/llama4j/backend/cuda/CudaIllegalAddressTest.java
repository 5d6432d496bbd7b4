package dev.llama4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.llama4j.backend.Backend.Buf;
import org.junit.jupiter.api.Test;

/**
 * A kernel that writes to an address nothing owns: the fault surfaces at the next synchronization as a
 * {@link CudaException} (CUDA_ERROR_ILLEGAL_ADDRESS, naming the call), not as a JVM crash, and later calls fail
 * with exceptions too. An illegal address poisons the CUDA context for the rest of the process, so this test runs
 * only when {@code -Dllama4j.cuda.illegalAddressTest=true} is set: {@code ci/run-gpu.sh} runs it alone in its own
 * JVM, after the other GPU tests. Skipped otherwise (and without CUDA).
 */
class CudaIllegalAddressTest {
    static final String PROPERTY = "llama4j.cuda.illegalAddressTest";

    @Test
    void illegalAddressIsAnExceptionNotACrash() {
        assumeTrue(Boolean.getBoolean(PROPERTY),
                "poisons the CUDA context: run alone with -D" + PROPERTY + "=true (ci/run-gpu.sh does)");
        CudaAvailability a = CudaAvailability.check(0);
        assumeTrue(a.ok(), "CUDA unavailable: " + a.reason());
        CudaBackend gpu = CudaBackend.open(0);
        Buf x = gpu.buffer(16);
        // an address far beyond any allocation (the launch itself succeeds; the kernel faults)
        CudaKernels.check(CudaKernels.l4j_fault(1, 0x7f00_0000_0000L, gpu.streamHandle()), "l4j_fault(1)");
        CudaException e = assertThrows(CudaException.class, () -> gpu.read(x, 0, new float[16], 16));
        assertEquals("cuStreamSynchronize", e.call());
        assertEquals(700, e.code());
        assertTrue(e.getMessage().contains("CUDA_ERROR_ILLEGAL_ADDRESS"), e.getMessage());
        // the context is poisoned: later calls are exceptions as well, never a crash
        assertThrows(CudaException.class, () -> gpu.buffer(16));
        assertDoesNotThrow(gpu::close);
    }
}
