package dev.llama4j.api;

/**
 * The outcome of one generation.
 *
 * @param promptIds    the prompt's token ids (BOS first when it was added; for a chat turn the whole dialog, of
 *                     which {@code timings.promptTokens()} were processed and the rest reused from the KV cache)
 * @param generatedIds generated ids in order; a stopping EOS/BOS token is the last entry
 * @param text         the generated text (without a matched stop string)
 * @param stopReason   why it ended
 * @param timings      prompt and generation timings
 */
public record GenerationResult(int[] promptIds, int[] generatedIds, String text, StopReason stopReason,
                               Timings timings) {

    /** Token counts: the prompt as given and the generated tokens. */
    public Usage usage() {
        return new Usage(promptIds.length, generatedIds.length, promptIds.length - timings.promptTokens());
    }
}
