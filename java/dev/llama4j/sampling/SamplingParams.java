package dev.llama4j.sampling;

/**
 * Sampling settings as llama.cpp users know them. Validated at construction; an error names the parameter and
 * what is allowed.
 *
 * @param temperature      0 = greedy (argmax, lowest id on ties); otherwise logits are divided by it
 * @param topK             keep the k most likely tokens; 0 = off
 * @param topP             nucleus: keep the smallest set whose probability reaches p; 1 = off
 * @param minP             keep tokens with probability ≥ minP · max probability; 0 = off
 * @param repeatPenalty    divide positive / multiply negative logits of recent tokens; 1 = off
 * @param frequencyPenalty subtract count · f from recent tokens' logits; 0 = off
 * @param presencePenalty  subtract p once from recent tokens' logits; 0 = off
 * @param penaltyWindow    how many recent tokens the penalties look at (0 = none, -1 = the whole context)
 * @param seed             seed of the random draw
 */
public record SamplingParams(
        float temperature,
        int topK,
        float topP,
        float minP,
        float repeatPenalty,
        float frequencyPenalty,
        float presencePenalty,
        int penaltyWindow,
        long seed) {

    /** Greedy decoding, no penalties. */
    public static final SamplingParams GREEDY = new SamplingParams(0f, 0, 1f, 0f, 1f, 0f, 0f, 64, 0L);

    /** llama.cpp's defaults: temperature 0.8, top-k 40, top-p 0.95, min-p 0.05, no penalties. */
    public static SamplingParams defaults(long seed) {
        return new SamplingParams(0.8f, 40, 0.95f, 0.05f, 1f, 0f, 0f, 64, seed);
    }

    public SamplingParams {
        check(Float.isFinite(temperature) && temperature >= 0, "temperature", temperature, "a number >= 0");
        check(topK >= 0, "top_k", topK, "an integer >= 0 (0 = off)");
        check(topP > 0 && topP <= 1, "top_p", topP, "a number in (0, 1]");
        check(minP >= 0 && minP < 1, "min_p", minP, "a number in [0, 1)");
        check(Float.isFinite(repeatPenalty) && repeatPenalty > 0, "repeat_penalty", repeatPenalty,
                "a number > 0 (1 = off)");
        check(Float.isFinite(frequencyPenalty), "frequency_penalty", frequencyPenalty, "a finite number");
        check(Float.isFinite(presencePenalty), "presence_penalty", presencePenalty, "a finite number");
        check(penaltyWindow >= -1, "penalty_window", penaltyWindow, "an integer >= -1 (-1 = whole context)");
    }

    private static void check(boolean ok, String name, Object value, String allowed) {
        if (!ok) {
            throw new IllegalArgumentException(name + " = " + value + " is not allowed: use " + allowed);
        }
    }

    public boolean greedy() {
        return temperature == 0f;
    }

    public boolean hasPenalties() {
        return penaltyWindow != 0 && (repeatPenalty != 1f || frequencyPenalty != 0f || presencePenalty != 0f);
    }

    public SamplingParams withSeed(long s) {
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, frequencyPenalty, presencePenalty,
                penaltyWindow, s);
    }
}
