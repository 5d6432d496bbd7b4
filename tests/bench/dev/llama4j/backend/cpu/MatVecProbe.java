package dev.llama4j.backend.cpu;

import dev.llama4j.gguf.GgmlType;
import dev.llama4j.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

/**
 * A quick, load-tolerant companion to {@link MatVecBenchmark} and {@link MatMatBenchmark} for shared machines:
 * alternates a sequential read and the op many times and reports the best rate of each (best-of is what survives
 * other processes' load), and their ratio.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp ... dev.llama4j.backend.cpu.MatVecProbe
 * [threads] [rounds] [types] [shapes] [tokens] [layouts]}, e.g.
 * {@code 2 40 Q4_0,Q8_0 4096x4096,11008x4096 1,32,128 gguf,packed}: {@code gguf} runs the op on the tensor as
 * mapped, {@code packed} on its {@link Packed} repack (what {@link CpuBackend} uses for Q4_0 and Q8_0 with float
 * activations), {@code lanes} on its {@link LanePacked} repack (Q4_0 and Q8_0 with 8-bit activations, the default).
 */
public final class MatVecProbe {
    private MatVecProbe() {}

    private static final int WARMUP_CALLS = 300;

    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : Runtime.getRuntime().availableProcessors();
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        String[] types = (args.length > 2 ? args[2] : "Q4_0,Q8_0").split(",");
        String[] shapes = (args.length > 3 ? args[3] : "4096x4096,11008x4096").split(",");
        String[] tokens = (args.length > 4 ? args[4] : "1").split(",");
        String[] layouts = (args.length > 5 ? args[5] : "gguf,packed").split(",");
        try (VectorOps ops = new VectorOps(threads)) {
            Workers readers = ops.workers();
            for (String type : types) {
                for (String shape : shapes) {
                    for (String tk : tokens) {
                        for (String layout : layouts) {
                            run(ops, readers, GgmlType.valueOf(type), shape, Integer.parseInt(tk), rounds,
                                    layout);
                        }
                    }
                }
            }
        }
    }

    private static void run(VectorOps ops, Workers readers, GgmlType t, String shape, int nTokens, int rounds,
                            String layout) {
        String[] rc = shape.split("x");
        int rows = Integer.parseInt(rc[0]);
        int cols = Integer.parseInt(rc[1]);
        long bytes = t.bytesFor(cols) * rows;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment m = arena.allocate(bytes, 64);
            RandomTensors.fill(t, m, (long) rows * cols, new Random(1));
            Tensor w = new Tensor("probe", t, new long[] {cols, rows}, m);
            float[] x = RandomTensors.floats(nTokens * cols, new Random(2));
            float[] out = new float[nTokens * rows];
            Packed p = layout.equals("packed") && Packed.supports(w) ? Packed.of(w, readers) : null;
            LanePacked lp = layout.equals("lanes") && LanePacked.supports(w) ? LanePacked.of(w, readers) : null;
            // Warm up until the JIT has compiled the op's helpers too (a few hundred calls; Vector API code is
            // orders of magnitude slower before C2 compiles it, and per-call helpers run too few loops for OSR).
            for (int i = 0; i < Math.max(3, WARMUP_CALLS / nTokens); i++) {
                op(ops, w, p, lp, x, out, nTokens);
            }
            long bestRead = Long.MAX_VALUE;
            long bestOp = Long.MAX_VALUE;
            int sink = 0;
            for (int i = 0; i < rounds + 5; i++) {
                long t0 = System.nanoTime();
                sink += MatVecBenchmark.sum(readers, m, bytes);
                long t1 = System.nanoTime();
                op(ops, w, p, lp, x, out, nTokens);
                long t2 = System.nanoTime();
                if (i >= 5) {
                    bestRead = Math.min(bestRead, t1 - t0);
                    bestOp = Math.min(bestOp, t2 - t1);
                }
            }
            double readGb = bytes / (double) bestRead;
            double opGb = bytes / (double) bestOp;
            System.out.printf("%-5s %-6s %-10s tokens %4d threads %d: read %6.2f GB/s, op %6.2f GB/s (%5.1f%%), "
                            + "%8.1f us/op, %8.2f us/token%s%n", t, lp != null ? "lanes" : p != null ? "packed" : "gguf", shape, nTokens, ops.threads(), readGb, opGb,
                    100 * opGb / readGb, bestOp / 1e3, bestOp / 1e3 / nTokens, sink == 42 ? "" : "");
        }
    }

    private static void op(VectorOps ops, Tensor w, Packed p, LanePacked lp, float[] x, float[] out, int nTokens) {
        if (lp != null) {
            ops.matmul(out, lp, w, x, nTokens);
        } else if (p != null) {
            ops.matmul(out, p, w, x, nTokens);
        } else {
            ops.matmul(out, w, x, nTokens);
        }
    }
}
