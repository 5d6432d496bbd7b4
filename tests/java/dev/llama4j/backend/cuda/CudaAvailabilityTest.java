package dev.llama4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class CudaAvailabilityTest {

    @Test
    void reportsAReasonOrADevice() {
        CudaAvailability a = CudaAvailability.check(0);
        CudaAvailability again = CudaAvailability.check(0);  // a second check must not crash either
        assertTrue(a.ok() == again.ok());
        if (a.ok()) {
            assertNull(a.reason());
            assertNotNull(a.device());
            assertFalse(a.device().name().isBlank());
        } else {
            assertNull(a.device());
            assertNotNull(a.reason());
            boolean driverPresent = Files.exists(Path.of("/usr/lib/x86_64-linux-gnu/libcuda.so.1"))
                    || Files.exists(Path.of("/usr/lib64/libcuda.so.1"));
            if (!driverPresent && !a.reason().startsWith(CudaAvailability.NOT_BUILT)) {
                assertTrue(a.reason().equals(CudaAvailability.NO_DRIVER), a.reason());
            }
            assertTrue(a.reason().startsWith(CudaAvailability.NOT_BUILT)
                    || a.reason().startsWith("no CUDA")
                    || a.reason().startsWith("CUDA driver")
                    || a.reason().startsWith("the CUDA runtime"), a.reason());
        }
    }

    @Test
    void openWithoutCudaIsAClearError() {
        CudaAvailability a = CudaAvailability.check(0);
        if (a.ok()) {
            try (CudaBackend b = CudaBackend.open(0)) {
                assertTrue(b.description().contains(a.device().name()));
            }
            return;
        }
        var e = org.junit.jupiter.api.Assertions.assertThrows(
                dev.llama4j.Llama4jException.class, () -> CudaBackend.open(0));
        assertTrue(e.getMessage().contains(a.reason()), e.getMessage());
    }

    @Test
    void nativeLibraryLoadsWhereBuilt() {
        // where the cuda profile built the JNI library, loading it needs no GPU and no driver
        boolean built = CudaAvailabilityTest.class.getResource(
                        "/dev/llama4j/backend/cuda/linux-x86_64/libjniCudaKernels.so") != null;
        CudaAvailability a = CudaAvailability.check(0);
        if (built) {
            assertFalse(a.reason() != null && a.reason().startsWith(CudaAvailability.NOT_BUILT), a.reason());
            assertTrue(CudaKernels.l4j_runtime_version() >= 12000);
            assertTrue(CudaKernels.l4j_type_supported(2) == 1 && CudaKernels.l4j_type_supported(3) == 0);
            int code = CudaKernels.l4j_rms_norm(0, 0, 0, 0, 1, 1e-5f, 0);  // argument error, no device touched
            var e = org.junit.jupiter.api.Assertions.assertThrows(
                    CudaException.class, () -> CudaKernels.check(code, "l4j_rms_norm"));
            assertTrue(e.getMessage().contains("L4J_ERR_ARG") && e.getMessage().contains("l4j_rms_norm"),
                    e.getMessage());
        } else {
            assertTrue(a.reason().startsWith(CudaAvailability.NOT_BUILT), a.reason());
        }
    }
}
