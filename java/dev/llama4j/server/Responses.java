package dev.llama4j.server;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/** Response bodies and stream chunks, mirroring OpenAI's schemas (snake_case on the wire). */
final class Responses {
    private Responses() {}

    record Usage(int promptTokens, int completionTokens, int totalTokens) {
        static Usage of(int prompt, int completion) {
            return new Usage(prompt, completion, prompt + completion);
        }
    }

    /** {@code text_completion}: a whole completion, or one stream chunk of it. */
    record Completion(String id, String object, long created, String model, List<CompletionChoice> choices,
                      @JsonInclude(JsonInclude.Include.NON_NULL) Usage usage) {}

    record CompletionChoice(int index, String text, Object logprobs, String finishReason) {}

    /** {@code chat.completion}. */
    record ChatCompletion(String id, String object, long created, String model, List<ChatChoice> choices,
                          Usage usage) {}

    record ChatChoice(int index, Message message, Object logprobs, String finishReason) {}

    record Message(String role, String content) {}

    /** {@code chat.completion.chunk}. */
    record ChatChunk(String id, String object, long created, String model, List<ChunkChoice> choices,
                     @JsonInclude(JsonInclude.Include.NON_NULL) Usage usage) {}

    record ChunkChoice(int index, Delta delta, Object logprobs, String finishReason) {}

    /** A chunk's delta: the role on the first chunk, then content; the final chunk's delta is empty. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Delta(String role, String content) {}

    /** {@code GET /v1/models}. */
    record ModelList(String object, List<Model> data) {}

    record Model(String id, String object, long created, String ownedBy) {}
}
