package dev.llama4j.api;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * A generation as a {@link Flow.Publisher}: subscribing starts it on a new virtual thread; each generated token is
 * one {@link TokenEvent}, then a last event carrying the {@link GenerationResult}, then {@code onComplete}. The
 * generation waits for demand ({@link Flow.Subscription#request}), so a slow subscriber slows it down rather than
 * buffering. {@link Flow.Subscription#cancel} stops the generation after its current token; the result (also in
 * {@link #result()}) then has {@link StopReason#CANCELLED}. One subscriber only.
 */
public final class TokenPublisher implements Flow.Publisher<TokenEvent> {
    private final Function<TokenListener, GenerationResult> job;
    private final Runnable cancel;
    private final CompletableFuture<GenerationResult> result = new CompletableFuture<>();
    private final AtomicBoolean subscribed = new AtomicBoolean();

    /**
     * @param job    runs the generation, streaming to the listener it is given
     * @param cancel asks the running generation to stop
     */
    TokenPublisher(Function<TokenListener, GenerationResult> job, Runnable cancel) {
        this.job = job;
        this.cancel = cancel;
    }

    /** Completes with the result when the generation ends (exceptionally if it failed). */
    public CompletableFuture<GenerationResult> result() {
        return result;
    }

    @Override
    public void subscribe(Flow.Subscriber<? super TokenEvent> s) {
        if (!subscribed.compareAndSet(false, true)) {
            s.onSubscribe(new Flow.Subscription() {
                @Override
                public void request(long n) {}

                @Override
                public void cancel() {}
            });
            s.onError(new IllegalStateException("a generation can be subscribed to once"));
            return;
        }
        Sub sub = new Sub(s);
        s.onSubscribe(sub);
        Thread.ofVirtual().name("llama4j-generate").start(sub::run);
    }

    private final class Sub implements Flow.Subscription {
        private final Flow.Subscriber<? super TokenEvent> s;
        private long demand;
        private boolean cancelled;
        private boolean failed;

        Sub(Flow.Subscriber<? super TokenEvent> s) {
            this.s = s;
        }

        @Override
        public void request(long n) {
            synchronized (this) {
                if (n <= 0) {
                    failed = true;
                    cancelled = true;
                } else {
                    demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
                }
                notifyAll();
            }
            if (n <= 0) {
                cancel.run();
            }
        }

        @Override
        public void cancel() {
            synchronized (this) {
                cancelled = true;
                notifyAll();
            }
            cancel.run();
        }

        /** Waits for demand; false when cancelled. */
        private synchronized boolean take() {
            while (demand == 0 && !cancelled) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    cancelled = true;
                }
            }
            if (cancelled) {
                return false;
            }
            demand--;
            return true;
        }

        void run() {
            GenerationResult r;
            try {
                r = job.apply((id, text) -> {
                    if (take()) {
                        s.onNext(new TokenEvent(id, text, null));
                    } else {
                        cancel.run(); // a cancel that raced with the start of generation
                    }
                });
            } catch (Throwable e) {
                result.completeExceptionally(e);
                synchronized (this) {
                    if (cancelled && !failed) {
                        return;
                    }
                }
                s.onError(failed ? new IllegalArgumentException("request(n) needs n > 0 (rule 3.9)") : e);
                return;
            }
            result.complete(r);
            if (failed) {
                s.onError(new IllegalArgumentException("request(n) needs n > 0 (rule 3.9)"));
            } else if (take()) {
                s.onNext(new TokenEvent(-1, "", r));
                s.onComplete();
            }
        }
    }
}
