package dev.llama4j.gguf;

import dev.llama4j.model.Config;
import dev.llama4j.model.ModelFileException;
import dev.llama4j.model.TensorNames;
import dev.llama4j.tensor.Tensor;
import java.util.Optional;

/** Reads a LLaMA {@link Config} from GGUF metadata ({@code llama.*} keys, defaults as llama.cpp applies them). */
final class GgufConfig {
    private GgufConfig() {}

    static final String ARCHITECTURE = "general.architecture";
    static final String TOKENS = "tokenizer.ggml.tokens";

    static Config read(GgufFile f) {
        String arch = f.getString(ARCHITECTURE);
        if (!arch.equals("llama")) {
            throw new ModelFileException(f.path(), ARCHITECTURE + " is '" + arch + "', only 'llama' is supported");
        }
        int dim = f.getInt(Config.DIM);
        int hidden = f.getInt(Config.HIDDEN_DIM);
        int layers = f.getInt(Config.N_LAYERS);
        int heads = f.getInt(Config.N_HEADS);
        int kvHeads = f.getInt(Config.N_KV_HEADS, heads);
        int context = f.getInt(Config.CONTEXT_LENGTH);
        int ropeDim = f.getInt(Config.ROPE_DIM, heads > 0 ? dim / heads : 0);
        float theta = f.getFloat(Config.ROPE_THETA, 10000f);
        float eps = f.getFloat(Config.RMS_EPS, 1e-5f);
        return Config.of(f.path(), dim, hidden, layers, heads, kvHeads, vocabSize(f), context, ropeDim,
                theta, eps);
    }

    /** {@code llama.vocab_size}, else the length of {@code tokenizer.ggml.tokens}, else the embedding rows. */
    private static int vocabSize(GgufFile f) {
        if (f.has(Config.VOCAB_SIZE)) {
            return f.getInt(Config.VOCAB_SIZE);
        }
        if (f.has(TOKENS)) {
            return f.getArray(TOKENS).size();
        }
        Optional<Tensor> emb = f.findTensor(TensorNames.TOKEN_EMBD);
        if (emb.isPresent() && emb.get().ne().length >= 2 && emb.get().ne()[1] <= Integer.MAX_VALUE) {
            return (int) emb.get().ne()[1];
        }
        throw new ModelFileException(f.path(), "missing metadata key '" + Config.VOCAB_SIZE + "' (and no '" + TOKENS
                + "' array or " + TensorNames.TOKEN_EMBD + " tensor to take the vocabulary size from)");
    }
}
