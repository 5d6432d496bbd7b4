package dev.llama4j.server;

import dev.llama4j.api.GenerationResult;
import dev.llama4j.api.StopReason;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;

/** The server's counters, rendered in the Prometheus text exposition format (version 0.0.4). */
final class Metrics {
    private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
    private final Map<StopReason, LongAdder> generations = new EnumMap<>(StopReason.class);
    private final LongAdder promptTokens = new LongAdder();
    private final LongAdder generatedTokens = new LongAdder();
    private final LongAdder generationNanos = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private volatile double lastTokensPerSecond;
    private final IntSupplier queued;
    private final IntSupplier active;

    Metrics(IntSupplier queued, IntSupplier active) {
        this.queued = queued;
        this.active = active;
        for (StopReason r : StopReason.values()) {
            generations.put(r, new LongAdder());
        }
    }

    /** One answered HTTP request. */
    void request(String endpoint, int status) {
        requests.computeIfAbsent(endpoint + "\u0000" + status, k -> new LongAdder()).increment();
    }

    /** One finished generation. */
    void generation(GenerationResult r) {
        generations.get(r.stopReason()).increment();
        promptTokens.add(r.promptIds().length);
        generatedTokens.add(r.generatedIds().length);
        generationNanos.add(r.timings().generationNanos());
        lastTokensPerSecond = r.timings().generationTokensPerSecond();
    }

    /** One input or output refused by the moderation hook. */
    void refused() {
        refused.increment();
    }

    long generations(StopReason reason) {
        return generations.get(reason).sum();
    }

    long requests(String endpoint, int status) {
        LongAdder a = requests.get(endpoint + "\u0000" + status);
        return a == null ? 0 : a.sum();
    }

    /** The exposition text. */
    String render() {
        StringBuilder sb = new StringBuilder(2048);
        head(sb, "llama4j_requests_total", "counter", "HTTP requests answered, by endpoint and status code.");
        for (Map.Entry<String, LongAdder> e : new TreeMap<>(requests).entrySet()) {
            String[] k = e.getKey().split("\u0000", 2);
            sb.append("llama4j_requests_total{endpoint=\"").append(escape(k[0])).append("\",status=\"").append(k[1])
                    .append("\"} ").append(e.getValue().sum()).append('\n');
        }
        head(sb, "llama4j_generations_total", "counter", "Finished generations, by stop reason.");
        for (StopReason r : StopReason.values()) {
            sb.append("llama4j_generations_total{reason=\"").append(r.json()).append("\"} ")
                    .append(generations.get(r).sum()).append('\n');
        }
        metric(sb, "llama4j_prompt_tokens_total", "counter", "Prompt tokens processed.", promptTokens.sum());
        metric(sb, "llama4j_generated_tokens_total", "counter", "Tokens generated.", generatedTokens.sum());
        metric(sb, "llama4j_moderation_refusals_total", "counter", "Inputs and outputs the moderation hook refused.",
                refused.sum());
        double seconds = generationNanos.sum() / 1e9;
        metric(sb, "llama4j_generation_seconds_total", "counter", "Time spent generating (after the prompt).",
                seconds);
        metric(sb, "llama4j_generation_tokens_per_second", "gauge",
                "Generation speed of the most recent generation.", lastTokensPerSecond);
        metric(sb, "llama4j_queue_length", "gauge", "Requests waiting for a free context.", queued.getAsInt());
        metric(sb, "llama4j_active_requests", "gauge", "Generations running now.", active.getAsInt());
        return sb.toString();
    }

    private static void head(StringBuilder sb, String name, String type, String help) {
        sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
        sb.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void metric(StringBuilder sb, String name, String type, String help, double value) {
        head(sb, name, type, help);
        sb.append(name).append(' ');
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            sb.append((long) value);
        } else {
            sb.append(String.format(Locale.ROOT, "%.6g", value));
        }
        sb.append('\n');
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
