package dev.llama4j.api;

import dev.llama4j.Llama4jException;
import dev.llama4j.model.State;
import dev.llama4j.sampling.Sampler;
import dev.llama4j.tokenizer.StreamingDecoder;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One conversation's state on a {@link LlamaModel}: its KV cache and the tokens already in it. Generations append
 * to the context, so a chat only processes each new turn. One generation at a time per context; a second
 * concurrent call fails at once.
 */
public final class LlamaContext implements AutoCloseable {
    private final LlamaModel model;
    private final State state;
    private final float[] logits;
    private final ReentrantLock busy = new ReentrantLock();
    private final AtomicBoolean cancel = new AtomicBoolean();
    private int[] tokens = new int[64];
    private int pos;

    LlamaContext(LlamaModel model, State state) {
        this.model = model;
        this.state = state;
        this.logits = new float[model.config().vocabSize()];
    }

    /** Positions this context holds. */
    public int contextLength() {
        return state.contextLength();
    }

    /** Positions used so far. */
    public int position() {
        return pos;
    }

    /** The tokens in the context, in order. */
    public int[] tokens() {
        return Arrays.copyOf(tokens, pos);
    }

    /** Forgets everything: the next generation starts at position 0. */
    public void reset() {
        lock();
        try {
            pos = 0;
        } finally {
            busy.unlock();
        }
    }

    /**
     * Drops the context back to {@code position} tokens (keeping the KV cache before it), so a later prompt can
     * continue from there.
     */
    public void truncate(int position) {
        if (position < 0 || position > pos) {
            throw new Llama4jException("cannot truncate to " + position + ": the context holds " + pos + " tokens");
        }
        lock();
        try {
            pos = position;
        } finally {
            busy.unlock();
        }
    }

    /** Asks a running generation to stop after its current token (it ends with {@link StopReason#CANCELLED}). */
    public void cancel() {
        cancel.set(true);
    }

    /**
     * Appends {@code promptIds} to the context and returns the logits after its last token (for scoring and
     * for comparing with reference implementations).
     */
    public float[] promptLogits(int[] promptIds) {
        lock();
        try {
            if (promptIds.length == 0 || pos + promptIds.length > state.contextLength()) {
                throw new Llama4jException("the prompt has " + promptIds.length + " tokens; the context has room for "
                        + (state.contextLength() - pos));
            }
            prefill(promptIds);
            return logits.clone();
        } finally {
            busy.unlock();
        }
    }

    /** Encodes {@code prompt} (BOS first if the options say so) and generates after it. */
    public GenerationResult generate(String prompt, GenerationOptions options, TokenListener listener) {
        return generate(model.tokenizer().encode(prompt, options.addBos()), options, listener);
    }

    /**
     * Appends {@code promptIds} to the context, processes them in batches and generates up to
     * {@code options.maxTokens()} tokens, streaming each to {@code listener}.
     */
    public GenerationResult generate(int[] promptIds, GenerationOptions options, TokenListener listener) {
        lock();
        try {
            cancel.set(false);
            return run(promptIds, options, listener == null ? TokenListener.NONE : listener);
        } finally {
            busy.unlock();
        }
    }

    /**
     * {@link #generate(int[], GenerationOptions, TokenListener)} as a {@link java.util.concurrent.Flow.Publisher}:
     * it starts when subscribed; cancelling the subscription cancels the generation.
     */
    public TokenPublisher generateAsync(int[] promptIds, GenerationOptions options) {
        int[] ids = promptIds.clone();
        return new TokenPublisher(l -> generate(ids, options, l), this::cancel);
    }

    /** {@link #generate(String, GenerationOptions, TokenListener)} as a publisher (see {@link #generateAsync(int[], GenerationOptions)}). */
    public TokenPublisher generateAsync(String prompt, GenerationOptions options) {
        return new TokenPublisher(l -> generate(prompt, options, l), this::cancel);
    }

    /** The model this context runs on. */
    public LlamaModel model() {
        return model;
    }

