package dev.llama4j.backend.cuda;

import jcuda.driver.CUstream;

/** A JCuda stream that exposes its raw {@code CUstream} handle for the JavaCPP kernel binding. */
public final class CudaStream extends CUstream {
    /** The raw handle ({@code CUstream} / {@code cudaStream_t}). */
    public long handle() {
        return getNativePointer();
    }
}
