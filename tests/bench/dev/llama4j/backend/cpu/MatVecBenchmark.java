package dev.llama4j.backend.cpu;

import dev.llama4j.gguf.GgmlType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
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
 * Mat-vec ({@code nTokens = 1}, the decode step) of each fast type at LLaMA-7B shapes on all cores, next to a
 * plain vectorized sequential read of the same number of bytes on all cores. The {@code bytes} aux counter is
 * the weight bytes streamed per second (divide by 1e9 for GB/s); {@code matvec.bytes / read.bytes} is the
 * fraction of the machine's read rate the mat-vec reaches. {@code paired} times both back to back and sums
 * their times ({@code paired:readNanos / paired:opNanos} is that fraction), robust to the machine's load changing
 * between benchmarks. {@code layout} picks the weights' form: {@code backend} what {@link CpuBackend} runs by
 * default (Q4_0, Q8_0, Q4_K, Q5_K and Q6_K lane-packed with 8-bit activations, the rest as mapped), {@code gguf} the mapped file
 * layout for every type. {@code residency} says where the weights come from: {@code streamed} from memory, as
 * in a model too big for the caches (the 7B case these shapes stand for), {@code cached} from the last-level
 * cache where one matrix fits in it (in {@code paired}, where the read's copy and the op's fit there together).
 *
 * <p>Run: {@code java -cp ... org.openjdk.jmh.Main MatVecBenchmark -f 1 -wi 2 -i 3 -w 1s -r 1s}; the fraction
 * alone: {@code ... MatVecBenchmark.paired -p type=Q4_0,Q8_0 -p layout=backend -f 1 -wi 3 -i 5 -w 1s -r 1s}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
// Transparent huge pages as bin/llama4j runs with them where the OS offers them (elsewhere the JVM warns, once).
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-XX:+UseTransparentHugePages"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@State(Scope.Benchmark)
public class MatVecBenchmark {

    @Param({"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K"})
    public String type;

    /** rows x cols. */
    @Param({"4096x4096", "11008x4096"})
    public String shape;

    /** 0 = all available processors. */
    @Param({"0"})
    public int threads;

    @Param({"backend", "gguf"})
    public String layout;

    /**
     * {@code cached}: one copy of the matrix, read again and again (from the last-level cache when it fits);
     * {@code streamed}: copies used in turn, each read from memory as a model's layers are ({@link WeightCopies}).
     */
    @Param({"streamed", "cached"})
    public String residency;

    Arena arena;
    WeightCopies weights;
    float[] x;
    float[] out;
    VectorOps ops;
    Workers readers;
    int next;

    @Setup(Level.Trial)
    public void setUp() {
        int threadCount = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        String[] rc = shape.split("x");
        int rows = Integer.parseInt(rc[0]);
        int cols = Integer.parseInt(rc[1]);
        arena = Arena.ofShared();
        ops = new VectorOps(threadCount);
        // The read runs on the op's own workers: a second spinning pool would compete for the same cores.
        readers = ops.workers();
        WeightCopies.warmUpJit(ops, GgmlType.valueOf(type), layout);
        weights = new WeightCopies(arena, GgmlType.valueOf(type), rows, cols, residency, layout, ops);
        x = RandomTensors.floats(cols, new Random(2));
        out = new float[rows];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        ops.close();
        arena.close();
    }

    /** Weight bytes streamed, reported per second. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Streamed {
        public long bytes;
    }

    @Benchmark
    public float matvec(Streamed s) {
        weights.matmul(next++, out, x, 1);
        s.bytes += weights.bytes();
        return out[0];
    }

    @Benchmark
    public int read(Streamed s) {
        int r = sum(readers, weights.data(next++), weights.bytes());
        s.bytes += weights.bytes();
        return r;
    }

    /**
     * The read's and the op's times, back to back, summed over the measured iterations (JMH adds events up):
     * {@code readNanos / opNanos} is the op's rate as a fraction of the read's over the same moments, which this
     * machine's slow and quiet phases (minutes long, the kernels' speed moving by a quarter and the read's not)
     * cannot skew as they skew two benchmarks run minutes apart.
     */
    @AuxCounters(AuxCounters.Type.EVENTS)
    @State(Scope.Thread)
    public static class Paired {
        public long readNanos;
        public long opNanos;

        @Setup(Level.Iteration)
        public void clear() {
            readNanos = 0;
            opNanos = 0;
        }
    }

    @Benchmark
    public float paired(Paired p) {
        int i = next++;
        long t0 = System.nanoTime();
        int r = sum(readers, weights.dataBefore(i), weights.bytes());
        long t1 = System.nanoTime();
        weights.matmul(i, out, x, 1);
        long t2 = System.nanoTime();
        p.readNanos += t1 - t0;
        p.opNanos += t2 - t1;
        return out[0] + r;
    }

    private static final VectorSpecies<Integer> I = Vec.I;

    /** A plain sequential read of {@code bytes} bytes: vectorized int sums, one contiguous range per thread. */
    static int sum(Workers workers, MemorySegment m, long bytes) {
        int chunk = 1 << 16;
        int chunks = (int) (bytes / chunk);
        int[] partial = new int[chunks];
        workers.forRange(chunks, 1, (c0, c1) -> {
            for (int c = c0; c < c1; c++) {
                IntVector a0 = IntVector.zero(I);
                IntVector a1 = IntVector.zero(I);
                long base = (long) c * chunk;
                int step = I.vectorByteSize();
                for (long o = base, end = base + chunk; o < end; o += 2L * step) {
                    a0 = a0.add(IntVector.fromMemorySegment(I, m, o, Vec.LE));
                    a1 = a1.add(IntVector.fromMemorySegment(I, m, o + step, Vec.LE));
                }
                partial[c] = a0.add(a1).reduceLanes(VectorOperators.ADD);
            }
        });
        int s = 0;
        for (int p : partial) {
            s += p;
        }
        return s;
    }
}