    private GenerationResult run(int[] prompt, GenerationOptions o, TokenListener listener) {
        int ctx = state.contextLength();
        if (prompt.length == 0 && pos == 0) {
            throw new Llama4jException("the prompt is empty and the context holds no tokens: nothing to continue");
        }
        if (pos + prompt.length > ctx) {
            throw new Llama4jException("the prompt has " + prompt.length + " tokens but the context has room for "
                    + (ctx - pos) + " (context length " + ctx + ", " + pos + " in use)");
        }
        int vocab = model.config().vocabSize();
        for (int id : prompt) {
            if (id < 0 || id >= vocab) {
                throw new Llama4jException("token id " + id + " is outside the vocabulary 0.." + (vocab - 1));
            }
        }
        Sampler sampler = new Sampler(o.sampling(), vocab);
        for (int i = 0; i < pos; i++) {
            sampler.accept(tokens[i]);
        }
        long t0 = System.nanoTime();
        if (prompt.length > 0) {
            prefill(prompt);
        } else {
            // Continue from the last token already in the context: recompute its logits.
            pos--;
            model.forward(state, new int[] {tokens[pos]}, 1, pos, logits);
            pos++;
        }
        for (int id : prompt) {
            sampler.accept(id);
        }
        long t1 = System.nanoTime();

        StreamingDecoder decoder = model.tokenizer().streamingDecoder();
        StopStrings stops = new StopStrings(o.stop());
        int eos = model.tokenizer().vocabulary().eos();
        int bos = model.tokenizer().vocabulary().bos();
        int[] out = new int[Math.min(o.maxTokens(), ctx - pos + 1)];
        int n = 0;
        StopReason reason;
        int[] one = new int[1];
        // On a backend with DeviceSampling (and no penalties) the token is picked where the logits are: the host
        // reads back one id per step; the draw's uniform number still comes from the sampler's seeded sequence.
        boolean onDevice = model.picksOnDevice(o.sampling());
        while (true) {
            int next = onDevice
                    ? model.pickOnDevice(state, o.sampling(), o.sampling().greedy() ? 0f : sampler.nextUniform())
                    : sampler.sample(logits);
            out[n++] = next;
            if (next == eos || next == bos || o.isStopToken(next)) {
                listener.onToken(next, stops.feed(decoder.flush()) + stops.flush());
                reason = next == bos ? StopReason.BOS : StopReason.EOS;
                break;
            }
            String text = stops.feed(decoder.accept(next));
            if (stops.matched()) {
                listener.onToken(next, text);
                reason = StopReason.STOP;
                break;
            }
            if (n == o.maxTokens() || pos == ctx || cancel.get()) {
                listener.onToken(next, text + stops.feed(decoder.flush()) + stops.flush());
                reason = cancel.get() ? StopReason.CANCELLED
                        : n == o.maxTokens() ? StopReason.MAX_TOKENS : StopReason.CONTEXT;
                break;
            }
            listener.onToken(next, text);
            sampler.accept(next);
            one[0] = next;
            model.forward(state, one, 1, pos, onDevice ? null : logits);
            append(one, 1);
        }
        long t2 = System.nanoTime();
        Timings timings = new Timings(prompt.length, t1 - t0, n, t2 - t1);
        return new GenerationResult(prompt, Arrays.copyOf(out, n), stops.text(), reason, timings);
    }

    /** Runs the prompt through the model in batches; leaves the last token's logits in {@code logits}. */
    private void prefill(int[] prompt) {
        int batch = Math.min(model.batchSize(), state.contextLength());
        for (int i = 0; i < prompt.length; i += batch) {
            int n = Math.min(batch, prompt.length - i);
            int[] chunk = Arrays.copyOfRange(prompt, i, i + n);
            model.forward(state, chunk, n, pos, logits);
            append(chunk, n);
        }
    }

    private void append(int[] ids, int n) {
        if (pos + n > tokens.length) {
            tokens = Arrays.copyOf(tokens, Math.max(tokens.length * 2, pos + n));
        }
        System.arraycopy(ids, 0, tokens, pos, n);
        pos += n;
    }

    private void lock() {
        if (!busy.tryLock()) {
            throw new Llama4jException("this context is already generating; use one context per concurrent request");
        }
    }

    /** Frees the context's KV cache (after any step in progress on the model); idempotent. */
    @Override
    public void close() {
        model.release(state);
    }
}
