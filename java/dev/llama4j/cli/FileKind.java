package dev.llama4j.cli;

import dev.llama4j.model.ModelFileException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** What a file given on the command line is, told by its first bytes. */
enum FileKind {
    GGUF, OTHER;

    static FileKind of(Path p) {
        if (!Files.isRegularFile(p)) {
            throw new ModelFileException(p, Files.exists(p) ? "not a regular file" : "no such file");
        }
        try (InputStream in = Files.newInputStream(p)) {
            byte[] h = in.readNBytes(4);
            return h.length == 4 && h[0] == 'G' && h[1] == 'G' && h[2] == 'U' && h[3] == 'F' ? GGUF : OTHER;
        } catch (IOException e) {
            throw new ModelFileException(p, "cannot read: " + e.getMessage(), e);
        }
    }
}
