package dev.llama4j.server;

import dev.llama4j.api.LlamaContext;
import dev.llama4j.api.LlamaModel;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The contexts generations run on, and the bounded queue in front of them: {@code parallel} contexts serve at
 * once, up to {@code queue} more requests wait (first come, first served), and any request beyond that is turned
 * away with 503 at once.
 */
final class Slots implements AutoCloseable {
    private final int parallel;
    private final int queue;
    private final ArrayBlockingQueue<LlamaContext> free;
    private final AtomicInteger admitted = new AtomicInteger();
    private final AtomicInteger active = new AtomicInteger();

    Slots(LlamaModel model, int parallel, int queue, int contextLength) {
        this.parallel = parallel;
        this.queue = queue;
        this.free = new ArrayBlockingQueue<>(parallel, true);
        for (int i = 0; i < parallel; i++) {
            free.add(model.newContext(contextLength));
        }
    }

    /** A context held until the lease is closed. */
    final class Lease implements AutoCloseable {
        final LlamaContext context;
        private boolean closed;

        private Lease(LlamaContext context) {
            this.context = context;
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            context.reset();
            active.decrementAndGet();
            admitted.decrementAndGet();
            free.add(context);
        }
    }

    /** Waits for a free context; a 503 {@link ApiError} at once when the queue is already full. */
    Lease acquire() {
        if (admitted.incrementAndGet() > parallel + queue) {
            admitted.decrementAndGet();
            throw ApiError.overloaded(parallel, queue);
        }
        LlamaContext c;
        try {
            c = free.take();
        } catch (InterruptedException e) {
            admitted.decrementAndGet();
            Thread.currentThread().interrupt();
            throw new ApiError(503, "server_error", null, "shutting_down", "The server is shutting down");
        }
        active.incrementAndGet();
        return new Lease(c);
    }

    /** Requests waiting for a context. */
    int queued() {
        return Math.max(0, admitted.get() - active.get());
    }

    /** Generations running now. */
    int active() {
        return active.get();
    }

    @Override
    public void close() {
        for (LlamaContext c : free) {
            c.close();
        }
    }
}
