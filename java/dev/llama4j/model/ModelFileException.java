package dev.llama4j.model;

import dev.llama4j.Llama4jException;
import java.nio.file.Path;

/**
 * A model, tokenizer or vocabulary file that cannot be read: truncated, wrong magic, unsupported version,
 * out-of-range field, unknown tensor type, missing metadata. The message names the file and the field or tensor.
 */
public class ModelFileException extends Llama4jException {
    private final Path file;

    public ModelFileException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    public ModelFileException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    /** The file that was being read. */
    public Path file() {
        return file;
    }
}
