package dev.llama4j.backend.cuda;

import dev.llama4j.Llama4jException;

/** A failed CUDA call: names the call and carries the error code and its symbolic name. */
public class CudaException extends Llama4jException {
    private final String call;
    private final int code;
    private final String codeName;

    public CudaException(String call, int code, String codeName, String detail) {
        super("CUDA error in " + call + ": " + codeName + " (" + code + ")"
                + (detail == null || detail.isEmpty() ? "" : ": " + detail));
        this.call = call;
        this.code = code;
        this.codeName = codeName;
    }

    /** The failing call, e.g. {@code cuMemAlloc} or {@code l4j_mmvq}. */
    public String call() {
        return call;
    }

    /** The CUresult / cudaError_t / L4J_ERR_* code. */
    public int code() {
        return code;
    }

    /** The code's symbolic name, e.g. {@code CUDA_ERROR_ILLEGAL_ADDRESS}. */
    public String codeName() {
        return codeName;
    }
}
