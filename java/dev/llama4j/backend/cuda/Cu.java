package dev.llama4j.backend.cuda;

import jcuda.driver.CUresult;

/** Checks JCuda driver results: every call's code goes through {@link #check}. */
final class Cu {
    private Cu() {}

    /** Throws a {@link CudaException} naming {@code call} when {@code result} is not CUDA_SUCCESS. */
    static void check(int result, String call) {
        if (result != CUresult.CUDA_SUCCESS) {
            throw new CudaException(call, result, CUresult.stringFor(result), "");
        }
    }
}
