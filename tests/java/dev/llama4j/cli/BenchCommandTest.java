package dev.llama4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llama4j.TestData;
import dev.llama4j.gguf.GgufFile;
import dev.llama4j.tensor.Tensor;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code llama4j bench} and {@code llama4j synth} end to end: structure and consistency, never timings. */
class BenchCommandTest {
    static final String TINY = "custom:dim=64,ffn=96,layers=2,heads=4,kv_heads=2,vocab=300";

    @TempDir
    Path tmp;

    @Test
    void jsonHasOneObjectPerTestWithEveryField() throws Exception {
        Path model = TestData.model("stories260K.gguf");
        long size = 0;
        long params = 0;
        try (GgufFile g = GgufFile.open(model)) {
            for (Tensor t : g.tensors()) {
                size += t.data().byteSize();
                params += t.elementCount();
            }
        }
        for (String[] src : List.of(new String[] {"-m", model.toString()}, new String[] {"--synthetic", TINY + ":Q4_0"})) {
            CliTest.Run r = CliTest.run("bench", src[0], src[1], "-p", "16", "-n", "8", "-r", "2", "--warm-up", "0",
                    "--backend", "cpu", "-t", "2", "-o", "json");
            assertEquals(0, r.exit(), r.err());
            JsonNode a = new ObjectMapper().readTree(r.out());
            assertTrue(a.isArray());
            assertEquals(2, a.size());
            JsonNode pp = a.get(0);
            JsonNode tg = a.get(1);
            assertEquals("pp16", pp.get("test").asText());
            assertEquals("tg8", tg.get("test").asText());
            assertEquals(16, pp.get("n_prompt").asInt());
            assertEquals(0, pp.get("n_gen").asInt());
            assertEquals(0, tg.get("n_prompt").asInt());
            assertEquals(8, tg.get("n_gen").asInt());
            for (JsonNode o : a) {
                for (String f : List.of("model", "type", "size_bytes", "params", "backend", "device", "threads", "test",
                        "n_prompt", "n_gen", "reps", "tokens_per_second", "gb_per_second", "roofline_gb_per_second",
                        "roofline_fraction", "roofline_method")) {
                    assertTrue(o.has(f), "missing " + f + " in " + o);
                }
                assertEquals("cpu", o.get("backend").asText());
                assertEquals(2, o.get("threads").asInt());
                assertEquals(2, o.get("reps").asInt());
                JsonNode tps = o.get("tokens_per_second");
                assertEquals(2, tps.get("samples").size());
                double mean = (tps.get("samples").get(0).asDouble() + tps.get("samples").get(1).asDouble()) / 2;
                assertEquals(mean, tps.get("mean").asDouble(), 1e-9 * mean);
                assertTrue(tps.get("mean").asDouble() > 0);
                assertTrue(tps.get("stddev").asDouble() >= 0);
                assertTrue(o.get("roofline_gb_per_second").asDouble() > 0);
                assertTrue(o.get("roofline_method").asText().contains("read"));
                assertTrue(o.get("device").asText().contains("CPU"));
            }
            assertTrue(pp.get("gb_per_second").isNull());
            assertTrue(pp.get("roofline_fraction").isNull());
            double gb = tg.get("gb_per_second").asDouble();
            assertTrue(gb > 0);
            assertEquals(gb / tg.get("roofline_gb_per_second").asDouble(), tg.get("roofline_fraction").asDouble(),
                    1e-9);
            if (src[0].equals("-m")) {
                assertEquals("stories260K.gguf", pp.get("model").asText());
                assertEquals("F32", pp.get("type").asText());
                assertEquals(size, pp.get("size_bytes").asLong());
                assertEquals(params, pp.get("params").asLong());
                // decode reads everything but the embedding table (one row of it): 512 rows of 64 floats
                double readPerToken = size - 512 * 64 * 4 + 64 * 4;
                assertEquals(readPerToken * tg.get("tokens_per_second").get("mean").asDouble() / 1e9, gb, 1e-9 * gb);
            } else {
                assertEquals("synthetic " + TINY, pp.get("model").asText());
                assertEquals("Q4_0", pp.get("type").asText());
                long p = 2L * 300 * 64 + 2 * (2 * 64 * 64 + 2 * 64 * 32 + 3 * 64 * 96 + 2 * 64) + 64;
                assertEquals(p, pp.get("params").asLong());
            }
        }
    }

