package dev.llama4j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama4j.api.LlamaModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** With --api-key, everything but /health needs {@code Authorization: Bearer KEY}. */
class AuthServerTest {
    static LlamaModel model;
    static LlamaServer server;
    static final String KEY = "s3cret-key";

    @BeforeAll
    static void start() {
        model = ServerFixture.loadModel();
        server = ServerFixture.start(model, ServerOptions.defaults().withApiKey(KEY));
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
    void requestsWithoutTheKeyGet401() throws Exception {
        String body = "{\"prompt\": \"Lily\", \"max_tokens\": 2}";
        for (String[] headers : new String[][] {{}, {"Authorization", "Bearer wrong"}, {"Authorization", KEY},
                {"Authorization", "Basic " + KEY}, {"Authorization", "Bearer " + KEY + "x"}}) {
            for (var r : new ServerFixture.Reply[] {ServerFixture.get(server, "/v1/models", headers),
                    ServerFixture.get(server, "/metrics", headers),
                    ServerFixture.post(server, "/v1/completions", body, headers),
                    ServerFixture.post(server, "/v1/chat/completions", "{}", headers)}) {
                assertEquals(401, r.status(), r.raw().body());
                assertEquals("invalid_api_key", r.json().get("error").get("code").asText());
                assertEquals("invalid_request_error", r.json().get("error").get("type").asText());
                assertTrue(r.raw().headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));
            }
        }
        var ok = ServerFixture.post(server, "/v1/completions", body, "Authorization", "Bearer " + KEY);
        assertEquals(200, ok.status(), ok.raw().body());
        assertEquals(200, ServerFixture.get(server, "/v1/models", "Authorization", "Bearer " + KEY).status());
    }

    @Test
    void healthStaysOpen() throws Exception {
        var r = ServerFixture.get(server, "/health");
        assertEquals(200, r.status());
        assertEquals("ok", r.json().get("status").asText());
    }
}
