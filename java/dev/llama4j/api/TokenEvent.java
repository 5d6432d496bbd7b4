package dev.llama4j.api;

/**
 * One item of a streamed generation: a token and the text it completed, or, as the last item, the result.
 *
 * @param tokenId the generated token (-1 on the last item)
 * @param text    the text this token completed (may be empty; empty on the last item)
 * @param result  the whole result on the last item, null before
 */
public record TokenEvent(int tokenId, String text, GenerationResult result) {
    /** Whether this is the final item, carrying the result. */
    public boolean isLast() {
        return result != null;
    }
}
