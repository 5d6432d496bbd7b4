package dev.llama4j.server;

import dev.llama4j.api.GenerationOptions;
import dev.llama4j.api.GenerationResult;
import dev.llama4j.api.LlamaContext;

/**
 * Runs one request's generation on a leased context, feeding text to a sink and cancelling the generation as soon
 * as the sink reports that the client is gone.
 */
final class Runner {
    /** Where generated text goes; returns false once the client has disconnected. */
    @FunctionalInterface
    interface Sink {
        boolean text(String text);

        Sink NONE = t -> true;
    }

    private final Slots slots;
    private final Metrics metrics;
    private final Hooks hooks;

    Runner(Slots slots, Metrics metrics, Hooks hooks) {
        this.slots = slots;
        this.metrics = metrics;
        this.hooks = hooks;
    }

    /** Waits for a context (503 at once when the queue is full). */
    Slots.Lease acquire() {
        return slots.acquire();
    }

    GenerationResult run(Slots.Lease lease, int[] promptIds, GenerationOptions options, Sink sink) {
        LlamaContext c = lease.context;
        hooks.started();
        int[] count = {0};
        GenerationResult r = c.generate(promptIds, options, (id, text) -> {
            count[0]++;
            if (!text.isEmpty() && !sink.text(text)) {
                c.cancel();
            }
            hooks.afterToken(count[0]);
        });
        metrics.generation(r);
        hooks.finished(r);
        return r;
    }
}
