package dev.llama4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llama4j.TestData;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CliTest {
    record Run(int exit, String out, String err) {}

    static Run run(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void infoDescribesTheGgufModel() {
        Run r = run("info", TestData.model("stories260K-Q4_0.gguf").toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("llama, 5 layers, dim 64, ffn 172, heads 8 (kv 4, head size 8), vocab 512"), r.out());
        assertTrue(r.out().contains("blk.0.attn_q.weight"), r.out());
        assertTrue(r.out().contains("Q4_0"), r.out());
        assertTrue(r.out().contains("tokenizer:   SentencePiece BPE, 512 tokens"), r.out());
    }

    @Test
    void infoWorksOnEveryModelAndTokenizerFile() throws Exception {
        List<Path> files;
        try (var s = Files.list(TestData.models())) {
            files = s.filter(p -> p.toString().endsWith(".gguf") || p.toString().endsWith(".bin")).sorted().toList();
        }
        assertTrue(files.size() >= 10);
        for (Path f : files) {
            Run r = run("info", f.toString());
            assertEquals(0, r.exit(), f + ": " + r.err());
            assertTrue(r.out().contains("format:"), f + ": " + r.out());
        }
    }

    @Test
    void badInputIsOneLineWithExitCode2() throws Exception {
        Run missing = run("info", "/nonexistent/model.gguf");
        assertEquals(2, missing.exit());
        assertEquals("error: /nonexistent/model.gguf: no such file", missing.err().strip());
    }

    @Test
    void aModelLargerThanTheMemoryLimitIsOneLineWithExitCode2() {
        Run r = run("generate", "-m", TestData.model("stories260K-Q4_0.gguf").toString(), "-p", "x",
                "--memory-limit", "64K");
        assertEquals(2, r.exit(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("error: stories260K-Q4_0.gguf does not fit on the CPU: it needs "), r.err());
        assertTrue(r.err().contains("is available (--memory-limit)"), r.err());
        Run bad = run("generate", "-m", TestData.model("stories260K-Q4_0.gguf").toString(), "-p", "x",
                "--memory-limit", "lots");
        assertEquals(2, bad.exit(), bad.err());
        assertTrue(bad.err().contains("'lots' is not a size"), bad.err());
    }

    @Test
    void infoPrintsTheMemoryEachBackendNeeds() {
        Run r = run("info", TestData.model("stories260K-Q4_0.gguf").toString(), "--context", "256");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("memory:      context 256, batch 256, 1 context"), r.out());
        assertTrue(r.out().contains("  cpu: needs "), r.out());
        assertTrue(r.out().contains("Q4_0 lane-packed") || r.out().contains("Q4_0 mapped"), r.out());
        assertTrue(r.out().contains("KV cache 0.00 GB (F32, 256 positions × 1 context)"), r.out());
    }

    @Test
    void truncatedModelIsOneLineError(@TempDir Path dir) throws Exception {
        byte[] all = Files.readAllBytes(TestData.model("stories260K.gguf"));
        Path cut = dir.resolve("cut.gguf");
        Files.write(cut, Arrays.copyOf(all, 300));
        Run r = run("generate", "-m", cut.toString(), "-p", "x");
        assertEquals(2, r.exit());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("error: " + cut), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
    }

    @Test
    void tokenizeJsonMatchesTheReference() throws Exception {
        JsonNode ref = new ObjectMapper().readTree(TestData.reference("tokenizer_llama2_32000.json").toFile());
        JsonNode c = ref.get("cases").get(1);
        Run r = run("tokenize", "--model", TestData.model("ggml-vocab-llama-spm.gguf").toString(), "--json",
                c.get("text").asText());
        assertEquals(0, r.exit(), r.err());
        JsonNode got = new ObjectMapper().readTree(r.out());
        assertEquals(c.get("llamacpp_ids"), got.get("ids"));
    }

    @Test
    void tokenizeWorksOnEveryTokenizerSource() {
        for (String f : new String[] {"tok512.bin", "tokenizer.bin", "stories260K.gguf", "stories260K.bin"}) {
            String[] args = f.equals("stories260K.bin")
                    ? new String[] {"tokenize", "-m", TestData.model(f).toString(), "--tokenizer",
                        TestData.model("tok512.bin").toString(), "Hello world"}
                    : new String[] {"tokenize", "-m", TestData.model(f).toString(), "Hello world"};
            Run r = run(args);
            assertEquals(0, r.exit(), f + ": " + r.err());
            assertTrue(r.out().contains("tokens"), r.out());
        }
    }

    @Test
    void generateJsonMatchesTheLlama2cReference() throws Exception {
        JsonNode ref = new ObjectMapper().readTree(TestData.reference("llama2c_stories260K_greedy.json").toFile());
        JsonNode c = ref.get("cases").get(1); // "Once upon a time"
        int max = c.get("steps").asInt() - c.get("prompt_ids").size() + 1;
        Run r = run("generate", "-m", TestData.model("stories260K.bin").toString(), "--tokenizer",
                TestData.model("tok512.bin").toString(), "-p", c.get("prompt").asText(), "--temperature", "0",
                "-n", String.valueOf(max), "--json", "--backend", "cpu", "-t", "2");
        assertEquals(0, r.exit(), r.err());
        JsonNode got = new ObjectMapper().readTree(r.out());
        assertEquals(c.get("prompt_ids"), got.get("prompt_ids"));
        assertEquals(c.get("generated_ids"), got.get("generated_ids"));
        assertEquals("max_tokens", got.get("stop_reason").asText());
        assertTrue(r.err().contains("tok/s"), r.err());
    }

    @Test
    void contextOverflowIsAClearError() {
        Run r = run("generate", "-m", TestData.model("stories260K.gguf").toString(), "-c", "8", "-p",
                "Once upon a time there was a little girl named Lily who loved to play", "--backend", "cpu");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("the prompt has") && r.err().contains("context"), r.err());
    }

    @Test
    void badSamplingParameterNamesIt() {
        Run r = run("generate", "-m", TestData.model("stories260K.gguf").toString(), "--top-p", "1.5");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("top_p"), r.err());
    }

    @Test
    void activationsChoosesTheCpuPathAndRefusesUnknownValues() throws Exception {
        JsonNode ref = new ObjectMapper().readTree(
                TestData.reference("fp32math_stories260K-Q4_0_greedy.json").toFile());
        JsonNode c = ref.get("cases").get(1);
        int max = c.get("steps").asInt() - c.get("prompt_ids").size() + 1;
        Run f32 = run("generate", "-m", TestData.model("stories260K-Q4_0.gguf").toString(), "-p",
                c.get("prompt").asText(), "--temperature", "0", "-n", String.valueOf(max), "--json", "--backend",
                "cpu", "--activations", "f32");
        assertEquals(0, f32.exit(), f32.err());
        assertEquals(c.get("generated_ids"), new ObjectMapper().readTree(f32.out()).get("generated_ids"));
        assertTrue(f32.err().contains("f32 activations"), f32.err());
        Run bad = run("generate", "-m", TestData.model("stories260K-Q4_0.gguf").toString(), "-p", "x",
                "--activations", "q4");
        assertEquals(2, bad.exit());
        assertEquals("error: --activations 'q4' is not one of q8, f32", bad.err().strip());
    }
}
