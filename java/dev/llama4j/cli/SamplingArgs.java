package dev.llama4j.cli;

import dev.llama4j.Llama4jException;
import dev.llama4j.api.GenerationOptions;
import dev.llama4j.sampling.SamplingParams;
import java.util.List;
import picocli.CommandLine.Option;

/** Sampling and length options shared by the commands that generate ({@code generate}, {@code chat}). */
final class SamplingArgs {
    @Option(names = {"-n", "--max-tokens"}, defaultValue = "256", paramLabel = "N",
            description = "New tokens at most (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--temperature", defaultValue = "0.8", paramLabel = "T",
            description = "0 = greedy (default: ${DEFAULT-VALUE}).")
    float temperature;

    @Option(names = "--top-k", defaultValue = "40", paramLabel = "K", description = "0 = off (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--top-p", defaultValue = "0.95", paramLabel = "P", description = "1 = off (default: ${DEFAULT-VALUE}).")
    float topP;

    @Option(names = "--min-p", defaultValue = "0.05", paramLabel = "M", description = "0 = off (default: ${DEFAULT-VALUE}).")
    float minP;

    @Option(names = "--repeat-penalty", defaultValue = "1.0", paramLabel = "R",
            description = "1 = off (default: ${DEFAULT-VALUE}).")
    float repeatPenalty;

    @Option(names = "--frequency-penalty", defaultValue = "0", paramLabel = "F", description = "0 = off.")
    float frequencyPenalty;

    @Option(names = "--presence-penalty", defaultValue = "0", paramLabel = "P", description = "0 = off.")
    float presencePenalty;

    @Option(names = "--repeat-last-n", defaultValue = "64", paramLabel = "N",
            description = "Tokens the penalties look back over, -1 = whole context (default: ${DEFAULT-VALUE}).")
    int repeatLastN;

    @Option(names = {"-s", "--seed"}, paramLabel = "S", description = "Random seed (default: from the clock).")
    Long seed;

    @Option(names = "--stop", paramLabel = "TEXT", description = "Stop when the text contains this (repeatable).")
    List<String> stop;

    /** The validated sampling parameters (a bad value is a one-line error). */
    SamplingParams sampling() {
        try {
            long s = seed != null ? seed : System.nanoTime();
            return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, frequencyPenalty,
                    presencePenalty, repeatLastN, s);
        } catch (IllegalArgumentException e) {
            throw new Llama4jException(e.getMessage());
        }
    }

    /** The generation options, BOS added to a text prompt when {@code addBos}. */
    GenerationOptions options(boolean addBos) {
        return new GenerationOptions(maxTokens, sampling(), stop, addBos);
    }
}
