package dev.llama4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llama4j.api.GenerationOptions;
import dev.llama4j.sampling.SamplingParams;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Checks the parameters both endpoints share and turns them into {@link GenerationOptions}. Every error is a 400
 * naming the field and what is allowed. Defaults follow OpenAI: temperature 1, top_p 1, no penalties.
 */
final class Params {
    private Params() {}

    /** Stop strings per request at most (OpenAI's limit). */
    static final int MAX_STOPS = 4;

    /** Penalties look back over this many tokens (llama.cpp's default). */
    static final int PENALTY_WINDOW = 64;

    /**
     * The options for a request.
     *
     * @param maxTokens     the requested max tokens (or null)
     * @param maxTokensName the field it came from, for errors
     * @param defaultMax    used when {@code maxTokens} is null
     * @param contextLength the context a generation runs in: max tokens may not exceed it
     * @param addBos        prepend BOS when encoding a text prompt
     */
    static GenerationOptions options(Requests.Common r, Integer maxTokens, String maxTokensName, int defaultMax,
                                     int contextLength, boolean addBos) {
        if (r.n() != null && r.n() != 1) {
            throw ApiError.invalid("n", "n = " + r.n() + " is not supported: this server returns one choice (n = 1)");
        }
        int max = defaultMax;
        if (maxTokens != null) {
            if (maxTokens < 1 || maxTokens > contextLength) {
                throw ApiError.invalid(maxTokensName, maxTokensName + " = " + maxTokens
                        + " is not allowed: use an integer from 1 to the context length " + contextLength);
            }
            max = maxTokens;
        }
        double temperature = range(r.temperature(), 1.0, "temperature", 0, 2, true, "a number from 0 to 2");
        double topP = range(r.topP(), 1.0, "top_p", 0, 1, false, "a number in (0, 1]");
        if (r.topK() != null && r.topK() < 0) {
            throw ApiError.invalid("top_k", "top_k = " + r.topK() + " is not allowed: use an integer >= 0 (0 = off)");
        }
        double minP = range(r.minP(), 0.0, "min_p", 0, 1, true, "a number in [0, 1)");
        if (minP >= 1) {
            throw ApiError.invalid("min_p", "min_p = " + minP + " is not allowed: use a number in [0, 1)");
        }
        double freq = range(r.frequencyPenalty(), 0.0, "frequency_penalty", -2, 2, true, "a number from -2 to 2");
        double pres = range(r.presencePenalty(), 0.0, "presence_penalty", -2, 2, true, "a number from -2 to 2");
        double rep = range(r.repeatPenalty(), 1.0, "repeat_penalty", 0, 10, false, "a number in (0, 10] (1 = off)");
        long seed = r.seed() != null ? r.seed() : ThreadLocalRandom.current().nextLong();
        SamplingParams sampling = new SamplingParams((float) temperature, r.topK() == null ? 0 : r.topK(),
                (float) topP, (float) minP, (float) rep, (float) freq, (float) pres, PENALTY_WINDOW, seed);
        return new GenerationOptions(max, sampling, stops(r.stop()), addBos);
    }

    /** {@code stop}: absent, null, a non-empty string, or an array of up to 4 non-empty strings. */
    static List<String> stops(JsonNode stop) {
        if (stop == null || stop.isNull()) {
            return List.of();
        }
        if (stop.isTextual()) {
            if (stop.asText().isEmpty()) {
                throw ApiError.invalid("stop", "stop must not be an empty string");
            }
            return List.of(stop.asText());
        }
        if (!stop.isArray()) {
            throw ApiError.invalid("stop", "Invalid type for 'stop': expected a string or an array of strings, not "
                    + stop.getNodeType());
        }
        if (stop.size() > MAX_STOPS) {
            throw ApiError.invalid("stop", "stop has " + stop.size() + " strings: at most " + MAX_STOPS + " allowed");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode s : stop) {
            if (!s.isTextual() || s.asText().isEmpty()) {
                throw ApiError.invalid("stop", "stop must contain only non-empty strings, found " + s);
            }
            out.add(s.asText());
        }
        return out;
    }

    private static double range(Double v, double def, String name, double lo, double hi, boolean loInclusive,
                                String allowed) {
        if (v == null) {
            return def;
        }
        boolean ok = Double.isFinite(v) && (loInclusive ? v >= lo : v > lo) && v <= hi;
        if (!ok) {
            throw ApiError.invalid(name, name + " = " + v + " is not allowed: use " + allowed);
        }
        return v;
    }
}
