package dev.llama4j.backend.cpu;

import dev.llama4j.Llama4jException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A small fixed set of threads that runs a loop over {@code [0, n)} split into contiguous ranges, one per thread;
 * the calling thread takes the first range. With one thread everything runs on the caller.
 *
 * <p>Decoding one token hands about 160 loops to the workers, each a few tens of microseconds long, so the
 * hand-off is what matters: a worker that has finished a range spins (on {@link Thread#onSpinWait}) for up to
 * {@link #SPIN_NANOS} waiting for the next one before it parks, and the caller spins until the ranges are done.
 * A parked worker costs an unpark (about 10 µs on these machines) — paid only after a pause, not per loop. With
 * more threads than processors, spinning would take cores from threads with work, so workers park at once and
 * the caller parks until the last range's thread unparks it.
 *
 * <p>One loop at a time: a call made while another runs (from another thread, or from inside a range) runs its
 * whole loop on its own thread. Every output is computed by the same code whichever thread runs it.
 */
final class Workers implements AutoCloseable {
    /** A loop body over {@code [from, to)}. */
    @FunctionalInterface
    interface Range {
        void run(int from, int to);
    }

    /** How long an idle worker spins before parking. */
    static final long SPIN_NANOS = 200_000;

    private record Task(Range body, int n, int parts, long epoch, Thread caller) {}

    private final int threads;
    private final Thread[] pool;
    private final AtomicBoolean busy = new AtomicBoolean();
    /** Bumped for each loop handed out; workers wait for it to change. */
    private final AtomicLong epoch = new AtomicLong();
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicReference<Throwable> error = new AtomicReference<>();
    private final AtomicBoolean[] parked;
    private volatile Task task;
    private volatile boolean closed;
    /** How long idle workers spin: {@link #SPIN_NANOS} when every thread can have a core, else 0 (park at once). */
    private final long spinNanos;

    Workers(int threads) {
        if (threads < 1) {
            throw new Llama4jException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        spinNanos = threads <= Runtime.getRuntime().availableProcessors() ? SPIN_NANOS : 0;
        pool = new Thread[threads - 1];
        parked = new AtomicBoolean[threads - 1];
        for (int i = 0; i < pool.length; i++) {
            int part = i + 1;
            parked[i] = new AtomicBoolean();
            pool[i] = new Thread(() -> work(part), "llama4j-cpu-" + part);
            pool[i].setDaemon(true);
            pool[i].start();
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
        if (parts <= 1 || closed || !busy.compareAndSet(false, true)) {
            body.run(0, n);
            return;
        }
        try {
            error.set(null);
            pending.set(parts - 1);
            long next = epoch.get() + 1;
            task = new Task(body, n, parts, next, Thread.currentThread());
            epoch.set(next);
            for (int i = 0; i < parts - 1; i++) {
                if (parked[i].get()) {
                    LockSupport.unpark(pool[i]);
                }
            }
            Throwable err = null;
            try {
                body.run(0, (int) ((long) n / parts));
            } catch (RuntimeException | Error e) {
                err = e;
            }
            for (int spins = 1; pending.get() != 0; spins++) {
                if (spinNanos == 0) {
                    // More threads than cores: sleep until the last range ends (its thread unparks us).
                    LockSupport.parkNanos(this, 100_000);
                } else if ((spins & 31) == 0) {
                    // Yield now and then: a worker descheduled by a third thread (JIT, GC, another pool) gets a core.
                    Thread.yield();
                } else {
                    Thread.onSpinWait();
                }
            }
            if (err == null) {
                err = error.get();
            }
            if (err instanceof RuntimeException re) {
                throw re;
            }
            if (err instanceof Error er) {
                throw er;
            }
        } finally {
            task = null;
            busy.set(false);
        }
    }

    private void work(int part) {
        long seen = 0;
        AtomicBoolean mine = parked[part - 1];
        while (true) {
            long e = epoch.get();
            long start = System.nanoTime();
            for (int spins = 0; e == seen && !closed; spins++) {
                if ((spins & 63) == 63) {
                    // Lets another runnable thread in (another pool's caller, say) when the cores are all taken.
                    Thread.yield();
                }
                if (((spins & 255) == 255 || spinNanos == 0) && System.nanoTime() - start >= spinNanos) {
                    mine.set(true);
                    if (epoch.get() == seen && !closed) {
                        LockSupport.park(this);
                    }
                    mine.set(false);
                    start = System.nanoTime();
                } else {
                    Thread.onSpinWait();
                }
                e = epoch.get();
            }
            if (closed) {
                return;
            }
            // The task is published before its epoch, so it is this epoch's or a later one's, or null when the
            // loop ended without this thread (it had no range in it).
            Task t = task;
            if (t == null || t.epoch() <= seen) {
                seen = e;
                continue;
            }
            seen = t.epoch();
            if (part >= t.parts()) {
                continue;
            }
            try {
                t.body().run((int) ((long) t.n() * part / t.parts()), (int) ((long) t.n() * (part + 1) / t.parts()));
            } catch (Throwable x) {
                error.compareAndSet(null, x);
            } finally {
                if (pending.decrementAndGet() == 0 && spinNanos == 0) {
                    LockSupport.unpark(t.caller());
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread t : pool) {
            LockSupport.unpark(t);
        }
    }
}
