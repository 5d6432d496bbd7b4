package dev.llama4j.backend.cpu;

import dev.llama4j.gguf.GgmlType;
import dev.llama4j.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the kernels a model uses on small inputs until the JIT has compiled them, before the first real step.
 *
 * <p>Vector API code is only fast once C2 has compiled it; before that every vector operation runs interpreted or in
 * C1 code that allocates an object per vector, one to two orders of magnitude slower. C2 compiles a method after
 * thousands of calls, and a 7B model's first steps make a few hundred calls each at full size: on two cores the
 * first prompt then took seconds per token, the first decoded tokens half the speed of the later ones, and the young
 * generation filled with gigabytes of garbage. A few thousand steps on matrices of 64 rows get the same methods
 * compiled in a few seconds at most, mostly while the weights load ({@link #start}). Once per kind of matrix (type
 * and form) per JVM, since compiled code is shared.
 */
final class JitWarmUp {
    private JitWarmUp() {}

    private static final Logger LOG = LoggerFactory.getLogger(JitWarmUp.class);
    private static final int ROWS = 32;
    private static final int COLS = 256;
    private static final int STEPS = 8_000;
    /** Tokens of the prompt-batch steps: a group of eight ({@link Tiles}' widest kernel) and one more. */
    private static final int BATCH = 9;
    private static final long BUDGET_NANOS = 5_000_000_000L;
    /** The kinds already warmed in this JVM ("Q4_0 lanes", "F16 mapped", ...). */
    private static final Set<String> WARMED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * {@link #run} on a background thread, so that it overlaps the rest of the loading (reading the file, repacking);
     * {@link Handle#join} waits for it. The kernels run on small inputs on the calling thread of each op, so they do
     * not take the ops' worker pool from the loader.
     */
    static Handle start(VectorOps ops, List<CpuMatrix> matrices, boolean kvF16) {
        Handle h = new Handle();
        Thread t = new Thread(() -> {
            try {
                run(ops, matrices, kvF16);
            } catch (RuntimeException | Error e) {
                h.failure = e;
            }
        }, "llama4j-jit-warm-up");
        t.setDaemon(true);
        h.thread = t;
        t.start();
        return h;
    }

    /** A warm-up running in the background. */
    static final class Handle {
        private Thread thread;
        private volatile Throwable failure;

        /** Waits for the warm-up; its failure (a kernel's error) is rethrown here. */
        void join() {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (failure instanceof RuntimeException r) {
                throw r;
            }
            if (failure instanceof Error e) {
                throw e;
            }
        }
    }

    /**
     * Warms {@code ops}' kernels for the kinds of {@code matrices} not yet warmed in this JVM, plus the other ops of a
     * step (norm, RoPE, attention over a {@code kvF16} or float32 cache, SwiGLU, residual); returns the kinds it
     * warmed.
     */
    static Set<String> run(VectorOps ops, List<CpuMatrix> matrices, boolean kvF16) {
        return run(ops, matrices, kvF16, STEPS);
    }

    /** Forgets what was warmed (tests, which warm with few steps). */
    static void forget() {
        WARMED.clear();
    }

    /** {@link #run(VectorOps, List, boolean)} with {@code maxSteps} steps at most. */
    static Set<String> run(VectorOps ops, List<CpuMatrix> matrices, boolean kvF16, int maxSteps) {
        Set<String> kinds = new LinkedHashSet<>();
        for (CpuMatrix m : matrices) {
            kinds.add(kind(m.tensor().type(), m.repacked()));
        }
        kinds.add(kvF16 ? "attention F16" : "attention F32");
        kinds.removeIf(k -> !WARMED.add(k));
        if (kinds.isEmpty()) {
            return kinds;
        }
        long t0 = System.nanoTime();
        int steps = 0;
        try (Arena arena = Arena.ofShared(); KvCache cache = kvF16 ? KvCache.f16(1, ROWS, 64)
                : KvCache.f32(1, ROWS, 64)) {
            List<CpuMatrix> small = kinds.stream().filter(k -> !k.startsWith("attention"))
                    .map(k -> smallMatrix(ops, k, arena)).toList();
            float[] x = new float[BATCH * COLS];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) Math.sin(i) * 0.5f;
            }
            float[] out = new float[BATCH * COLS];
            float[] norm = new float[COLS];
            java.util.Arrays.fill(norm, 1.0f);
            float[] q = new float[COLS];
            float[] kv = new float[64];
            for (; steps < maxSteps && System.nanoTime() - t0 < BUDGET_NANOS; steps++) {
                int tokens = steps % 8 == 0 ? BATCH : 1;
                for (CpuMatrix m : small) {
                    m.matmul(out, x, tokens);
                }
                ops.rmsNorm(out, x, norm, COLS, 1, 1e-5f);
                System.arraycopy(x, 0, q, 0, COLS);
                ops.rope(q, 1, steps % ROWS, COLS, 64, 64, 10000.0f);
                int pos = steps % ROWS;
                cache.store(0, pos, kv, 0, kv, 0);
                ops.attention(out, q, cache, 0, 1, pos, 4, 1, 64);
                ops.swiglu(out, x, COLS);
                ops.add(out, x, COLS);
                if (steps % 500 == 499 && LOG.isTraceEnabled()) {
                    LOG.trace("step {} at {} ms", steps + 1, (System.nanoTime() - t0) / 1_000_000);
                }
            }
        }
        LOG.debug("JIT warm-up of {}: {} steps in {} ms", kinds, steps, (System.nanoTime() - t0) / 1_000_000);
        return kinds;
    }

    private static String kind(GgmlType type, boolean repacked) {
        return type + (repacked ? " lanes" : " mapped");
    }

    /** A zero-filled {@code ROWS × COLS} matrix of the kind's type, in the kind's form. */
    private static CpuMatrix smallMatrix(VectorOps ops, String kind, Arena arena) {
        String[] f = kind.split(" ");
        GgmlType type = GgmlType.valueOf(f[0]);
        MemorySegment data = arena.allocate(type.bytesFor(COLS) * ROWS, 64);
        Tensor t = new Tensor("warm-up " + kind, type, new long[] {COLS, ROWS}, data);
        return f[1].equals("lanes") ? ops.matrix(t, arena) : new CpuMatrix.Mapped(ops, t);
    }
}
