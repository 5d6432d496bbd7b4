package dev.llama4j.model;

import dev.llama4j.backend.Backend;
import dev.llama4j.backend.Backend.Buf;
import dev.llama4j.backend.Backend.KvStore;

/**
 * Activation buffers for up to {@code maxBatch} tokens per forward step, and the KV cache for the context.
 * One per conversation/context; preallocated, so the forward pass allocates nothing.
 */
public final class State implements AutoCloseable {
    final int maxBatch;
    final Buf x;      // activation at current time, [maxBatch][dim]
    final Buf xb;     // inside a residual branch, [maxBatch][dim]
    final Buf xb2;    // an additional buffer, [maxBatch][dim]
    final Buf hb;     // ffn hidden, [maxBatch][hidden]
    final Buf hb2;    // ffn hidden, [maxBatch][hidden]
    final Buf q;      // queries, [maxBatch][dim]
    final Buf k;      // keys of this step, [maxBatch][kvDim]
    final Buf v;      // values of this step, [maxBatch][kvDim]
    final Buf xLast;  // last token's activation, [dim]
    final Buf logits; // [vocab]
    final KvStore kv; // [layer][contextLength][kvDim] keys and values

    State(Config c, Backend backend, int maxBatch, int contextLength) {
        this.maxBatch = maxBatch;
        int dim = c.dim();
        int hidden = c.hiddenDim();
        x = backend.buffer(Math.multiplyExact(maxBatch, dim));
        xb = backend.buffer(maxBatch * dim);
        xb2 = backend.buffer(maxBatch * dim);
        hb = backend.buffer(Math.multiplyExact(maxBatch, hidden));
        hb2 = backend.buffer(maxBatch * hidden);
        q = backend.buffer(maxBatch * dim);
        k = backend.buffer(maxBatch * c.kvDim());
        v = backend.buffer(maxBatch * c.kvDim());
        xLast = backend.buffer(dim);
        logits = backend.buffer(c.vocabSize());
        kv = backend.kvCache(c.nLayers(), contextLength, c.kvDim());
    }

    /** The logits of the last step's last token ([vocab]), where the backend keeps them. */
    public Buf logits() {
        return logits;
    }

    /** Positions the KV cache holds. */
    public int contextLength() {
        return kv.contextLength();
    }

    /** Frees the KV cache where the backend holds it off the Java heap; the state must not be used afterwards. */
    @Override
    public void close() {
        kv.close();
    }
}
