package dev.llama4j.backend.cpu;

import dev.llama4j.gguf.GgmlType;
import dev.llama4j.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

/**
 * One random weight matrix for the mat-vec benchmarks, in one copy or in many, by {@code residency}:
 * <ul>
 *   <li>{@code cached}: one copy, used again and again. A matrix smaller than the last-level cache (a 7B model's
 *       9.4 MB Q4_0 4096×4096 one against 35.8 MB of L3 here) is then read from that cache, by the op and by the
 *       plain read it is compared with.</li>
 *   <li>{@code streamed}: identical copies at distinct addresses, {@link #STREAMED_BYTES} at least in all, used in
 *       turn, so each use finds its copy evicted and streams it from memory. That is how a model decodes: a 7B
 *       model's layers hold gigabytes, and a matrix is read once per token, long after its last use.</li>
 * </ul>
 * Each copy comes with the form the backend runs ({@link CpuMatrix}: {@link LanePacked} or {@link KPacked} where
 * asked) so that the op streams its copy too.
 */
final class WeightCopies {
    /** What the streamed copies total at least: several times the last-level cache of the CPUs we run on. */
    static final long STREAMED_BYTES = 512L << 20;

    private final Tensor[] tensors;
    /** The form each copy is multiplied in. */
    private final CpuMatrix[] forms;
    private final long bytes;

    /**
     * {@code layout}: {@code gguf} (the mapped layout only), {@code lanes}, or {@code backend} (lane-packed where
     * supported, else as mapped: what {@link CpuBackend} runs).
     */
    WeightCopies(Arena arena, GgmlType t, int rows, int cols, String residency, String layout, VectorOps ops) {
        bytes = t.bytesFor(cols) * rows;
        int n = switch (residency) {
            case "cached" -> 1;
            case "streamed" -> (int) Math.max(2, (STREAMED_BYTES + bytes - 1) / bytes);
            default -> throw new IllegalArgumentException("residency " + residency + ": cached or streamed");
        };
        tensors = new Tensor[n];
        forms = new CpuMatrix[n];
        boolean backend = layout.equals("backend");
        MemorySegment first = null;
        for (int i = 0; i < n; i++) {
            MemorySegment m = arena.allocate(bytes, 64);
            if (first == null) {
                RandomTensors.fill(t, m, (long) rows * cols, new Random(1));
                first = m;
            } else {
                m.copyFrom(first);
            }
            tensors[i] = new Tensor("bench." + i, t, new long[] {cols, rows}, m);
            boolean repack = backend || layout.equals("lanes");
            forms[i] = repack ? ops.matrix(tensors[i], arena) : new CpuMatrix.Mapped(ops, tensors[i]);
        }
    }

    /**
     * Runs the op and the read on a small matrix of the same type and layout until the JIT has compiled them with
     * C2. The op's per-call helpers ({@code Q8Activations.of}, the dispatch) reach C2 only after hundreds to
     * thousands of calls, and Vector API code below C2 runs one to two orders of magnitude slower; on a 7B-shape
     * matrix, whose first calls run interpreted for tens of milliseconds each, seconds of warm-up do not get there.
     */
    static int warmUpJit(VectorOps ops, GgmlType t, String layout) {
        int rows = 256;
        int cols = 1024;
        int sink = 0;
        try (Arena arena = Arena.ofShared()) {
            WeightCopies w = new WeightCopies(arena, t, rows, cols, "cached", layout, ops);
            float[] x = RandomTensors.floats(cols, new Random(3));
            float[] out = new float[rows];
            for (int i = 0; i < 20_000; i++) {
                w.matmul(i, out, x, 1);
                sink += MatVecBenchmark.sum(ops.workers(), w.data(i), w.bytes());
            }
        }
        return sink;
    }

    /** Number of copies. */
    int count() {
        return tensors.length;
    }

    /** The weight bytes of one copy, as mapped (the figure both the read and the op are credited with). */
    long bytes() {
        return bytes;
    }

    /** The mapped data of copy {@code i % count()}. */
    MemorySegment data(int i) {
        return tensors[i % tensors.length].data();
    }

    /**
     * The mapped data to read right before the op on copy {@code i}: the copy half a turn away, so that when
     * streamed the op's copy is not the one just read (the same copy when cached).
     */
    MemorySegment dataBefore(int i) {
        return data(i + tensors.length / 2);
    }

    /** The form the op runs on: "lanes" or "gguf". */
    String form() {
        return forms[0].repacked() ? "lanes" : "gguf";
    }

    /** {@code out = W·x} for {@code nTokens} tokens on copy {@code i % count()}, in its chosen form. */
    void matmul(int i, float[] out, float[] x, int nTokens) {
        forms[i % tensors.length].matmul(out, x, nTokens);
    }
}
