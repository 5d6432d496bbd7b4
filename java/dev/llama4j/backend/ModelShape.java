package dev.llama4j.backend;

import dev.llama4j.tensor.Tensor;
import java.util.List;

/**
 * What a backend's memory estimate needs to know of a model: its sizes, the matrices the forward pass multiplies
 * (the classifier among them) and the tables it only looks rows up in (the token embedding, unless it is the
 * classifier too).
 */
public record ModelShape(int nLayers, int dim, int hiddenDim, int kvDim, int nHeads, int vocabSize,
                         List<Tensor> matrices, List<Tensor> tables) {
    public ModelShape {
        matrices = List.copyOf(matrices);
        tables = List.copyOf(tables);
    }

    /** The longest row of any matrix (the widest activation a product reads). */
    public long maxCols() {
        return matrices.stream().mapToLong(Tensor::cols).max().orElse(dim);
    }
}
