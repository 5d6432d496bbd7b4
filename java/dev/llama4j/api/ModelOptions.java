package dev.llama4j.api;

import dev.llama4j.Llama4jException;
import dev.llama4j.backend.Backends;
import java.nio.file.Path;

/**
 * How to load a model.
 *
 * @param tokenizer     a tokenizer file (llama2.c tokenizer.bin or a GGUF vocabulary); null = the model's own
 * @param backend       backend choice, threads, KV cache type
 * @param contextLength positions per context; 0 = the model's context length, capped at {@link #DEFAULT_MAX_CONTEXT}
 * @param batchSize     prompt tokens processed per forward step (≥ 1)
 * @param contexts      contexts the memory check at load reserves a KV cache for (≥ 1; a server's parallel slots)
 */
public record ModelOptions(Path tokenizer, Backends.Options backend, int contextLength, int batchSize, int contexts) {
    public static final int DEFAULT_MAX_CONTEXT = 4096;

    public ModelOptions {
        if (backend == null) {
            backend = Backends.Options.defaults();
        }
        if (contextLength < 0) {
            throw new Llama4jException("context length " + contextLength + " must be >= 0 (0 = the model's)");
        }
        if (batchSize < 1) {
            throw new Llama4jException("batch size " + batchSize + " must be >= 1");
        }
        if (contexts < 1) {
            throw new Llama4jException("contexts " + contexts + " must be >= 1");
        }
    }

    public ModelOptions(Path tokenizer, Backends.Options backend, int contextLength, int batchSize) {
        this(tokenizer, backend, contextLength, batchSize, 1);
    }

    public static ModelOptions defaults() {
        return new ModelOptions(null, Backends.Options.defaults(), 0, 512, 1);
    }

    public ModelOptions withTokenizer(Path t) {
        return new ModelOptions(t, backend, contextLength, batchSize, contexts);
    }

    public ModelOptions withBackend(Backends.Options b) {
        return new ModelOptions(tokenizer, b, contextLength, batchSize, contexts);
    }

    public ModelOptions withContextLength(int n) {
        return new ModelOptions(tokenizer, backend, n, batchSize, contexts);
    }

    public ModelOptions withBatchSize(int n) {
        return new ModelOptions(tokenizer, backend, contextLength, n, contexts);
    }

    public ModelOptions withContexts(int n) {
        return new ModelOptions(tokenizer, backend, contextLength, batchSize, n);
    }

    /** Positions a new context holds by default for a model whose own context length is {@code model}. */
    public int contextLengthFor(int model) {
        return contextLength > 0 ? Math.min(contextLength, model) : Math.min(model, DEFAULT_MAX_CONTEXT);
    }
}
