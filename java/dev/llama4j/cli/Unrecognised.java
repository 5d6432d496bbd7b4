package dev.llama4j.cli;

import dev.llama4j.Llama4jException;
import dev.llama4j.model.ModelFileException;
import java.nio.file.Path;

/** The error for a file that is neither a GGUF, a llama2.c checkpoint nor a llama2.c tokenizer. */
final class Unrecognised {
    private Unrecognised() {}

    static ModelFileException file(Path file, Llama4jException asCheckpoint, Llama4jException asTokenizer) {
        return new ModelFileException(file, "not a GGUF file (no GGUF magic), nor a readable llama2.c checkpoint ("
                + reason(file, asCheckpoint) + "), nor a llama2.c tokenizer (" + reason(file, asTokenizer) + ")");
    }

    private static String reason(Path file, Llama4jException e) {
        String m = String.valueOf(e.getMessage());
        String prefix = file + ": ";
        return m.startsWith(prefix) ? m.substring(prefix.length()) : m;
    }
}
