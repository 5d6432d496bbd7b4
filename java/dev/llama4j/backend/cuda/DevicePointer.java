package dev.llama4j.backend.cuda;

import jcuda.driver.CUdeviceptr;

/**
 * A JCuda device pointer that exposes its raw address, which the JavaCPP kernel binding takes
 * ({@link CUdeviceptr} keeps it behind a protected getter).
 */
public final class DevicePointer extends CUdeviceptr {
    private final long bytes;

    DevicePointer(long bytes) {
        this.bytes = bytes;
    }

    /** The raw device address ({@code CUdeviceptr} value); 0 before allocation. */
    public long address() {
        return getNativePointer();
    }

    /** Bytes allocated at this address. */
    public long bytes() {
        return bytes;
    }
}
