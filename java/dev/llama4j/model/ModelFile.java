package dev.llama4j.model;

import dev.llama4j.tensor.Tensor;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** An opened model file of any supported format: its validated config and its memory-mapped tensors. */
public interface ModelFile extends AutoCloseable {

    Path path();

    /** "GGUF v3", "llama2.c legacy", ... */
    String format();

    Config config();

    /** Tensors in file order. */
    List<Tensor> tensors();

    Optional<Tensor> findTensor(String name);

    /** GGUF metadata in file order (empty for llama2.c checkpoints). */
    Map<String, Object> metadata();

    /** The tensor, or a {@link ModelFileException} naming it. */
    default Tensor tensor(String name) {
        return findTensor(name).orElseThrow(() -> new ModelFileException(path(), "tensor '" + name + "' is missing"));
    }

    /** Unmaps the file. Tensors of a closed file must not be touched. */
    @Override
    void close();
}
