package dev.llama4j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llama4j.TestData;
import dev.llama4j.api.GenerationOptions;
import dev.llama4j.api.GenerationResult;
import dev.llama4j.api.LlamaContext;
import dev.llama4j.api.LlamaModel;
import dev.llama4j.api.ModelOptions;
import dev.llama4j.backend.cpu.CpuBackend;
import dev.llama4j.model.ModelFile;
import dev.llama4j.model.ModelFiles;
import dev.llama4j.model.Tokenizers;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Test support: stories260K on a one-thread Vector API backend (512-position contexts), real servers on a free
 * loopback port, and a small HTTP/SSE client on {@link HttpClient}.
 */
final class ServerFixture {
    static final ObjectMapper JSON = new ObjectMapper();
    static final int CONTEXT = 512;

    private ServerFixture() {}

    static LlamaModel loadModel() {
        ModelFile file = ModelFiles.open(TestData.model("stories260K.gguf"));
        return LlamaModel.of(file, Tokenizers.load(file, null), CpuBackend.vector(1, false),
                ModelOptions.defaults().withContextLength(CONTEXT));
    }

    /** A started server on a free loopback port. */
    static LlamaServer start(LlamaModel model, ServerOptions options, Hooks hooks) {
        return new LlamaServer(model, options.withPort(0), ChatFormats.of(model, null), hooks).startServer();
    }

    static LlamaServer start(LlamaModel model, ServerOptions options) {
        return start(model, options, Hooks.NONE);
    }

    /** What {@code LlamaContext.generate} gives for these ids, greedy, on a fresh context. */
    static GenerationResult direct(LlamaModel model, int[] ids, int maxTokens, List<String> stops) {
        try (LlamaContext ctx = model.newContext(CONTEXT)) {
            return ctx.generate(ids, new GenerationOptions(maxTokens,
                    dev.llama4j.sampling.SamplingParams.GREEDY.withSeed(0), stops, true), null);
        }
    }

    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    record Reply(int status, JsonNode json, HttpResponse<String> raw) {}

    static HttpRequest.Builder request(LlamaServer s, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path))
                .timeout(Duration.ofSeconds(60));
    }

    static Reply get(LlamaServer s, String path, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = request(s, path).GET();
        if (headers.length > 0) {
            b.headers(headers);
        }
        return reply(HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString()));
    }

    static Reply post(LlamaServer s, String path, String body, String... headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = request(s, path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return reply(HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString()));
    }

    static Reply post(LlamaServer s, String path, Map<String, Object> body) throws IOException, InterruptedException {
        return post(s, path, JSON.writeValueAsString(body));
    }

    static Reply reply(HttpResponse<String> r) {
        JsonNode json = null;
        String ct = r.headers().firstValue("Content-Type").orElse("");
        if (ct.startsWith("application/json")) {
            try {
                json = JSON.readTree(r.body());
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + r.body(), e);
            }
        }
        return new Reply(r.statusCode(), json, r);
    }

    /** Posts a streaming request and returns the parsed chunks; asserts the SSE framing and the final [DONE]. */
    static List<JsonNode> stream(LlamaServer s, String path, Map<String, Object> body)
            throws IOException, InterruptedException {
        HttpRequest req = request(s, path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build();
        HttpResponse<Stream<String>> r = HTTP.send(req, HttpResponse.BodyHandlers.ofLines());
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        List<String> lines;
        try (Stream<String> st = r.body()) {
            lines = st.toList();
        }
        List<JsonNode> chunks = new ArrayList<>();
        boolean done = false;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (i % 2 == 1) {
                assertEquals("", line, "events are separated by a blank line");
                continue;
            }
            assertTrue(line.startsWith("data: "), line);
            assertTrue(!done, "nothing may follow [DONE]");
            String data = line.substring(6);
            if (data.equals("[DONE]")) {
                done = true;
            } else {
                chunks.add(JSON.readTree(data));
            }
        }
        assertTrue(done, "the stream ends with data: [DONE]");
        return chunks;
    }

    /** Concatenated {@code choices[0].text} (completions) or {@code choices[0].delta.content} (chat) of chunks. */
    static String streamedText(List<JsonNode> chunks) {
        StringBuilder sb = new StringBuilder();
        for (JsonNode c : chunks) {
            JsonNode choices = c.get("choices");
            if (choices.isEmpty()) {
                continue;
            }
            JsonNode ch = choices.get(0);
            if (ch.has("text")) {
                sb.append(ch.get("text").asText());
            } else if (ch.get("delta").has("content")) {
                sb.append(ch.get("delta").get("content").asText());
            }
        }
        return sb.toString();
    }

    /** A metric's value in the /metrics text (the line starting with {@code name + " "}). */
    static double metric(LlamaServer s, String name) throws IOException, InterruptedException {
        Reply r = get(s, "/metrics");
        assertEquals(200, r.status());
        for (String line : r.raw().body().split("\n")) {
            if (line.startsWith(name + " ")) {
                return Double.parseDouble(line.substring(name.length() + 1));
            }
        }
        throw new AssertionError("metric " + name + " missing in\n" + r.raw().body());
    }
}
