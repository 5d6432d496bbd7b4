package dev.llama4j.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Formats {@link BenchResult}s: an aligned text table, a markdown table like llama-bench's, or JSON. */
public final class BenchReport {
    private BenchReport() {}

    private static final String[] HEAD = {"model", "type", "size", "params", "backend", "threads", "test", "t/s",
        "GB/s", "roofline"};

    /** A JSON array with one object per test and every field (NaN values as null). */
    public static String json(List<BenchResult> rs) {
        ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ArrayNode a = m.createArrayNode();
        for (BenchResult r : rs) {
            ObjectNode o = a.addObject();
            o.put("model", r.model());
            o.put("type", r.type());
            o.put("size_bytes", r.sizeBytes());
            o.put("params", r.params());
            o.put("backend", r.backend());
            o.put("device", r.device());
            o.put("threads", r.threads());
            o.put("test", r.test());
            o.put("n_prompt", r.nPrompt());
            o.put("n_gen", r.nGen());
            o.put("reps", r.reps());
            ObjectNode t = o.putObject("tokens_per_second");
            t.put("mean", r.mean());
            t.put("stddev", r.stddev());
            ArrayNode s = t.putArray("samples");
            for (double v : r.samples()) {
                s.add(v);
            }
            num(o, "gb_per_second", r.gbPerSecond());
            num(o, "roofline_gb_per_second", r.rooflineGbPerSecond());
            num(o, "roofline_fraction", r.rooflineFraction());
            o.put("roofline_method", r.rooflineMethod());
        }
        try {
            return m.writeValueAsString(a) + System.lineSeparator();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void num(ObjectNode o, String k, double v) {
        if (Double.isFinite(v)) {
            o.put(k, v);
        } else {
            o.putNull(k);
        }
    }

    /** A markdown table like llama-bench's {@code -o md}, preceded by the device and roofline lines. */
    public static String markdown(List<BenchResult> rs) {
        StringBuilder sb = new StringBuilder(preamble(rs, "- "));
        sb.append(System.lineSeparator());
        sb.append("| ").append(String.join(" | ", HEAD)).append(" |").append(System.lineSeparator());
        sb.append("| --- | --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |").append(System.lineSeparator());
        for (List<String> row : rows(rs)) {
            sb.append("| ").append(String.join(" | ", row)).append(" |").append(System.lineSeparator());
        }
        return sb.toString();
    }

    /** An aligned text table preceded by the device and roofline lines. */
    public static String table(List<BenchResult> rs) {
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of(HEAD));
        rows.addAll(rows(rs));
        int[] w = new int[HEAD.length];
        for (List<String> row : rows) {
            for (int i = 0; i < w.length; i++) {
                w[i] = Math.max(w[i], row.get(i).length());
            }
        }
        StringBuilder sb = new StringBuilder(preamble(rs, ""));
        for (List<String> row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < w.length; i++) {
                String c = row.get(i);
                boolean left = i == 0 || i == 1 || i == 4;
                line.append(left ? c + " ".repeat(w[i] - c.length()) : " ".repeat(w[i] - c.length()) + c);
                line.append(i + 1 < w.length ? "  " : "");
            }
            sb.append(line.toString().stripTrailing()).append(System.lineSeparator());
        }
        return sb.toString();
    }

    private static String preamble(List<BenchResult> rs, String bullet) {
        Set<String> lines = new LinkedHashSet<>();
        for (BenchResult r : rs) {
            lines.add(bullet + "device: " + r.backend() + " (" + r.device() + ")");
            if (r.rooflineMethod() != null) {
                lines.add(bullet + String.format(Locale.ROOT, "roofline: %.2f GB/s (%s)", r.rooflineGbPerSecond(),
                        r.rooflineMethod()));
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String l : lines) {
            sb.append(l).append(System.lineSeparator());
        }
        return sb.toString();
    }

    private static List<List<String>> rows(List<BenchResult> rs) {
        List<List<String>> rows = new ArrayList<>();
        for (BenchResult r : rs) {
            rows.add(List.of(r.model(), r.type(), size(r.sizeBytes()), params(r.params()), r.backend(),
                    String.valueOf(r.threads()), r.test(),
                    String.format(Locale.ROOT, "%.2f ± %.2f", r.mean(), r.stddev()),
                    Double.isFinite(r.gbPerSecond()) ? String.format(Locale.ROOT, "%.2f", r.gbPerSecond()) : "",
                    Double.isFinite(r.rooflineFraction())
                            ? String.format(Locale.ROOT, "%.0f%%", 100 * r.rooflineFraction()) : ""));
        }
        return rows;
    }

    /** Bytes as llama-bench prints them: MiB below 1 GiB, else GiB. */
    static String size(long b) {
        return b < (1L << 30) ? String.format(Locale.ROOT, "%.2f MiB", b / 1048576.0)
                : String.format(Locale.ROOT, "%.2f GiB", b / 1073741824.0);
    }

    /** Parameter count as llama-bench prints it: K, M or B. */
    static String params(long n) {
        if (n >= 1_000_000_000L) {
            return String.format(Locale.ROOT, "%.2f B", n / 1e9);
        }
        if (n >= 1_000_000L) {
            return String.format(Locale.ROOT, "%.2f M", n / 1e6);
        }
        return String.format(Locale.ROOT, "%.2f K", n / 1e3);
    }
}
