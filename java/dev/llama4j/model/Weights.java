package dev.llama4j.model;

import dev.llama4j.backend.Backend;
import dev.llama4j.backend.Backend.Weight;
import dev.llama4j.gguf.GgmlType;
import dev.llama4j.tensor.Tensor;
import java.util.Arrays;

/**
 * The model's weights, placed on a backend. Every tensor is checked against the config's shape (ggml order,
 * {@code ne[0]} = row length) at load, with the tensor's name in the error.
 */
public final class Weights {
    final Weight tokenEmbedding; // [dim, vocab]
    final Weight[] attnNorm;     // [dim] per layer
    final Weight[] wq;           // [dim, dim]
    final Weight[] wk;           // [dim, kvDim]
    final Weight[] wv;           // [dim, kvDim]
    final Weight[] wo;           // [dim, dim]
    final Weight[] ffnNorm;      // [dim]
    final Weight[] w1;           // ffn_gate [dim, hidden]
    final Weight[] w2;           // ffn_down [hidden, dim]
    final Weight[] w3;           // ffn_up   [dim, hidden]
    final Weight outputNorm;     // [dim]
    final Weight classifier;     // output [dim, vocab], or the token embedding when tied

    private Weights(ModelFile file, Backend backend) {
        Config c = file.config();
        int layers = c.nLayers();
        boolean tied = file.findTensor(TensorNames.OUTPUT).isEmpty();
        // Only looked up by rows, unless it is the classifier too.
        tokenEmbedding = tied ? place(file, backend, TensorNames.TOKEN_EMBD, c.dim(), c.vocabSize())
                : placeTable(file, backend, TensorNames.TOKEN_EMBD, c.dim(), c.vocabSize());
        attnNorm = new Weight[layers];
        wq = new Weight[layers];
        wk = new Weight[layers];
        wv = new Weight[layers];
        wo = new Weight[layers];
        ffnNorm = new Weight[layers];
        w1 = new Weight[layers];
        w2 = new Weight[layers];
        w3 = new Weight[layers];
        for (int l = 0; l < layers; l++) {
            attnNorm[l] = placeNorm(file, backend, TensorNames.attnNorm(l), c.dim());
            wq[l] = place(file, backend, TensorNames.attnQ(l), c.dim(), c.dim());
            wk[l] = place(file, backend, TensorNames.attnK(l), c.dim(), c.kvDim());
            wv[l] = place(file, backend, TensorNames.attnV(l), c.dim(), c.kvDim());
            wo[l] = place(file, backend, TensorNames.attnOutput(l), c.dim(), c.dim());
            ffnNorm[l] = placeNorm(file, backend, TensorNames.ffnNorm(l), c.dim());
            w1[l] = place(file, backend, TensorNames.ffnGate(l), c.dim(), c.hiddenDim());
            w2[l] = place(file, backend, TensorNames.ffnDown(l), c.hiddenDim(), c.dim());
            w3[l] = place(file, backend, TensorNames.ffnUp(l), c.dim(), c.hiddenDim());
        }
        outputNorm = placeNorm(file, backend, TensorNames.OUTPUT_NORM, c.dim());
        classifier = tied ? tokenEmbedding : place(file, backend, TensorNames.OUTPUT, c.dim(), c.vocabSize());
    }

    /** Checks every tensor and places it on the backend. */
    public static Weights load(ModelFile file, Backend backend) {
        return new Weights(file, backend);
    }

    private static Weight place(ModelFile file, Backend backend, String name, long cols, long rows) {
        return backend.weight(checked(file, name, cols, rows));
    }

    private static Weight placeTable(ModelFile file, Backend backend, String name, long cols, long rows) {
        return backend.table(checked(file, name, cols, rows));
    }

    private static Tensor checked(ModelFile file, String name, long cols, long rows) {
        Tensor t = file.tensor(name);
        long[] ne = t.ne();
        long r = 1;
        for (int i = 1; i < ne.length; i++) {
            r *= ne[i];
        }
        if (ne[0] != cols || r != rows || (ne.length > 2 && !trailingOnes(ne))) {
            throw new ModelFileException(file.path(), "tensor '" + name + "' has shape " + Arrays.toString(ne)
                    + ", expected [" + cols + ", " + rows + "]");
        }
        return t;
    }

    private static Weight placeNorm(ModelFile file, Backend backend, String name, long dim) {
        Tensor t = file.tensor(name);
        if (t.type() != GgmlType.F32) {
            throw new ModelFileException(file.path(),
                    "tensor '" + name + "' has type " + t.type() + ", expected F32 (a norm weight)");
        }
        if (t.elementCount() != dim || t.ne()[0] != dim) {
            throw new ModelFileException(file.path(), "tensor '" + name + "' has shape " + Arrays.toString(t.ne())
                    + ", expected [" + dim + "]");
        }
        return backend.weight(t);
    }

    private static boolean trailingOnes(long[] ne) {
        for (int i = 2; i < ne.length; i++) {
            if (ne[i] != 1) {
                return false;
            }
        }
        return true;
    }

    /** True when the classifier reuses the token embedding. */
    public boolean tiedClassifier() {
        return classifier == tokenEmbedding;
    }
}
