package dev.llama4j.server;

import static dev.llama4j.server.ServerFixture.JSON;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llama4j.TestData;
import dev.llama4j.api.GenerationResult;
import dev.llama4j.api.LlamaModel;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code /v1/completions}, {@code /v1/models}, {@code /health} and {@code /metrics} on a real loopback server. */
class CompletionsServerTest {
    static LlamaModel model;
    static LlamaServer server;

    @BeforeAll
    static void start() {
        model = ServerFixture.loadModel();
        server = ServerFixture.start(model, ServerOptions.defaults().withParallel(2));
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

    /**
     * Greedy output equals the engine's: for reference prompts, the server's text and token count equal llama2.c's
     * generated ids (decoded) and a direct {@code LlamaContext.generate} call.
     */
    @Test
    void greedyCompletionMatchesReferenceAndDirectCall() throws Exception {
        JsonNode ref = JSON.readTree(TestData.reference("llama2c_stories260K_greedy.json").toFile());
        int checked = 0;
        for (JsonNode c : ref.get("cases")) {
            String id = c.get("id").asText();
            if (!List.of("once_upon", "unicode_mix", "newline").contains(id)) {
                continue;
            }
            int[] promptIds = ints(c.get("prompt_ids"));
            int[] expected = ints(c.get("generated_ids"));
            int maxTokens = c.get("steps").asInt() - promptIds.length + 1;
            var r = ServerFixture.post(server, "/v1/completions", Map.of("model", "stories260K",
                    "prompt", c.get("prompt").asText(), "max_tokens", maxTokens, "temperature", 0));
            assertEquals(200, r.status(), r.raw().body());
            JsonNode body = r.json();
            assertEquals("text_completion", body.get("object").asText());
            assertEquals("stories260K", body.get("model").asText());
            assertTrue(body.get("id").asText().startsWith("cmpl-"));
            assertTrue(body.get("created").asLong() > 1_600_000_000L);
            JsonNode choice = body.get("choices").get(0);
            assertEquals(0, choice.get("index").asInt());
            assertEquals("length", choice.get("finish_reason").asText(), id);
            String text = choice.get("text").asText();

            String refText = new String(HexFormat.of().parseHex(c.get("generated_text_utf8_hex").asText()),
                    StandardCharsets.UTF_8);
            assertEquals(refText, text, id + ": text vs llama2.c's generated ids");
            assertEquals(expected.length, body.get("usage").get("completion_tokens").asInt(), id);
            assertEquals(promptIds.length, body.get("usage").get("prompt_tokens").asInt(), id);
            assertEquals(promptIds.length + expected.length, body.get("usage").get("total_tokens").asInt(), id);

            GenerationResult direct = ServerFixture.direct(model, promptIds, maxTokens, List.of());
            assertArrayEquals(expected, direct.generatedIds(), id);
            assertEquals(direct.text(), text, id + ": text vs LlamaContext.generate");
            checked++;
        }
        assertEquals(3, checked);
    }

    @Test
    void streamingEqualsNonStreaming() throws Exception {
        Map<String, Object> req = Map.of("prompt", "Once upon a time", "max_tokens", 40, "temperature", 0,
                "stream_options", Map.of("include_usage", true));
        var plain = ServerFixture.post(server, "/v1/completions", req);
        assertEquals(200, plain.status());
        var streamReq = new java.util.HashMap<>(req);
        streamReq.put("stream", true);
        List<JsonNode> chunks = ServerFixture.stream(server, "/v1/completions", streamReq);
        assertTrue(chunks.size() > 3);
        String id = chunks.get(0).get("id").asText();
        for (JsonNode c : chunks) {
            assertEquals(id, c.get("id").asText(), "one id per stream");
            assertEquals("text_completion", c.get("object").asText());
        }
        assertEquals(plain.json().get("choices").get(0).get("text").asText(), ServerFixture.streamedText(chunks));
        // The last content chunk carries finish_reason; earlier ones carry null; then the usage chunk.
        JsonNode usageChunk = chunks.getLast();
        assertEquals(0, usageChunk.get("choices").size());
        assertEquals(plain.json().get("usage"), usageChunk.get("usage"));
        JsonNode finish = chunks.get(chunks.size() - 2).get("choices").get(0);
        assertEquals("length", finish.get("finish_reason").asText());
        for (JsonNode c : chunks.subList(0, chunks.size() - 2)) {
            assertTrue(c.get("choices").get(0).get("finish_reason").isNull());
            assertNull(c.get("usage"));
        }
    }

    @Test
    void stopStringEndsTheCompletion() throws Exception {
        var full = ServerFixture.post(server, "/v1/completions",
                Map.of("prompt", "Once upon a time", "max_tokens", 30, "temperature", 0));
        String text = full.json().get("choices").get(0).get("text").asText();
        assertTrue(text.startsWith(", there was a little"), text);
        for (Object stop : List.of("little", List.of("zzz", "little"))) {
            var r = ServerFixture.post(server, "/v1/completions",
                    Map.of("prompt", "Once upon a time", "max_tokens", 30, "temperature", 0, "stop", stop));
            assertEquals(200, r.status());
            JsonNode choice = r.json().get("choices").get(0);
            assertEquals(", there was a ", choice.get("text").asText());
            assertEquals("stop", choice.get("finish_reason").asText());
        }
    }

    @Test
    void tokenIdPromptEqualsTextPrompt() throws Exception {
        int[] ids = model.tokenizer().encode("Lily", true);
        var byText = ServerFixture.post(server, "/v1/completions",
                Map.of("prompt", "Lily", "max_tokens", 12, "temperature", 0));
        var byIds = ServerFixture.post(server, "/v1/completions",
                Map.of("prompt", ids, "max_tokens", 12, "temperature", 0));
        var byList = ServerFixture.post(server, "/v1/completions",
                Map.of("prompt", List.of("Lily"), "max_tokens", 12, "temperature", 0));
        String t = byText.json().get("choices").get(0).get("text").asText();
        assertEquals(t, byIds.json().get("choices").get(0).get("text").asText());
        assertEquals(t, byList.json().get("choices").get(0).get("text").asText());
    }

    @Test
    void seededSamplingIsReproducible() throws Exception {
        Map<String, Object> req = Map.of("prompt", "Tom", "max_tokens", 20, "temperature", 1.0, "top_p", 0.9,
                "seed", 42, "frequency_penalty", 0.5, "presence_penalty", 0.5);
        var a = ServerFixture.post(server, "/v1/completions", req);
        var b = ServerFixture.post(server, "/v1/completions", req);
        assertEquals(200, a.status(), a.raw().body());
        assertEquals(a.json().get("choices"), b.json().get("choices"));
    }

    @Test
    void modelsHealthAndMetrics() throws Exception {
        var models = ServerFixture.get(server, "/v1/models");
        assertEquals(200, models.status());
        assertEquals("list", models.json().get("object").asText());
        assertEquals(1, models.json().get("data").size());
        JsonNode m = models.json().get("data").get(0);
        assertEquals("stories260K", m.get("id").asText());
        assertEquals("model", m.get("object").asText());
        assertEquals("llama4j", m.get("owned_by").asText());

        var health = ServerFixture.get(server, "/health");
        assertEquals(200, health.status());
        assertEquals("{\"status\":\"ok\"}", health.raw().body());

        double before = ServerFixture.metric(server, "llama4j_generated_tokens_total");
        double promptBefore = ServerFixture.metric(server, "llama4j_prompt_tokens_total");
        var r = ServerFixture.post(server, "/v1/completions", Map.of("prompt", "Lily", "max_tokens", 7));
        assertEquals(200, r.status());
        assertEquals(7, r.json().get("usage").get("completion_tokens").asInt());
        assertEquals(before + 7, ServerFixture.metric(server, "llama4j_generated_tokens_total"));
        assertEquals(promptBefore + 2, ServerFixture.metric(server, "llama4j_prompt_tokens_total"));
        var metrics = ServerFixture.get(server, "/metrics");
        String text = metrics.raw().body();
        assertTrue(metrics.raw().headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
        assertTrue(text.contains("# TYPE llama4j_requests_total counter\n"), text);
        assertTrue(text.matches("(?s).*\nllama4j_requests_total\\{endpoint=\"/v1/completions\",status=\"200\"} \\d+\n.*"),
                text);
        assertTrue(text.contains("llama4j_requests_total{endpoint=\"/v1/models\",status=\"200\"} 1\n"), text);
        assertTrue(text.contains("\nllama4j_queue_length 0\n"), text);
        assertTrue(text.contains("\nllama4j_active_requests 0\n"), text);
        assertTrue(ServerFixture.metric(server, "llama4j_generation_tokens_per_second") > 0);
    }

    static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asInt();
        }
        return out;
    }
}
