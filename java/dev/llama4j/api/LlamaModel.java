package dev.llama4j.api;

import dev.llama4j.backend.Backend;
import dev.llama4j.chat.ChatTemplate;
import dev.llama4j.chat.ChatTemplates;
import dev.llama4j.backend.Backends;
import dev.llama4j.backend.DeviceSampling;
import dev.llama4j.backend.Workload;
import dev.llama4j.sampling.SamplingParams;
import dev.llama4j.model.Config;
import dev.llama4j.model.Llama;
import dev.llama4j.model.ModelFile;
import dev.llama4j.model.ModelFiles;
import dev.llama4j.model.State;
import dev.llama4j.model.Tokenizers;
import dev.llama4j.tokenizer.Tokenizer;
import java.nio.file.Path;

/**
 * A loaded model: weights placed on a backend, and its tokenizer. Load once, then open any number of independent
 * {@link LlamaContext}s (each with its own KV cache). Thread-safe; forward steps of different contexts take turns
 * on the backend.
 *
 * <pre>{@code
 * try (LlamaModel model = LlamaModel.load(Path.of("stories260K.gguf"), ModelOptions.defaults());
 *      LlamaContext ctx = model.newContext()) {
 *     GenerationResult r = ctx.generate("Once upon a time", GenerationOptions.greedy(64),
 *             (id, text) -> System.out.print(text));
 * }
 * }</pre>
 */
public final class LlamaModel implements AutoCloseable {
    private final ModelFile file;
    private final Tokenizer tokenizer;
    private final Backend backend;
    private final Llama llama;
    private final ModelOptions options;
    private final Object stepLock = new Object();

    private LlamaModel(ModelFile file, Tokenizer tokenizer, Backend backend, Llama llama, ModelOptions options) {
        this.file = file;
        this.tokenizer = tokenizer;
        this.backend = backend;
        this.llama = llama;
        this.options = options;
    }

    /** Opens {@code path}, reads its tokenizer, selects a backend and places the weights on it. */
    public static LlamaModel load(Path path, ModelOptions options) {
        ModelFile file = ModelFiles.open(path);
        Backend backend = null;
        try {
            Tokenizer tokenizer = Tokenizers.load(file, options.tokenizer());
            int ctx = options.contextLengthFor(file.config().contextLength());
            backend = Backends.select(file, options.backend(),
                    new Workload(ctx, Math.min(options.batchSize(), ctx), options.contexts()));
            return of(file, tokenizer, backend, options);
        } catch (RuntimeException | Error e) {
            if (backend != null) {
                backend.close();
            }
            file.close();
            throw e;
        }
    }

    /**
     * A model on a backend the caller built (for example the scalar reference backend in tests). The model owns
     * {@code file} and {@code backend} from here on and closes them.
     */
    public static LlamaModel of(ModelFile file, Tokenizer tokenizer, Backend backend, ModelOptions options) {
        return new LlamaModel(file, tokenizer, backend, Llama.load(file, backend), options);
    }

    public Config config() {
        return llama.config();
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** The model file's GGUF metadata (empty for llama2.c checkpoints). */
    public java.util.Map<String, Object> metadata() {
        return file.metadata();
    }

    /**
     * The chat template: {@code override} when given (llama2, llama3, chatml, mistral or a Jinja file), else the
     * file's {@code tokenizer.chat_template}, else Llama 2 (see {@link ChatTemplates#forModel}).
     */
    public ChatTemplate chatTemplate(String override) {
        return ChatTemplates.forModel(metadata(), tokenizer.vocabulary(), override);
    }

    /** A conversation on a new context of the default length, with the model's chat template. */
    public Conversation newConversation() {
        return new Conversation(newContext(), chatTemplate(null), true);
    }

    /** The backend in words. */
    public String backendDescription() {
        return backend.name() + ": " + backend.description();
    }

    public String backendName() {
        return backend.name();
    }

    public Path path() {
        return file.path();
    }

    /** Positions a new context holds by default. */
    public int defaultContextLength() {
        return options.contextLengthFor(config().contextLength());
    }

    /** A new context with the default length. */
    public LlamaContext newContext() {
        return newContext(defaultContextLength());
    }

    /** A new context of {@code contextLength} positions. */
    public LlamaContext newContext(int contextLength) {
        State s;
        synchronized (stepLock) {
            s = llama.newState(Math.min(options.batchSize(), contextLength), contextLength);
        }
        return new LlamaContext(this, s);
    }

    /** Frees {@code s}'s cache once no step of any context is running. */
    void release(State s) {
        synchronized (stepLock) {
            s.close();
        }
    }

    /** One forward step; steps of all contexts are serialised on the backend. */
    void forward(State s, int[] tokens, int n, int pos, float[] logits) {
        synchronized (stepLock) {
            llama.forward(s, tokens, n, pos, logits);
        }
    }

    /**
     * The next token picked on the backend from {@code s}'s logits (greedy or the draw with {@code u}), or -1 where
     * the backend has no {@link DeviceSampling} or cannot handle {@code p}.
     */
    int pickOnDevice(State s, SamplingParams p, float u) {
        if (!(backend instanceof DeviceSampling d) || !DeviceSampling.supports(p)) {
            return -1;
        }
        synchronized (stepLock) {
            int vocab = config().vocabSize();
            return p.greedy() ? d.argmax(s.logits(), vocab) : d.sample(s.logits(), vocab, p, u);
        }
    }

    /** Whether {@link #pickOnDevice} picks tokens for {@code p}. */
    boolean picksOnDevice(SamplingParams p) {
        return backend instanceof DeviceSampling && DeviceSampling.supports(p);
    }

    int batchSize() {
        return options.batchSize();
    }

    @Override
    public void close() {
        synchronized (stepLock) {
            backend.close();
            file.close();
        }
    }
}
