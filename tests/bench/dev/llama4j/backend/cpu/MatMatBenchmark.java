package dev.llama4j.backend.cpu;

import dev.llama4j.gguf.GgmlType;
import dev.llama4j.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Prompt-processing matrix product ({@code nTokens} token vectors at once) against the decode mat-vec, per token,
 * at the LLaMA-7B 4096×4096 shape on all cores. The {@code tokens} aux counter is token rows multiplied per second,
 * so {@code tokens(nTokens=32) / tokens(nTokens=1)} is the batching speed-up per token.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@State(Scope.Benchmark)
public class MatMatBenchmark {

    @Param({"Q4_0", "Q8_0"})
    public String type;

    @Param({"1", "32"})
    public int nTokens;

    @Param({"4096"})
    public int rows;

    @Param({"4096"})
    public int cols;

    Arena arena;
    Tensor w;
    float[] x;
    float[] out;
    VectorOps ops;

    @Setup(Level.Trial)
    public void setUp() {
        GgmlType t = GgmlType.valueOf(type);
        arena = Arena.ofShared();
        MemorySegment m = arena.allocate(t.bytesFor(cols) * rows, 64);
        RandomTensors.fill(t, m, (long) rows * cols, new Random(1));
        w = new Tensor("bench", t, new long[] {cols, rows}, m);
        x = RandomTensors.floats(nTokens * cols, new Random(2));
        out = new float[nTokens * rows];
        ops = new VectorOps();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        ops.close();
        arena.close();
    }

    /** Token rows multiplied, reported per second. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Rows {
        public long tokens;
    }

    @Benchmark
    public float matmul(Rows r) {
        ops.matmul(out, w, x, nTokens);
        r.tokens += nTokens;
        return out[0];
    }
}
