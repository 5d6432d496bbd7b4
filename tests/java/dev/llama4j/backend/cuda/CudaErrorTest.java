package dev.llama4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.llama4j.backend.Backend.Buf;
import org.junit.jupiter.api.Test;

/**
 * CUDA errors become {@link CudaException}s naming the call and the code, and the backend stays usable after an
 * error that does not poison the context: an argument the launcher rejects, and a launch the runtime rejects.
 * (An illegal address poisons the context for the whole process: {@link CudaIllegalAddressTest} runs in its own
 * JVM.) Skipped without CUDA.
 */
class CudaErrorTest {

    @Test
    void launcherArgumentErrorsAndRejectedLaunchesAreExceptions() {
        CudaAvailability a = CudaAvailability.check(0);
        assumeTrue(a.ok(), "CUDA unavailable: " + a.reason());
        try (CudaBackend gpu = CudaBackend.open(0)) {
            Buf x = gpu.buffer(100);
            gpu.write(x, 0, new float[100], 100);
            // 1. the launcher validates its arguments: n = 0 is refused before anything launches
            CudaException e = assertThrows(CudaException.class, () -> gpu.argmax(x, 0));
            assertEquals("l4j_argmax", e.call());
            assertEquals(-1, e.code());
            assertEquals("L4J_ERR_ARG", e.codeName());
            assertTrue(e.getMessage().contains("n must be positive"), e.getMessage());
            // 2. a launch the runtime rejects (2048 threads per block): the launch check reports it
            CudaException bad = assertThrows(CudaException.class,
                    () -> CudaKernels.check(CudaKernels.l4j_fault(0, 0, gpu.streamHandle()), "l4j_fault(0)"));
            assertEquals("l4j_fault(0)", bad.call());
            assertEquals("cudaErrorInvalidConfiguration", bad.codeName());
            assertEquals(9, bad.code());
            // 3. the context is still usable
            float[] v = new float[100];
            v[37] = 5f;
            gpu.write(x, 0, v, 100);
            assertEquals(37, gpu.argmax(x, 100));
        }
    }
}
