package dev.llama4j.backend;

import dev.llama4j.sampling.SamplingParams;

/**
 * A backend that picks the next token where the logits live, so the host reads back one token id per step instead
 * of the whole vocabulary. Optional: {@code LlamaContext} uses it when the backend has it and the sampler needs no
 * host-side state (no penalties); the uniform number of the draw comes from the host's seeded
 * {@link dev.llama4j.sampling.Rng}, so a seed gives the same tokens as the CPU sampler up to float rounding.
 */
public interface DeviceSampling {

    /** Largest top-k the device draw handles. */
    int MAX_TOP_K = 1024;

    /** Greedy: the index of the largest of {@code logits[0..n)}, the lowest on ties. Waits for the result. */
    int argmax(Backend.Buf logits, int n);

    /**
     * The sampler chain without penalties (top-k, top-p, min-p, temperature, softmax) and the draw with {@code u}
     * in [0, 1), as {@link dev.llama4j.sampling.Sampler#sampleWith} computes it. Only for parameters
     * {@link #supports} accepts. Waits for the result.
     */
    int sample(Backend.Buf logits, int n, SamplingParams p, float u);

    /** Whether the device picks tokens for {@code p}: no penalties, and greedy or top-k in 1..{@link #MAX_TOP_K}. */
    static boolean supports(SamplingParams p) {
        return !p.hasPenalties() && (p.greedy() || (p.topK() >= 1 && p.topK() <= MAX_TOP_K));
    }
}
