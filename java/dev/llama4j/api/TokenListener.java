package dev.llama4j.api;

/** Receives a generation as it happens. */
@FunctionalInterface
public interface TokenListener {
    /**
     * Called once per generated token. {@code text} is the complete UTF-8 text this token finished (empty while
     * a character spans several byte tokens, or while text might still turn out to be a stop string).
     */
    void onToken(int tokenId, String text);

    TokenListener NONE = (id, text) -> {};
}
