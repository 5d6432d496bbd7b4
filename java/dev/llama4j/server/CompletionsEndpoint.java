package dev.llama4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llama4j.api.GenerationOptions;
import dev.llama4j.api.GenerationResult;
import io.javalin.http.Context;
import java.util.List;

/** {@code POST /v1/completions}: continue a text prompt (OpenAI's legacy completions API). */
final class CompletionsEndpoint {
    /** OpenAI's default for max_tokens on this endpoint. */
    static final int DEFAULT_MAX_TOKENS = 16;

    private final LlamaServer server;

    CompletionsEndpoint(LlamaServer server) {
        this.server = server;
    }

    void handle(Context ctx) {
        Requests.Completion req = Json.read(server.body(ctx), Requests.Completion.class);
        server.checkModel(req.model());
        GenerationOptions o = Params.options(req, req.maxTokens(), "max_tokens", DEFAULT_MAX_TOKENS,
                server.contextLength(), true);
        if (req.prompt() != null && !req.prompt().isNull()) {
            server.moderateInput(req.prompt().isTextual() ? req.prompt().asText() : req.prompt().toString(), "prompt");
        }
        int[] ids = promptIds(req.prompt(), o.addBos());
        server.checkPromptLength(ids, "prompt");
        boolean stream = Boolean.TRUE.equals(req.stream());
        boolean usage = req.streamOptions() != null && Boolean.TRUE.equals(req.streamOptions().includeUsage());
        String id = "cmpl-" + LlamaServer.newId();
        long created = System.currentTimeMillis() / 1000;
        String model = server.modelId();
        try (Slots.Lease lease = server.runner().acquire()) {
            if (!stream) {
                GenerationResult r = server.runner().run(lease, ids, o, Runner.Sink.NONE);
                boolean allowed = server.outputAllowed(r.text());
                var choice = new Responses.CompletionChoice(0, allowed ? r.text() : "", null,
                        LlamaServer.finishReason(r, allowed));
                server.json(ctx, new Responses.Completion(id, "text_completion", created, model, List.of(choice),
                        LlamaServer.usage(r)));
                return;
            }
            Sse sse = Sse.open(ctx);
            GenerationResult r = server.runner().run(lease, ids, o, text -> sse.send(new Responses.Completion(id,
                    "text_completion", created, model, List.of(new Responses.CompletionChoice(0, text, null, null)),
                    null)));
            var last = new Responses.CompletionChoice(0, "", null,
                    LlamaServer.finishReason(r, server.outputAllowed(r.text())));
            sse.send(new Responses.Completion(id, "text_completion", created, model, List.of(last), null));
            if (usage) {
                sse.send(new Responses.Completion(id, "text_completion", created, model, List.of(),
                        LlamaServer.usage(r)));
            }
            sse.done();
        }
    }

    /** {@code prompt}: a string, an array holding one string, or an array of token ids. */
    private int[] promptIds(JsonNode prompt, boolean addBos) {
        if (prompt == null || prompt.isNull()) {
            throw ApiError.invalid("prompt", "prompt is required: a string, or an array of token ids");
        }
        if (prompt.isTextual()) {
            return server.model().tokenizer().encode(prompt.asText(), addBos);
        }
        if (!prompt.isArray()) {
            throw ApiError.invalid("prompt", "Invalid type for 'prompt': expected a string or an array, not "
                    + prompt.getNodeType());
        }
        if (prompt.size() == 1 && prompt.get(0).isTextual()) {
            return server.model().tokenizer().encode(prompt.get(0).asText(), addBos);
        }
        if (prompt.isEmpty()) {
            throw ApiError.invalid("prompt", "prompt must not be an empty array");
        }
        int vocab = server.model().config().vocabSize();
        int[] ids = new int[prompt.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode t = prompt.get(i);
            if (t.isTextual()) {
                throw ApiError.invalid("prompt", "prompt holds " + prompt.size()
                        + " strings: this server completes one prompt per request (n = 1)");
            }
            if (!t.isIntegralNumber() || t.asLong() < 0 || t.asLong() >= vocab) {
                throw ApiError.invalid("prompt", "prompt[" + i + "] = " + t + " is not a token id: use integers 0.."
                        + (vocab - 1));
            }
            ids[i] = t.asInt();
        }
        return ids;
    }
}
