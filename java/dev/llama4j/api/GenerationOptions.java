package dev.llama4j.api;

import dev.llama4j.Llama4jException;
import dev.llama4j.sampling.SamplingParams;
import java.util.List;

/**
 * Per-request generation settings.
 *
 * @param maxTokens new tokens at most (≥ 1)
 * @param sampling  the sampler chain's settings
 * @param stop      stop strings: generation ends when the text contains one (it is not part of the result)
 * @param addBos    prepend BOS to the prompt (the model's usual input)
 */
public record GenerationOptions(int maxTokens, SamplingParams sampling, List<String> stop, boolean addBos) {
    public GenerationOptions {
        if (maxTokens < 1) {
            throw new Llama4jException("max_tokens = " + maxTokens + " is not allowed: use an integer >= 1");
        }
        if (sampling == null) {
            throw new Llama4jException("sampling parameters are required");
        }
        stop = stop == null ? List.of() : List.copyOf(stop);
        for (String s : stop) {
            if (s.isEmpty()) {
                throw new Llama4jException("stop strings must not be empty");
            }
        }
    }

    /** Greedy, up to {@code maxTokens}, BOS added, no stop strings. */
    public static GenerationOptions greedy(int maxTokens) {
        return new GenerationOptions(maxTokens, SamplingParams.GREEDY, List.of(), true);
    }
}
