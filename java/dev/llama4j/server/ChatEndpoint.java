package dev.llama4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llama4j.api.GenerationOptions;
import dev.llama4j.api.GenerationResult;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** {@code POST /v1/chat/completions}: answer a dialog, formatted with the model's chat template. */
final class ChatEndpoint {
    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant");

    private final LlamaServer server;
    private final ChatFormat format;

    ChatEndpoint(LlamaServer server, ChatFormat format) {
        this.server = server;
        this.format = format;
    }

    void handle(Context ctx) {
        Requests.Chat req = Json.read(server.body(ctx), Requests.Chat.class);
        server.checkModel(req.model());
        List<ChatFormat.Turn> dialog = dialog(req.messages());
        for (int i = 0; i < dialog.size(); i++) {
            if (!dialog.get(i).role().equals("assistant")) {
                server.moderateInput(dialog.get(i).content(), "messages[" + i + "].content");
            }
        }
        boolean completionName = req.maxCompletionTokens() != null;
        ChatFormat.Prompt prompt = format.encode(dialog);
        int ctxLen = server.contextLength();
        server.checkPromptLength(prompt.ids(), "messages");
        GenerationOptions o = Params.options(req, completionName ? req.maxCompletionTokens() : req.maxTokens(),
                completionName ? "max_completion_tokens" : "max_tokens", ctxLen, ctxLen, false)
                .withMoreStops(prompt.stops(), prompt.stopTokens());
        boolean stream = Boolean.TRUE.equals(req.stream());
        boolean usage = req.streamOptions() != null && Boolean.TRUE.equals(req.streamOptions().includeUsage());
        String id = "chatcmpl-" + LlamaServer.newId();
        long created = System.currentTimeMillis() / 1000;
        String model = server.modelId();
        try (Slots.Lease lease = server.runner().acquire()) {
            if (!stream) {
                GenerationResult r = server.runner().run(lease, prompt.ids(), o, Runner.Sink.NONE);
                boolean allowed = server.outputAllowed(r.text());
                var choice = new Responses.ChatChoice(0, new Responses.Message("assistant", allowed ? r.text() : ""),
                        null, LlamaServer.finishReason(r, allowed));
                server.json(ctx, new Responses.ChatCompletion(id, "chat.completion", created, model,
                        List.of(choice), LlamaServer.usage(r)));
                return;
            }
            Sse sse = Sse.open(ctx);
            sse.send(chunk(id, created, model, new Responses.Delta("assistant", ""), null, null));
            GenerationResult r = server.runner().run(lease, prompt.ids(), o,
                    text -> sse.send(chunk(id, created, model, new Responses.Delta(null, text), null, null)));
            sse.send(chunk(id, created, model, new Responses.Delta(null, null),
                    LlamaServer.finishReason(r, server.outputAllowed(r.text())), null));
            if (usage) {
                sse.send(new Responses.ChatChunk(id, "chat.completion.chunk", created, model, List.of(),
                        LlamaServer.usage(r)));
            }
            sse.done();
        }
    }

    private static Responses.ChatChunk chunk(String id, long created, String model, Responses.Delta delta,
                                             String finish, Responses.Usage usage) {
        return new Responses.ChatChunk(id, "chat.completion.chunk", created, model,
                List.of(new Responses.ChunkChoice(0, delta, null, finish)), usage);
    }

    /** Checks roles and flattens content (a string, or text parts) into turns. */
    static List<ChatFormat.Turn> dialog(List<Requests.ChatMessage> messages) {
        if (messages == null || messages.isEmpty()) {
            throw ApiError.invalid("messages", "messages is required: a non-empty array of {role, content}");
        }
        List<ChatFormat.Turn> out = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            Requests.ChatMessage m = messages.get(i);
            String at = "messages[" + i + "]";
            if (m == null) {
                throw ApiError.invalid(at, at + " must be an object {role, content}");
            }
            if (m.role() == null || !ROLES.contains(m.role())) {
                throw ApiError.invalid(at + ".role", at + ".role = " + m.role()
                        + " is not supported: use system, developer, user or assistant");
            }
            String role = m.role().equals("developer") ? "system" : m.role();
            out.add(new ChatFormat.Turn(role, content(m.content(), at + ".content")));
        }
        return out;
    }

    private static String content(JsonNode c, String at) {
        if (c == null || c.isNull()) {
            return "";
        }
        if (c.isTextual()) {
            return c.asText();
        }
        if (!c.isArray()) {
            throw ApiError.invalid(at, "Invalid type for '" + at + "': expected a string or an array of text parts");
        }
        StringBuilder sb = new StringBuilder();
        for (JsonNode part : c) {
            JsonNode type = part.get("type");
            JsonNode text = part.get("text");
            if (type == null || !"text".equals(type.asText()) || text == null || !text.isTextual()) {
                throw ApiError.invalid(at, at + " may only hold parts of the form {\"type\": \"text\", \"text\": ...}");
            }
            sb.append(text.asText());
        }
        return sb.toString();
    }
}
