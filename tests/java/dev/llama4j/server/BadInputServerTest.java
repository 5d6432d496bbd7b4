package dev.llama4j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llama4j.api.LlamaModel;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kind of bad request gets a 4xx with an OpenAI-style error object naming the field, and the server keeps
 * serving: a valid request succeeds after each bad one.
 */
class BadInputServerTest {
    static LlamaModel model;
    static LlamaServer server;
    static final int MAX_BODY = 64 * 1024;

    @BeforeAll
    static void start() {
        model = ServerFixture.loadModel();
        server = ServerFixture.start(model, ServerOptions.defaults().withMaxBody(MAX_BODY));
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

    static final String C = "/v1/completions";
    static final String CHAT = "/v1/chat/completions";
    static final String LONG = "\"" + "hello world ".repeat(600) + "\"";

    static Stream<Arguments> cases() {
        return Stream.of(
                // path, body, status, param (null = none), code (null = none)
                Arguments.of(C, "{\"prompt\": \"x\",", 400, null, null),
                Arguments.of(C, "not json", 400, null, null),
                Arguments.of(C, "", 400, null, null),
                Arguments.of(C, "[1, 2]", 400, null, null),
                Arguments.of(C, "{\"prompt\": \"x\"} {}", 400, null, null),
                Arguments.of(C, "{}", 400, "prompt", null),
                Arguments.of(C, "{\"prompt\": 5}", 400, "prompt", null),
                Arguments.of(C, "{\"prompt\": [1, 99999]}", 400, "prompt", null),
                Arguments.of(C, "{\"prompt\": [\"a\", \"b\"]}", 400, "prompt", null),
                Arguments.of(C, "{\"prompt\": " + LONG + "}", 400, "prompt", null),
                Arguments.of(C, "{\"prompt\": \"x\", \"max_tokens\": \"5\"}", 400, "max_tokens", null),
                Arguments.of(C, "{\"prompt\": \"x\", \"max_tokens\": 2.5}", 400, "max_tokens", null),
                Arguments.of(C, "{\"prompt\": \"x\", \"max_tokens\": -3}", 400, "max_tokens", null),
                Arguments.of(C, "{\"prompt\": \"x\", \"max_tokens\": 0}", 400, "max_tokens", null),
                Arguments.of(C, "{\"prompt\": \"x\", \"max_tokens\": 100000}", 400, "max_tokens", null),
                Arguments.of(C, "{\"prompt\": \"x\", \"max_tokens\": 99999999999}", 400, "max_tokens", null),
                Arguments.of(C, "{\"prompt\": \"x\", \"temperature\": -0.5}", 400, "temperature", null),
                Arguments.of(C, "{\"prompt\": \"x\", \"temperature\": 2.5}", 400, "temperature", null),
                Arguments.of(C, "{\"prompt\": \"x\", \"temperature\": \"hot\"}", 400, "temperature", null),
                Arguments.of(C, "{\"prompt\": \"x\", \"top_p\": 0}", 400, "top_p", null),
                Arguments.of(C, "{\"prompt\": \"x\", \"top_p\": 1.5}", 400, "top_p", null),
                Arguments.of(C, "{\"prompt\": \"x\", \"frequency_penalty\": 3}", 400, "frequency_penalty", null),
                Arguments.of(C, "{\"prompt\": \"x\", \"presence_penalty\": -3}", 400, "presence_penalty", null),
                Arguments.of(C, "{\"prompt\": \"x\", \"n\": 2}", 400, "n", null),
                Arguments.of(C, "{\"prompt\": \"x\", \"seed\": \"abc\"}", 400, "seed", null),
                Arguments.of(C, "{\"prompt\": \"x\", \"stream\": \"yes\"}", 400, "stream", null),
                Arguments.of(C, "{\"prompt\": \"x\", \"stop\": 7}", 400, "stop", null),
                Arguments.of(C, "{\"prompt\": \"x\", \"stop\": \"\"}", 400, "stop", null),
                Arguments.of(C, "{\"prompt\": \"x\", \"stop\": [\"a\",\"b\",\"c\",\"d\",\"e\"]}", 400, "stop", null),
                Arguments.of(C, "{\"prompt\": \"x\", \"stream_options\": 5}", 400, "stream_options", null),
                Arguments.of(C, "{\"prompt\": \"x\", \"model\": \"gpt-4\"}", 404, "model", "model_not_found"),
                Arguments.of(C, "{\"prompt\": \"x\", \"model\": 7}", 400, "model", null),
                Arguments.of(CHAT, "{}", 400, "messages", null),
                Arguments.of(CHAT, "{\"messages\": []}", 400, "messages", null),
                Arguments.of(CHAT, "{\"messages\": \"hi\"}", 400, "messages", null),
                Arguments.of(CHAT, "{\"messages\": [5]}", 400, "messages[0]", null),
                Arguments.of(CHAT, "{\"messages\": [{\"role\": \"robot\", \"content\": \"x\"}]}", 400,
                        "messages[0].role", null),
                Arguments.of(CHAT, "{\"messages\": [{\"role\": \"user\", \"content\": 5}]}", 400,
                        "messages[0].content", null),
                Arguments.of(CHAT, "{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"image_url\"}]}]}",
                        400, "messages[0].content", null),
                Arguments.of(CHAT, "{\"messages\": [{\"role\": \"assistant\", \"content\": \"x\"}]}", 400, "messages",
                        null),
                Arguments.of(CHAT, "{\"messages\": [{\"role\": \"user\", \"content\": " + LONG + "}]}", 400,
                        "messages", null),
                Arguments.of(CHAT, "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"max_tokens\": -1}",
                        400, "max_tokens", null),
                Arguments.of(CHAT, "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], "
                        + "\"max_completion_tokens\": 100000}", 400, "max_completion_tokens", null),
                Arguments.of(CHAT, "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"n\": 3}", 400, "n",
                        null),
                Arguments.of(CHAT, "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"model\": \"other\"}",
                        404, "model", "model_not_found"),
                Arguments.of(CHAT, "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"top_p\": -1}", 400,
                        "top_p", null));
    }

    @ParameterizedTest(name = "[{index}] {0} {1} -> {2} {3}")
    @MethodSource("cases")
    void badRequestIsAnsweredAndServerKeepsServing(String path, String body, int status, String param, String code)
            throws Exception {
        var r = ServerFixture.post(server, path, body);
        assertError(r, status, param, code);
        assertServes();
    }

    @Test
    void oversizedBodiesAre413() throws Exception {
        byte[] big = new byte[MAX_BODY + 1];
        Arrays.fill(big, (byte) ' ');
        big[0] = '{';
        big[big.length - 1] = '}';
        // With a Content-Length.
        var r = ServerFixture.reply(ServerFixture.HTTP.send(ServerFixture.request(server, C)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(big)).build(),
                HttpResponse.BodyHandlers.ofString()));
        assertError(r, 413, null, "request_too_large");
        assertServes();
        // Chunked, without a Content-Length.
        var chunked = ServerFixture.reply(ServerFixture.HTTP.send(ServerFixture.request(server, C)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big))).build(),
                HttpResponse.BodyHandlers.ofString()));
        assertError(chunked, 413, null, "request_too_large");
        assertServes();
    }

    @Test
    void unknownUrlsAre404AndUnknownFieldsAreIgnored() throws Exception {
        var r = ServerFixture.get(server, "/v2/nothing");
        assertError(r, 404, null, "unknown_url");
        var ok = ServerFixture.post(server, C,
                "{\"prompt\": \"Lily\", \"max_tokens\": 3, \"logit_bias\": {}, \"user\": \"u1\", \"whatever\": [1]}");
        assertEquals(200, ok.status(), ok.raw().body());
        assertServes();
    }

    static void assertError(ServerFixture.Reply r, int status, String param, String code) {
        assertEquals(status, r.status(), r.raw().body());
        assertNotNull(r.json(), "an error is a JSON body: " + r.raw().body());
        JsonNode e = r.json().get("error");
        assertNotNull(e, r.raw().body());
        assertTrue(e.get("message").isTextual() && !e.get("message").asText().isBlank(), r.raw().body());
        assertTrue(e.get("type").asText().equals("invalid_request_error"), r.raw().body());
        assertTrue(e.has("param") && e.has("code"), r.raw().body());
        if (param == null) {
            assertTrue(e.get("param").isNull(), r.raw().body());
        } else {
            assertEquals(param, e.get("param").asText(), r.raw().body());
            assertTrue(e.get("message").asText().contains(param.replaceAll("\\[.*", "")), r.raw().body());
        }
        if (code != null) {
            assertEquals(code, e.get("code").asText());
        }
    }

    static void assertServes() throws Exception {
        var ok = ServerFixture.post(server, C, "{\"prompt\": \"Lily\", \"max_tokens\": 2, \"temperature\": 0}");
        assertEquals(200, ok.status(), ok.raw().body());
        assertEquals(2, ok.json().get("usage").get("completion_tokens").asInt());
    }
}
