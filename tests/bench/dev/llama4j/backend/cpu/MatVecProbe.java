package dev.llama4j.backend.cpu;

import dev.llama4j.gguf.GgmlType;
import java.lang.foreign.Arena;
import java.util.Random;

/**
 * A quick, load-tolerant companion to {@link MatVecBenchmark} and {@link MatMatBenchmark} for shared machines:
 * alternates a sequential read and the op many times and reports the best rate of each (best-of is what survives
 * other processes' load), and their ratio.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp ... dev.llama4j.backend.cpu.MatVecProbe
 * [threads] [rounds] [types] [shapes] [tokens] [layouts] [residencies]}, e.g.
 * {@code 2 40 Q4_0,Q8_0 4096x4096,11008x4096 1,32,128 gguf,lanes cached,streamed}: {@code gguf} runs the op on
 * the tensor as mapped (what {@link CpuBackend} uses with float activations), {@code lanes} on its {@link LanePacked} repack (Q4_0 and Q8_0 with 8-bit activations,
 * the default). Residency {@code cached} (the default) reuses one copy of the matrix, {@code streamed} cycles
 * through copies that together exceed the caches ({@link WeightCopies}), as a model's layers do.
 */
public final class MatVecProbe {
    private MatVecProbe() {}

    private static final int WARMUP_CALLS = 300;
    private static final long WARMUP_NANOS = 2_000_000_000L;

    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : Runtime.getRuntime().availableProcessors();
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        String[] types = (args.length > 2 ? args[2] : "Q4_0,Q8_0").split(",");
        String[] shapes = (args.length > 3 ? args[3] : "4096x4096,11008x4096").split(",");
        String[] tokens = (args.length > 4 ? args[4] : "1").split(",");
        String[] layouts = (args.length > 5 ? args[5] : "gguf,lanes").split(",");
        String[] residencies = (args.length > 6 ? args[6] : "cached").split(",");
        try (VectorOps ops = new VectorOps(threads)) {
            Workers readers = ops.workers();
            for (String type : types) {
                for (String shape : shapes) {
                    for (String tk : tokens) {
                        for (String layout : layouts) {
                            for (String residency : residencies) {
                                run(ops, readers, GgmlType.valueOf(type), shape, Integer.parseInt(tk), rounds,
                                        layout, residency);
                            }
                        }
                    }
                }
            }
        }
    }

    private static void run(VectorOps ops, Workers readers, GgmlType t, String shape, int nTokens, int rounds,
                            String layout, String residency) {
        String[] rc = shape.split("x");
        int rows = Integer.parseInt(rc[0]);
        int cols = Integer.parseInt(rc[1]);
        int sink = WeightCopies.warmUpJit(ops, t, layout);
        try (Arena arena = Arena.ofShared()) {
            WeightCopies w = new WeightCopies(arena, t, rows, cols, residency, layout, readers);
            long bytes = w.bytes();
            float[] x = RandomTensors.floats(nTokens * cols, new Random(2));
            float[] out = new float[nTokens * rows];
            // Then on this matrix for a while (C2 compiles in the background; the first calls touch the copies).
            long warmUntil = System.nanoTime() + WARMUP_NANOS;
            for (int i = 0; i < Math.max(3, WARMUP_CALLS / nTokens) || System.nanoTime() < warmUntil; i++) {
                w.matmul(ops, i, out, x, nTokens);
                sink += MatVecBenchmark.sum(readers, w.data(i), bytes);
            }
            long bestRead = Long.MAX_VALUE;
            long bestOp = Long.MAX_VALUE;
            for (int i = 0; i < rounds + 5; i++) {
                long t0 = System.nanoTime();
                sink += MatVecBenchmark.sum(readers, w.dataBefore(i), bytes);
                long t1 = System.nanoTime();
                w.matmul(ops, i, out, x, nTokens);
                long t2 = System.nanoTime();
                if (i >= 5) {
                    bestRead = Math.min(bestRead, t1 - t0);
                    bestOp = Math.min(bestOp, t2 - t1);
                }
            }
            double readGb = bytes / (double) bestRead;
            double opGb = bytes / (double) bestOp;
            System.out.printf("%-5s %-6s %-8s %-10s tokens %4d threads %d: read %6.2f GB/s, op %6.2f GB/s "
                            + "(%5.1f%%), %8.1f us/op, %8.2f us/token%s%n", t, w.form(), residency, shape, nTokens,
                    ops.threads(), readGb, opGb, 100 * opGb / readGb, bestOp / 1e3, bestOp / 1e3 / nTokens,
                    sink == 42 ? "" : "");
        }
    }
}
