package dev.llama4j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama4j.api.LlamaModel;
import dev.llama4j.api.Moderation;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The moderation hook judges prompts and user messages before generation and answers after it. */
class ModerationServerTest {
    static LlamaModel model;
    static LlamaServer server;
    static final List<String> seen = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() {
        model = ServerFixture.loadModel();
        Moderation m = (text, direction) -> {
            seen.add(direction + ":" + text);
            if (direction == Moderation.Direction.INPUT && text.contains("forbidden")) {
                return Moderation.Verdict.refuse("test category");
            }
            if (direction == Moderation.Direction.OUTPUT && text.contains("Lily")) {
                return Moderation.Verdict.refuse("names");
            }
            return Moderation.Verdict.ALLOW;
        };
        server = new LlamaServer(model, ServerOptions.defaults().withPort(0), ChatFormats.of(model, null),
                Hooks.NONE, m).startServer();
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

    @Test
    void refusedInputIs400NamingTheField() throws Exception {
        long before = refusals();
        var r = ServerFixture.post(server, "/v1/chat/completions",
                "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}, {\"role\": \"assistant\", \"content\": \"yo\"},"
                        + " {\"role\": \"user\", \"content\": \"something forbidden\"}], \"max_tokens\": 3}");
        assertEquals(400, r.status(), r.raw().body());
        assertEquals("content_policy_violation", r.json().get("error").get("code").asText());
        assertEquals("messages[2].content", r.json().get("error").get("param").asText());
        assertTrue(r.json().get("error").get("message").asText().contains("test category"));
        var p = ServerFixture.post(server, "/v1/completions", "{\"prompt\": \"forbidden\", \"max_tokens\": 3}");
        assertEquals(400, p.status());
        assertEquals("prompt", p.json().get("error").get("param").asText());
        assertEquals(before + 2, refusals());
    }

    private static long refusals() throws Exception {
        String body = ServerFixture.get(server, "/metrics").raw().body();
        return body.lines().filter(l -> l.startsWith("llama4j_moderation_refusals_total "))
                .mapToLong(l -> Long.parseLong(l.substring(l.indexOf(' ') + 1).trim())).findFirst().orElseThrow();
    }

    @Test
    void refusedOutputIsEmptiedWithContentFilter() throws Exception {
        // Greedy "Once upon a time" on stories260K continues ", there was a little girl named Lily."
        var r = ServerFixture.post(server, "/v1/completions",
                "{\"prompt\": \"Once upon a time\", \"max_tokens\": 20, \"temperature\": 0}");
        assertEquals(200, r.status(), r.raw().body());
        var choice = r.json().get("choices").get(0);
        assertEquals("content_filter", choice.get("finish_reason").asText());
        assertEquals("", choice.get("text").asText());
        assertTrue(seen.stream().anyMatch(s -> s.startsWith("OUTPUT:") && s.contains("Lily")), seen.toString());

        var ok = ServerFixture.post(server, "/v1/completions",
                "{\"prompt\": \"Once upon a time\", \"max_tokens\": 2, \"temperature\": 0}");
        assertEquals(200, ok.status());
        assertFalse(ok.json().get("choices").get(0).get("text").asText().isEmpty());
        assertEquals("length", ok.json().get("choices").get(0).get("finish_reason").asText());
    }
}
