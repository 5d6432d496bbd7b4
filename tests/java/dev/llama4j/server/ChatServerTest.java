package dev.llama4j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.llama4j.api.GenerationResult;
import dev.llama4j.api.LlamaModel;
import dev.llama4j.chat.ChatTemplate;
import dev.llama4j.chat.Message;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code /v1/chat/completions} on a real loopback server: non-streaming and streaming, checked against the chat
 * template plus a direct {@code LlamaContext.generate}; and LangChain4j's OpenAI client talking to it unchanged.
 */
class ChatServerTest {
    static LlamaModel model;
    static LlamaServer server;
    static final String KEY = "test-key-123";

    @BeforeAll
    static void start() {
        model = ServerFixture.loadModel();
        server = ServerFixture.start(model, ServerOptions.defaults().withParallel(2).withApiKey(KEY));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (model != null) {
            model.close();
        }
    }

    /** The greedy answer the engine gives for this dialog, through the model's own chat template. */
    static GenerationResult expected(List<Message> dialog, int maxTokens) {
        ChatTemplate t = model.chatTemplate(null);
        int[] ids = t.encode(dialog, model.tokenizer(), true);
        try (var ctx = model.newContext(ServerFixture.CONTEXT)) {
            var o = new dev.llama4j.api.GenerationOptions(maxTokens, dev.llama4j.sampling.SamplingParams.GREEDY,
                    List.of(), false).withMoreStops(t.stopStrings(), t.stopTokens());
            return ctx.generate(ids, o, null);
        }
    }

    static final List<Message> DIALOG = List.of(Message.system("You tell short stories."),
            Message.user("Once upon a time"), Message.assistant("there was a cat."), Message.user("What next?"));

    static Map<String, Object> body(boolean stream) {
        Map<String, Object> b = new HashMap<>();
        b.put("model", "stories260K");
        b.put("messages", DIALOG.stream().map(m -> Map.of("role", m.role(), "content", m.content())).toList());
        b.put("max_tokens", 40);
        b.put("temperature", 0);
        if (stream) {
            b.put("stream", true);
        }
        return b;
    }

    @Test
    void chatCompletionEqualsDirectGeneration() throws Exception {
        GenerationResult want = expected(DIALOG, 40);
        assertFalse(want.text().isEmpty());
        var r = ServerFixture.post(server, "/v1/chat/completions",
                ServerFixture.JSON.writeValueAsString(body(false)), "Authorization", "Bearer " + KEY);
        assertEquals(200, r.status(), r.raw().body());
        JsonNode b = r.json();
        assertEquals("chat.completion", b.get("object").asText());
        assertTrue(b.get("id").asText().startsWith("chatcmpl-"));
        JsonNode choice = b.get("choices").get(0);
        assertEquals("assistant", choice.get("message").get("role").asText());
        assertEquals(want.text(), choice.get("message").get("content").asText());
        assertEquals(LlamaServer.finishReason(want), choice.get("finish_reason").asText());
        assertEquals(want.promptIds().length, b.get("usage").get("prompt_tokens").asInt());
        assertEquals(want.generatedIds().length, b.get("usage").get("completion_tokens").asInt());
    }

    @Test
    void streamingChatEqualsNonStreaming() throws Exception {
        GenerationResult want = expected(DIALOG, 40);
        // The fixture's stream helper sends no key: use a keyless server for the raw SSE check.
        try (LlamaServer open = ServerFixture.start(model, ServerOptions.defaults())) {
            List<JsonNode> chunks = ServerFixture.stream(open, "/v1/chat/completions", body(true));
            assertEquals("assistant", chunks.getFirst().get("choices").get(0).get("delta").get("role").asText());
            for (JsonNode c : chunks) {
                assertEquals("chat.completion.chunk", c.get("object").asText());
            }
            JsonNode last = chunks.getLast().get("choices").get(0);
            assertEquals(LlamaServer.finishReason(want), last.get("finish_reason").asText());
            assertEquals(0, last.get("delta").size(), "the final delta is empty");
            assertEquals(want.text(), ServerFixture.streamedText(chunks));
        }
    }

    @Test
    void langChain4jChat() {
        OpenAiChatModel client = OpenAiChatModel.builder().baseUrl("http://127.0.0.1:" + server.port() + "/v1")
                .apiKey(KEY).modelName("stories260K").temperature(0.0).maxTokens(30)
                .timeout(Duration.ofSeconds(60)).build();
        ChatResponse r = client.chat(SystemMessage.from("You tell short stories."),
                UserMessage.from("Once upon a time"));
        GenerationResult want = expected(List.of(Message.system("You tell short stories."),
                Message.user("Once upon a time")), 30);
        assertEquals(want.text(), r.aiMessage().text());
        assertEquals(want.generatedIds().length, r.tokenUsage().outputTokenCount());
        assertEquals(want.promptIds().length, r.tokenUsage().inputTokenCount());
        assertEquals("stories260K", r.metadata().modelName());
    }

    @Test
    void langChain4jStreamingChat() throws Exception {
        OpenAiStreamingChatModel client = OpenAiStreamingChatModel.builder()
                .baseUrl("http://127.0.0.1:" + server.port() + "/v1").apiKey(KEY).modelName("stories260K")
                .temperature(0.0).maxTokens(30).timeout(Duration.ofSeconds(60)).build();
        StringBuilder partial = new StringBuilder();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        client.chat(List.of(UserMessage.from("Once upon a time"), AiMessage.from("there was a dog."),
                UserMessage.from("Tell me more")), new StreamingChatResponseHandler() {
                    @Override
                    public void onPartialResponse(String text) {
                        partial.append(text);
                    }

                    @Override
                    public void onCompleteResponse(ChatResponse response) {
                        done.complete(response);
                    }

                    @Override
                    public void onError(Throwable error) {
                        done.completeExceptionally(error);
                    }
                });
        ChatResponse r = done.get(60, TimeUnit.SECONDS);
        GenerationResult want = expected(List.of(Message.user("Once upon a time"), Message.assistant("there was a dog."),
                Message.user("Tell me more")), 30);
        assertFalse(want.text().isEmpty());
        assertEquals(want.text(), partial.toString());
        assertEquals(want.text(), r.aiMessage().text());
    }
}
