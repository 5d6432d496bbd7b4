package dev.llama4j.api;

/**
 * Token counts of one request, as OpenAI-style APIs report them.
 *
 * @param promptTokens     tokens of the prompt (for a chat: the whole encoded dialog)
 * @param completionTokens tokens generated (a stopping EOS included)
 * @param cachedTokens     prompt tokens that were already in the KV cache and not processed again
 */
public record Usage(int promptTokens, int completionTokens, int cachedTokens) {
    public int totalTokens() {
        return promptTokens + completionTokens;
    }
}
