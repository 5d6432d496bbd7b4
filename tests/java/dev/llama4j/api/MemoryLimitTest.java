package dev.llama4j.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.llama4j.Llama4jException;
import dev.llama4j.backend.Backends;
import dev.llama4j.backend.MemoryEstimate;
import dev.llama4j.backend.Workload;
import dev.llama4j.backend.cpu.CpuBackend;
import dev.llama4j.bench.Shape;
import dev.llama4j.bench.Synth;
import dev.llama4j.gguf.GgmlType;
import dev.llama4j.model.Llama;
import dev.llama4j.model.ModelFile;
import dev.llama4j.model.ModelFiles;
import dev.llama4j.model.State;
import dev.llama4j.model.TensorNames;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The memory model on a real file: the estimate is what the CPU backend then holds, a repacked tensor's mapped
 * pages leave the process, and a model larger than the memory allowed is a clear error by default and runs from the
 * mapped file with {@code mapped}.
 */
class MemoryLimitTest {
    private static final int CONTEXT = 256;
    private static final int BATCH = 16;
    @TempDir
    static Path dir;
    static Path file;

    @BeforeAll
    static void synth() {
        file = dir.resolve("mem-test-q4_0.gguf");
        Shape shape = Shape.parse("custom:dim=512,ffn=1536,layers=6,heads=8,kv_heads=4,vocab=1024");
        Synth.toFile(new Synth.Spec(shape, GgmlType.Q4_0, 7, CONTEXT, null), file, Synth.Progress.NONE);
    }

    private static Backends.Options cpu() {
        return new Backends.Options(Backends.Choice.CPU, 2, false);
    }

    private static ModelOptions options(Backends.Options b) {
        return new ModelOptions(null, b, CONTEXT, BATCH, 1);
    }

    @Test
    void theEstimateIsWhatTheBackendHolds() {
        try (ModelFile f = ModelFiles.open(file); CpuBackend b = CpuBackend.vector(2, false)) {
            MemoryEstimate e = Backends.cpuEstimate(f, cpu(), new Workload(CONTEXT, BATCH, 1));
            Llama llama = Llama.load(f, b);
            assumeTrue(b.repackedBytes() > 0, "nothing is repacked on vectors narrower than 256 bits");
            assertEquals(e.weights(), b.repackedBytes(), e.describe());
            try (State s = llama.newState(BATCH, CONTEXT)) {
                assertEquals(CONTEXT, s.contextLength());
            }
            long kv = dev.llama4j.backend.cpu.KvCache.bytes(6, CONTEXT, 256, false);
            assertEquals(kv, e.kvCache());
            assertTrue(e.fits(), e.describe());
        }
    }

    /** Resident bytes of this process's mappings of {@code path}, from /proc/self/smaps. */
    private static long residentOf(Path path) throws IOException {
        String name = path.toRealPath().toString();
        long kb = 0;
        boolean in = false;
        for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
            if (line.matches("^[0-9a-f]+-[0-9a-f]+ .*")) {
                in = line.endsWith(name);
            } else if (in && line.startsWith("Rss:")) {
                kb += Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return kb * 1024;
    }

    @Test
    void repackedTensorsLeaveTheProcess() throws IOException {
        assumeTrue(Files.isReadable(Path.of("/proc/self/smaps")), "needs Linux /proc/self/smaps");
        try (ModelFile f = ModelFiles.open(file); CpuBackend b = CpuBackend.vector(2, false)) {
            long sum = 0;
            for (var t : f.tensors()) {
                MemorySegment m = t.data();
                for (long o = 0; o < m.byteSize(); o += 4096) {
                    sum += m.get(ValueLayout.JAVA_BYTE, o);
                }
            }
            long size = Files.size(file);
            long before = residentOf(file);
            assertTrue(before > size * 9 / 10, "all touched: " + before + " of " + size + " (" + sum + ")");
            Llama llama = Llama.load(f, b);
            assumeTrue(b.repackedBytes() > 0, "nothing is repacked on vectors narrower than 256 bits");
            try (State s = llama.newState(1, CONTEXT)) {
                llama.forward(s, new int[] {1}, 1, 0, null);
            }
            long after = residentOf(file);
            long table = f.tensor(TensorNames.TOKEN_EMBD).data().byteSize();
            // The token embedding (a table, read in place) stays, and a page or so of its neighbours; the matrices go.
            assertTrue(after <= table + (64 << 10), "resident after load: " + after + " (table " + table + ", file "
                    + size + ")");
        }
    }

    @Test
    void tooLargeIsOneClearErrorByDefaultAndRunsMapped() {
        long limit;
        try (ModelFile f = ModelFiles.open(file)) {
            MemoryEstimate e = Backends.cpuEstimate(f, cpu(), new Workload(CONTEXT, BATCH, 1));
            limit = e.needed() - e.weights() / 2;
        }
        Backends.Options limited = cpu().withMemoryLimit(limit);
        Llama4jException e = assertThrows(Llama4jException.class,
                () -> LlamaModel.load(file, options(limited)).close());
        assertTrue(e.getMessage().startsWith("mem-test-q4_0.gguf does not fit on the CPU: it needs"), e.getMessage());
        assertTrue(e.getMessage().contains("is available (--memory-limit)"), e.getMessage());
        assertTrue(e.getMessage().contains("--mapped"), e.getMessage());

        int[] mapped = generate(options(limited.withMapped(true)));
        Backends.Options f32 = new Backends.Options(Backends.Choice.CPU, 2, false, false, false, 0);
        assertArrayEquals(generate(options(f32)), mapped,
                "the mapped run computes with float32 activations, as --activations f32 does on the same layout");
        assertTrue(mapped.length > 0);
    }

    private static int[] generate(ModelOptions o) {
        try (LlamaModel m = LlamaModel.load(file, o); LlamaContext c = m.newContext()) {
            return c.generate(new int[] {1, 20, 30, 40}, GenerationOptions.greedy(24), (id, text) -> { })
                    .generatedIds();
        }
    }
}
