package dev.llama4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * Request bodies, mirroring OpenAI's schemas (field names in snake_case on the wire). Unknown fields are ignored;
 * a field of the wrong JSON type is a 400 naming it. Fields that accept several shapes ({@code prompt},
 * {@code stop}, message {@code content}) stay JSON trees and are checked by {@link Params}.
 */
final class Requests {
    private Requests() {}

    /** Sampling and length settings shared by both endpoints. */
    interface Common {
        String model();

        Integer maxTokens();

        Double temperature();

        Double topP();

        Integer topK();

        Double minP();

        Double frequencyPenalty();

        Double presencePenalty();

        Double repeatPenalty();

        Long seed();

        Integer n();

        JsonNode stop();

        Boolean stream();

        StreamOptions streamOptions();
    }

    /** {@code POST /v1/completions}. {@code prompt}: a string, an array of one string, or an array of token ids. */
    record Completion(String model, JsonNode prompt, Integer maxTokens, Double temperature, Double topP, Integer topK,
                      Double minP, Double frequencyPenalty, Double presencePenalty, Double repeatPenalty, Long seed,
                      Integer n, JsonNode stop, Boolean stream, StreamOptions streamOptions) implements Common {}

    /** {@code POST /v1/chat/completions}. */
    record Chat(String model, List<ChatMessage> messages, Integer maxTokens, Integer maxCompletionTokens,
                Double temperature, Double topP, Integer topK, Double minP, Double frequencyPenalty,
                Double presencePenalty, Double repeatPenalty, Long seed, Integer n, JsonNode stop, Boolean stream,
                StreamOptions streamOptions) implements Common {}

    /** One chat message; {@code content} is a string or an array of {@code {"type": "text", "text": ...}} parts. */
    record ChatMessage(String role, JsonNode content, String name) {}

    /** {@code stream_options}. */
    record StreamOptions(Boolean includeUsage) {}
}
