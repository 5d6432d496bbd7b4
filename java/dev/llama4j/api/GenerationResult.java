package dev.llama4j.api;

/**
 * The outcome of one generation.
 *
 * @param promptIds    the prompt's token ids as processed (BOS first when it was added)
 * @param generatedIds generated ids in order; a stopping EOS/BOS token is the last entry
 * @param text         the generated text (without a matched stop string)
 * @param stopReason   why it ended
 * @param timings      prompt and generation timings
 */
public record GenerationResult(int[] promptIds, int[] generatedIds, String text, StopReason stopReason,
                               Timings timings) {}
