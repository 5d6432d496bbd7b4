package dev.llama4j.backend.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

/**
 * Whether the CUDA backend can run here, and if not, why. Loads the JavaCPP kernel binding and JCuda inside
 * try/catch when {@link #check} is called (never in a static initializer), so a missing library, driver or device
 * is a reason string, not a crash.
 *
 * @param ok whether the backend can run
 * @param reason why not (null when ok)
 * @param device the device to use (null when not ok)
 */
public record CudaAvailability(boolean ok, String reason, CudaDevice device) {

    /** Reason when the JNI library was not built (no nvcc at build time) or cannot load. */
    public static final String NOT_BUILT = "native library not built";
    /** Reason when the NVIDIA driver library is missing. */
    public static final String NO_DRIVER = "no CUDA driver (libcuda.so.1 not found)";
    /** Reason when the driver sees no device. */
    public static final String NO_DEVICE = "no CUDA device";

    static CudaAvailability refused(String reason) {
        return new CudaAvailability(false, reason, null);
    }

    /** Checks library, driver and device {@code ordinal} (0 for the first). */
    public static CudaAvailability check(int ordinal) {
        try {
            CudaKernels.load();
        } catch (Throwable t) {
            return refused(NOT_BUILT + " (" + t.getClass().getSimpleName() + ": " + t.getMessage() + ")");
        }
        try (Arena arena = Arena.ofConfined()) {
            SymbolLookup.libraryLookup("libcuda.so.1", arena);
        } catch (IllegalArgumentException | IllegalCallerException e) {
            return refused(NO_DRIVER);
        }
        try {
            JCudaDriver.setExceptionsEnabled(false);
            int r = JCudaDriver.cuInit(0);
            if (r == CUresult.CUDA_ERROR_NO_DEVICE) {
                return refused(NO_DEVICE);
            }
            if (r != CUresult.CUDA_SUCCESS) {
                return refused("CUDA driver failed to initialize (cuInit: " + CUresult.stringFor(r) + ")");
            }
            int[] count = {0};
            Cu.check(JCudaDriver.cuDeviceGetCount(count), "cuDeviceGetCount");
            if (count[0] == 0) {
                return refused(NO_DEVICE);
            }
            if (ordinal < 0 || ordinal >= count[0]) {
                return refused("no CUDA device " + ordinal + " (" + count[0] + " present)");
            }
            int runtimeDevices = CudaKernels.l4j_device_count();
            if (runtimeDevices <= 0) {
                return refused("the CUDA runtime of the kernels (" + CudaKernels.l4j_runtime_version()
                        + ") cannot use the driver: " + CudaKernels.l4j_last_error_string());
            }
            return new CudaAvailability(true, null, CudaDevice.of(ordinal));
        } catch (Throwable t) {
            return refused("JCuda driver binding failed (" + t.getClass().getSimpleName() + ": " + t.getMessage()
                    + ")");
        }
    }
}
