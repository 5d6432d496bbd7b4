package dev.llama4j.backend.cpu;

import dev.llama4j.Llama4jException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small fixed pool that runs a loop over {@code [0, n)} split into contiguous ranges, one per thread; the
 * calling thread takes the first range. With one thread everything runs on the caller.
 */
final class Workers implements AutoCloseable {
    /** A loop body over {@code [from, to)}. */
    @FunctionalInterface
    interface Range {
        void run(int from, int to);
    }

    private final int threads;
    private final ExecutorService pool;

    Workers(int threads) {
        if (threads < 1) {
            throw new Llama4jException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        if (threads == 1) {
            pool = null;
        } else {
            AtomicInteger n = new AtomicInteger();
            pool = Executors.newFixedThreadPool(threads - 1, r -> {
                Thread t = new Thread(r, "llama4j-cpu-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
        }
    }

    int threads() {
        return threads;
    }

    /**
     * Runs {@code body} over {@code [0, n)} in at most {@link #threads} contiguous ranges of at least {@code grain}
     * items (so small loops stay on the caller).
     */
    void forRange(int n, int grain, Range body) {
        int parts = (int) Math.min(threads, Math.max(1, n / (long) Math.max(1, grain)));
        if (parts <= 1 || pool == null) {
            body.run(0, n);
            return;
        }
        List<Future<?>> fs = new ArrayList<>(parts - 1);
        for (int p = 1; p < parts; p++) {
            int from = (int) ((long) n * p / parts);
            int to = (int) ((long) n * (p + 1) / parts);
            fs.add(pool.submit(() -> body.run(from, to)));
        }
        Throwable err = null;
        try {
            body.run(0, (int) ((long) n / parts));
        } catch (RuntimeException | Error e) {
            err = e;
        }
        for (Future<?> f : fs) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (err == null) {
                    err = e.getCause();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (err == null) {
                    err = new Llama4jException("interrupted while waiting for CPU workers", e);
                }
            }
        }
        if (err instanceof RuntimeException re) {
            throw re;
        }
        if (err instanceof Error er) {
            throw er;
        }
        if (err != null) {
            throw new Llama4jException("CPU worker failed: " + err, err);
        }
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}
