package dev.llama4j.backend;

import dev.llama4j.Llama4jException;

/**
 * What a loaded model will be asked to hold, for the memory estimate ({@link MemoryEstimate}): contexts of
 * {@code contextLength} positions, each with buffers for prompt steps of {@code batch} tokens.
 */
public record Workload(int contextLength, int batch, int contexts) {
    public Workload {
        if (contextLength < 1 || batch < 1 || contexts < 1) {
            throw new Llama4jException("workload: context length (" + contextLength + "), batch (" + batch
                    + ") and contexts (" + contexts + ") must all be >= 1");
        }
    }
}
