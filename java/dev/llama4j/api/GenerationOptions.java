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
 * @param stopTokens token ids that end generation like EOS (for example a chat format's end-of-turn token)
 */
public record GenerationOptions(int maxTokens, SamplingParams sampling, List<String> stop, boolean addBos,
                                List<Integer> stopTokens) {
    /** Options without extra stop tokens. */
    public GenerationOptions(int maxTokens, SamplingParams sampling, List<String> stop, boolean addBos) {
        this(maxTokens, sampling, stop, addBos, List.of());
    }

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
        stopTokens = stopTokens == null ? List.of() : List.copyOf(stopTokens);
    }

    /** These options with {@code n} new tokens at most. */
    public GenerationOptions withMaxTokens(int n) {
        return new GenerationOptions(n, sampling, stop, addBos, stopTokens);
    }

    /** These options with other sampling settings. */
    public GenerationOptions withSampling(SamplingParams s) {
        return new GenerationOptions(maxTokens, s, stop, addBos, stopTokens);
    }

    /** These options with {@code more} stop strings and stop token ids added (duplicates dropped). */
    public GenerationOptions withMoreStops(List<String> more, int[] moreTokens) {
        java.util.LinkedHashSet<String> s = new java.util.LinkedHashSet<>(stop);
        s.addAll(more);
        java.util.LinkedHashSet<Integer> t = new java.util.LinkedHashSet<>(stopTokens);
        for (int id : moreTokens) {
            t.add(id);
        }
        return new GenerationOptions(maxTokens, sampling, List.copyOf(s), addBos, List.copyOf(t));
    }

    /** Whether {@code id} ends generation as an extra stop token. */
    public boolean isStopToken(int id) {
        return stopTokens.contains(id);
    }

    /** Greedy, up to {@code maxTokens}, BOS added, no stop strings. */
    public static GenerationOptions greedy(int maxTokens) {
        return new GenerationOptions(maxTokens, SamplingParams.GREEDY, List.of(), true);
    }
}
