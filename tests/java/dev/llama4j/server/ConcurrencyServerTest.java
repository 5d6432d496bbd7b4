package dev.llama4j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llama4j.api.GenerationResult;
import dev.llama4j.api.LlamaModel;
import dev.llama4j.api.StopReason;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Parallel generations, the bounded queue, and cancellation when a streaming client disconnects. */
class ConcurrencyServerTest {
    static LlamaModel model;

    @BeforeAll
    static void load() {
        model = ServerFixture.loadModel();
    }

    @AfterAll
    static void close() {
        if (model != null) {
            model.close();
        }
    }

    /** 32 clients stream at once; each gets exactly the greedy text of its own prompt, nothing lost or mixed. */
    @Test
    void thirtyTwoConcurrentStreamsStayApart() throws Exception {
        int clients = 32;
        int maxTokens = 10;
        String[] names = {"Lily", "Tom", "Sue", "Ben", "Max", "Mia", "Sam", "Anna"};
        List<String> prompts = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            String p = names[i % names.length] + (i < names.length ? "" : " and " + names[(i / names.length) - 1])
                    + (i % 2 == 0 ? " went" : " saw");
            prompts.add(p);
            expected.add(ServerFixture.direct(model, model.tokenizer().encode(p, true), maxTokens, List.of()).text());
        }
        assertEquals(clients, new HashSet<>(prompts).size(), "distinct prompts");
        try (LlamaServer server = ServerFixture.start(model, ServerOptions.defaults().withParallel(4).withQueue(32));
             ExecutorService pool = Executors.newFixedThreadPool(clients)) {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<List<JsonNode>>> futures = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                Map<String, Object> body = Map.of("prompt", prompts.get(i), "max_tokens", maxTokens, "temperature", 0,
                        "stream", true);
                futures.add(pool.submit(() -> {
                    go.await(30, TimeUnit.SECONDS);
                    return ServerFixture.stream(server, "/v1/completions", body);
                }));
            }
            go.countDown();
            Set<String> ids = new HashSet<>();
            for (int i = 0; i < clients; i++) {
                List<JsonNode> chunks = futures.get(i).get(120, TimeUnit.SECONDS);
                String id = chunks.getFirst().get("id").asText();
                for (JsonNode c : chunks) {
                    assertEquals(id, c.get("id").asText(), "client " + i + ": one id per stream");
                }
                assertTrue(ids.add(id), "stream ids are unique");
                assertEquals(expected.get(i), ServerFixture.streamedText(chunks), "client " + i + ": " + prompts.get(i));
                assertEquals("length", chunks.getLast().get("choices").get(0).get("finish_reason").asText());
            }
            assertEquals(0, ServerFixture.metric(server, "llama4j_active_requests"));
            assertEquals(0, ServerFixture.metric(server, "llama4j_queue_length"));
            assertEquals(clients, ServerFixture.metric(server,
                    "llama4j_requests_total{endpoint=\"/v1/completions\",status=\"200\"}"));
        }
    }

    /** With one context and a queue of one, a third request is turned away with 503 and Retry-After. */
    @Test
    void fullQueueAnswers503() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean first = new AtomicBoolean(true);
        Hooks hold = new Hooks() {
            @Override
            public void started() {
                if (first.getAndSet(false)) {
                    try {
                        release.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        };
        try (LlamaServer server = ServerFixture.start(model, ServerOptions.defaults().withParallel(1).withQueue(1),
                hold)) {
            String body = "{\"prompt\": \"Lily\", \"max_tokens\": 4, \"temperature\": 0}";
            HttpRequest req = ServerFixture.request(server, "/v1/completions")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
            CompletableFuture<HttpResponse<String>> a = ServerFixture.HTTP.sendAsync(req,
                    HttpResponse.BodyHandlers.ofString());
            awaitMetric(server, "llama4j_active_requests", 1);
            CompletableFuture<HttpResponse<String>> b = ServerFixture.HTTP.sendAsync(req,
                    HttpResponse.BodyHandlers.ofString());
            awaitMetric(server, "llama4j_queue_length", 1);
            try {
                var c = ServerFixture.post(server, "/v1/completions", body);
                assertEquals(503, c.status(), c.raw().body());
                assertEquals("1", c.raw().headers().firstValue("Retry-After").orElse(""));
                JsonNode e = c.json().get("error");
                assertEquals("server_overloaded", e.get("code").asText());
                assertEquals("server_error", e.get("type").asText());
                assertTrue(e.get("message").asText().contains("busy"));
            } finally {
                release.countDown();
            }
            HttpResponse<String> ra = a.get(60, TimeUnit.SECONDS);
            HttpResponse<String> rb = b.get(60, TimeUnit.SECONDS);
            assertEquals(200, ra.statusCode(), ra.body());
            assertEquals(200, rb.statusCode(), rb.body());
            assertEquals(ServerFixture.JSON.readTree(ra.body()).get("choices").get(0).get("text"),
                    ServerFixture.JSON.readTree(rb.body()).get("choices").get(0).get("text"));
            assertEquals(1, ServerFixture.metric(server,
                    "llama4j_requests_total{endpoint=\"/v1/completions\",status=\"503\"}"));
        }
    }

    /** A streaming client that closes its connection cancels its generation long before max_tokens. */
    @Test
    void disconnectCancelsTheGeneration() throws Exception {
        int maxTokens = 500;
        CountDownLatch closed = new CountDownLatch(1);
        CompletableFuture<GenerationResult> finished = new CompletableFuture<>();
        Hooks hooks = new Hooks() {
            @Override
            public void afterToken(int n) {
                if (n == 3) { // hold the generation until the client has gone
                    try {
                        closed.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }

            @Override
            public void finished(GenerationResult r) {
                finished.complete(r);
            }
        };
        try (LlamaServer server = ServerFixture.start(model, ServerOptions.defaults(), hooks)) {
            String body = "{\"prompt\": \"Once upon a time\", \"max_tokens\": " + maxTokens
                    + ", \"temperature\": 0, \"stream\": true}";
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
                s.setSoTimeout(30_000);
                OutputStream out = s.getOutputStream();
                out.write(("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        + "Content-Length: " + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(bytes);
                out.flush();
                InputStream in = s.getInputStream();
                StringBuilder got = new StringBuilder();
                byte[] buf = new byte[4096];
                for (int i = 0; i < 100 && !got.toString().contains("data: "); i++) {
                    int n = in.read(buf);
                    if (n < 0) {
                        break;
                    }
                    got.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                }
                assertTrue(got.toString().startsWith("HTTP/1.1 200"), got.toString());
                assertTrue(got.toString().contains("data: {"), got.toString());
            } finally {
                closed.countDown();
            }
            GenerationResult r = finished.get(60, TimeUnit.SECONDS);
            assertEquals(StopReason.CANCELLED, r.stopReason());
            assertTrue(r.generatedIds().length < 50,
                    "cancelled after " + r.generatedIds().length + " of " + maxTokens + " tokens");
            assertEquals(1, ServerFixture.metric(server, "llama4j_generations_total{reason=\"cancelled\"}"));
            assertEquals(0, ServerFixture.metric(server, "llama4j_active_requests"));
            // The context is free again: the next request is served.
            var ok = ServerFixture.post(server, "/v1/completions", Map.of("prompt", "Lily", "max_tokens", 2));
            assertEquals(200, ok.status());
        }
    }

    /** Polls /metrics (bounded: at most 20 s) until {@code name} has {@code value}. */
    static void awaitMetric(LlamaServer server, String name, double value) throws Exception {
        double v = Double.NaN;
        for (int i = 0; i < 400; i++) {
            v = ServerFixture.metric(server, name);
            if (v == value) {
                return;
            }
            Thread.sleep(50);
        }
        assertNotEquals(v, v, name + " stayed at " + v + ", expected " + value);
        assertFalse(true);
    }
}
