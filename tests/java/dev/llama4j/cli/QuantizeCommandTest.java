package dev.llama4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama4j.TestData;
import dev.llama4j.gguf.GgmlType;
import dev.llama4j.gguf.GgufFile;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code llama4j quantize}, and {@code synth} / {@code bench --synthetic} with the K-quant types. */
class QuantizeCommandTest {
    static final String SHAPE = "custom:dim=256,ffn=512,layers=2,heads=4,kv_heads=2,vocab=300";

    @TempDir
    Path tmp;

    @Test
    void quantizeWritesTheMixAndListsTheTensors() {
        Path out = tmp.resolve("q.gguf");
        CliTest.Run r = CliTest.run("quantize", TestData.model("stories260K-F16.gguf").toString(), out.toString(),
                "q4_k_m");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("blk.2.attn_v.weight") && r.out().contains("F16   -> Q8_0"), r.out());
        assertTrue(r.out().contains("wrote " + out + ": Q4_K_M (file_type 15), 48 tensors"), r.out());
        try (GgufFile g = GgufFile.open(out)) {
            assertEquals(15, g.getInt("general.file_type"));
            assertEquals(GgmlType.Q5_0, g.tensor("token_embd.weight").type());
        }
        CliTest.Run quiet = CliTest.run("quantize", "--quiet", TestData.model("stories260K.gguf").toString(),
                out.toString(), "F16");
        assertEquals(0, quiet.exit(), quiet.err());
        assertEquals(1, quiet.out().lines().count(), quiet.out());
    }

    @Test
    void badInputIsOneErrorLineWithExitCode2() {
        String f16 = TestData.model("stories260K-F16.gguf").toString();
        for (String[] bad : List.of(
                new String[] {"quantize", TestData.model("stories260K-Q8_0.gguf").toString(),
                        tmp.resolve("a").toString(), "Q4_K_M"},
                new String[] {"quantize", f16, tmp.resolve("b").toString(), "Q3_K"},
                new String[] {"quantize", f16, f16, "Q8_0"},
                new String[] {"quantize", tmp.resolve("missing.gguf").toString(), tmp.resolve("c").toString(), "Q8_0"},
                new String[] {"quantize", f16, tmp.resolve("no/dir/x.gguf").toString(), "Q8_0"},
                new String[] {"synth", "--shape", SHAPE, "--type", "IQ4_NL", "-o", tmp.resolve("d").toString()})) {
            CliTest.Run e = CliTest.run(bad);
            assertEquals(2, e.exit(), String.join(" ", bad) + ": " + e.err());
            assertTrue(e.err().startsWith("error: "), e.err());
            assertEquals(1, e.err().lines().count(), e.err());
        }
        CliTest.Run e = CliTest.run("quantize", f16, tmp.resolve("b").toString(), "Q3_K");
        assertTrue(e.err().contains("allowed: F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K, Q4_K_M, Q5_K_M"), e.err());
    }

    @Test
    void synthAndBenchTakeTheKQuantTypes() throws Exception {
        for (String type : List.of("Q4_K", "Q5_K", "Q6_K", "Q4_K_M", "Q5_K_M")) {
            Path out = tmp.resolve(type + ".gguf");
            CliTest.Run r = CliTest.run("synth", "--shape", SHAPE, "--type", type, "-o", out.toString());
            assertEquals(0, r.exit(), r.err());
            try (GgufFile g = GgufFile.open(out)) {
                GgmlType base = GgmlType.valueOf(type.substring(0, 4));
                boolean mix = type.endsWith("_M");
                assertEquals(mix ? GgmlType.Q6_K : base, g.tensor("output.weight").type(), type);
                assertEquals(base, g.tensor("blk.0.attn_q.weight").type(), type);
                // 2 layers: layer 1 is a "more bits" layer (i >= 7n/8)
                assertEquals(mix ? GgmlType.Q6_K : base, g.tensor("blk.1.ffn_down.weight").type(), type);
                assertEquals(GgmlType.F32, g.tensor("blk.1.ffn_norm.weight").type(), type);
            }
        }
        CliTest.Run b = CliTest.run("bench", "--synthetic", SHAPE + ":Q4_K_M", "-p", "4", "-n", "2", "-r", "1",
                "--warm-up", "0");
        assertEquals(0, b.exit(), b.err());
        assertTrue(b.out().contains(" tg2 "), b.out());
    }
}