    @Test
    void tableAndMarkdownListBothTests() {
        for (String[] src : List.of(new String[] {"-m", TestData.model("stories260K.gguf").toString()},
                new String[] {"--synthetic", TINY + ":Q8_0"})) {
            CliTest.Run md = CliTest.run("bench", src[0], src[1], "-p", "8", "-n", "4", "-r", "1", "--warm-up", "0",
                    "-o", "md");
            assertEquals(0, md.exit(), md.err());
            List<String> lines = md.out().lines().filter(l -> l.startsWith("|")).toList();
            assertEquals(4, lines.size(), md.out());
            assertEquals("| model | type | size | params | backend | threads | test | t/s | GB/s | roofline |",
                    lines.get(0));
            assertTrue(lines.get(1).startsWith("| --- |"));
            assertTrue(lines.get(2).contains("| pp8 |"), lines.get(2));
            assertTrue(lines.get(3).contains("| tg4 |"), lines.get(3));
            assertTrue(lines.get(3).matches(".*\\| [0-9.]+ ± 0\\.00 \\| [0-9.]+ \\| [0-9]+% \\|"), lines.get(3));
            assertTrue(md.out().contains("- device: cpu ("), md.out());

            CliTest.Run t = CliTest.run("bench", src[0], src[1], "-p", "8", "-n", "4", "-r", "1", "--warm-up", "0");
            assertEquals(0, t.exit(), t.err());
            List<String> rows = t.out().lines().toList();
            assertTrue(rows.stream().anyMatch(l -> l.startsWith("model") && l.contains("t/s")), t.out());
            assertTrue(rows.stream().anyMatch(l -> l.contains(" pp8 ")), t.out());
            assertTrue(rows.stream().anyMatch(l -> l.contains(" tg4 ")), t.out());
        }
    }

    @Test
    void onlyOneTestWhenTheOtherIsZero() throws Exception {
        CliTest.Run r = CliTest.run("bench", "--synthetic", TINY + ":F16", "-p", "0", "-n", "3", "-r", "1",
                "--warm-up", "0", "-o", "json");
        assertEquals(0, r.exit(), r.err());
        JsonNode a = new ObjectMapper().readTree(r.out());
        assertEquals(1, a.size());
        assertEquals("tg3", a.get(0).get("test").asText());
    }

    @Test
    void synthWritesAFileAndBadInputIsOneLine() throws Exception {
        Path out = tmp.resolve("m.gguf");
        CliTest.Run r = CliTest.run("synth", "--shape", TINY, "--type", "bf16", "--seed", "5", "-o", out.toString());
        assertEquals(0, r.exit(), r.err());
        try (GgufFile g = GgufFile.open(out)) {
            assertEquals(32, g.getInt("general.file_type"));
        }
        for (String[] bad : List.of(
                new String[] {"synth", "--shape", "llama9", "--type", "Q4_0", "-o", out.toString()},
                new String[] {"synth", "--shape", TINY, "--type", "Q5_K", "-o", out.toString()},
                new String[] {"bench", "--synthetic", "tinyllama-1.1b", "-r", "1"},
                new String[] {"bench", "--synthetic", TINY + ":Q4_0", "-o", "xml"},
                new String[] {"bench", "-m", TestData.model("stories260K.gguf").toString(), "-p", "2000", "-n", "100"},
                new String[] {"bench", "--synthetic", TINY + ":Q4_0", "-p", "0", "-n", "0"},
                new String[] {"bench", "--synthetic", TINY + ":Q4_0", "--warm-up", "-1"})) {
            CliTest.Run e = CliTest.run(bad);
            assertEquals(2, e.exit(), String.join(" ", bad) + ": " + e.err());
            assertTrue(e.err().startsWith("error: "), e.err());
            assertEquals(1, e.err().lines().filter(l -> l.startsWith("error")).count(), e.err());
        }
    }
}
