package dev.llama4j.backend.cpu;

import dev.llama4j.gguf.GgmlType;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A quick, load-tolerant companion to {@link MatVecBenchmark} and {@link MatMatBenchmark} for shared machines:
 * alternates a sequential read and the op many times and reports the best rate of each (best-of is what survives
 * other processes' load), and their ratio.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp ... dev.llama4j.backend.cpu.MatVecProbe
 * [threads] [rounds] [types] [shapes] [tokens] [layouts] [residencies] [order]}, e.g.
 * {@code 2 40 Q4_0,Q8_0 4096x4096,11008x4096 1,32,128 gguf,lanes cached,streamed}: {@code gguf} runs the op on
 * the tensor as mapped (what {@link CpuBackend} uses with float activations), {@code lanes} on the repack the
 * backend makes ({@link LanePacked} for Q4_0 and Q8_0, {@link KPacked} for Q4_K, Q5_K and Q6_K, with 8-bit
 * activations: the default). Residency {@code cached} (the default) reuses one copy of the matrix, {@code streamed}
 * cycles through copies that together exceed the caches ({@link WeightCopies}), as a model's layers do. Order
 * {@code grouped} (the default) runs the cases one after the other; {@code interleaved} builds them all first and
 * then runs each once per round, so that a change in the machine's load falls on every case alike (memory: every
 * case's copies at once).
 */
public final class MatVecProbe {
    private MatVecProbe() {}

    private static final int WARMUP_CALLS = 300;
    private static final long WARMUP_NANOS = 2_000_000_000L;

    /** One type, shape, token count, layout and residency: its copies and its best times. */
    private static final class Case {
        final GgmlType type;
        final String shape;
        final String residency;
        final int nTokens;
        final WeightCopies w;
        final float[] x;
        final float[] out;
        long bestRead = Long.MAX_VALUE;
        long bestOp = Long.MAX_VALUE;
        int sink;

        Case(VectorOps ops, Arena arena, GgmlType type, String shape, int nTokens, String layout, String residency) {
            this.type = type;
            this.shape = shape;
            this.residency = residency;
            this.nTokens = nTokens;
            String[] rc = shape.split("x");
            int rows = Integer.parseInt(rc[0]);
            int cols = Integer.parseInt(rc[1]);
            sink = WeightCopies.warmUpJit(ops, type, layout);
            w = new WeightCopies(arena, type, rows, cols, residency, layout, ops);
            x = RandomTensors.floats(nTokens * cols, new Random(2));
            out = new float[nTokens * rows];
        }

        /** On this matrix for a while (C2 compiles in the background; the first calls touch the copies). */
        void warmUp(Workers readers) {
            long warmUntil = System.nanoTime() + WARMUP_NANOS;
            for (int i = 0; i < Math.max(3, WARMUP_CALLS / nTokens) || System.nanoTime() < warmUntil; i++) {
                w.matmul(i, out, x, nTokens);
                sink += MatVecBenchmark.sum(readers, w.data(i), w.bytes());
            }
        }

        /** Round {@code i}: the read, then the op; counted from round 5 on. */
        void round(Workers readers, int i) {
            long t0 = System.nanoTime();
            sink += MatVecBenchmark.sum(readers, w.dataBefore(i), w.bytes());
            long t1 = System.nanoTime();
            w.matmul(i, out, x, nTokens);
            long t2 = System.nanoTime();
            if (i >= 5) {
                bestRead = Math.min(bestRead, t1 - t0);
                bestOp = Math.min(bestOp, t2 - t1);
            }
        }

        void print(int threads) {
            double readGb = w.bytes() / (double) bestRead;
            double opGb = w.bytes() / (double) bestOp;
            System.out.printf("%-5s %-6s %-8s %-10s tokens %4d threads %d: read %6.2f GB/s, op %6.2f GB/s "
                            + "(%5.1f%%), %8.1f us/op, %8.2f us/token%s%n", type, w.form(), residency, shape, nTokens,
                    threads, readGb, opGb, 100 * opGb / readGb, bestOp / 1e3, bestOp / 1e3 / nTokens,
                    sink == 42 ? "" : "");
        }
    }

    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : Runtime.getRuntime().availableProcessors();
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        String[] types = (args.length > 2 ? args[2] : "Q4_0,Q8_0").split(",");
        String[] shapes = (args.length > 3 ? args[3] : "4096x4096,11008x4096").split(",");
        String[] tokens = (args.length > 4 ? args[4] : "1").split(",");
        String[] layouts = (args.length > 5 ? args[5] : "gguf,lanes").split(",");
        String[] residencies = (args.length > 6 ? args[6] : "cached").split(",");
        boolean interleaved = args.length > 7 && args[7].equals("interleaved");
        try (VectorOps ops = new VectorOps(threads); Arena all = Arena.ofShared()) {
            Workers readers = ops.workers();
            List<Case> cases = new ArrayList<>();
            for (String type : types) {
                for (String shape : shapes) {
                    for (String tk : tokens) {
                        for (String layout : layouts) {
                            for (String residency : residencies) {
                                if (interleaved) {
                                    cases.add(new Case(ops, all, GgmlType.valueOf(type), shape, Integer.parseInt(tk),
                                            layout, residency));
                                    continue;
                                }
                                try (Arena arena = Arena.ofShared()) {
                                    Case c = new Case(ops, arena, GgmlType.valueOf(type), shape,
                                            Integer.parseInt(tk), layout, residency);
                                    c.warmUp(readers);
                                    for (int i = 0; i < rounds + 5; i++) {
                                        c.round(readers, i);
                                    }
                                    c.print(ops.threads());
                                }
                            }
                        }
                    }
                }
            }
            for (Case c : cases) {
                c.warmUp(readers);
            }
            for (int i = 0; i < rounds + 5; i++) {
                for (Case c : cases) {
                    c.round(readers, i);
                }
            }
            for (Case c : cases) {
                c.print(ops.threads());
            }
        }
    }
}
