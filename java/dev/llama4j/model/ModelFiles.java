package dev.llama4j.model;

import dev.llama4j.gguf.GgufFile;
import dev.llama4j.llama2c.Llama2cCheckpoint;
import dev.llama4j.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Opens a model file of any supported format, telling the format by its first bytes. */
public final class ModelFiles {
    private static final int GGUF_MAGIC = 0x46554747; // "GGUF" little-endian

    private ModelFiles() {}

    /** Opens {@code path} as GGUF (magic "GGUF") or as a llama2.c checkpoint (version 1 magic "ak42", or legacy). */
    public static ModelFile open(Path path) {
        if (isGguf(path)) {
            return new Gguf(GgufFile.open(path));
        }
        return new Llama2c(Llama2cCheckpoint.open(path));
    }

    /**
     * Whether {@code path} starts with the GGUF magic.
     *
     * @throws ModelFileException if it is missing, not a regular file, or shorter than 4 bytes
     */
    public static boolean isGguf(Path path) {
        if (!Files.isRegularFile(path)) {
            throw new ModelFileException(path, Files.exists(path) ? "not a regular file" : "no such file");
        }
        try (InputStream in = Files.newInputStream(path)) {
            byte[] head = in.readNBytes(4);
            if (head.length < 4) {
                throw new ModelFileException(path, "file is " + head.length + " bytes long, too short for a model");
            }
            return ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getInt() == GGUF_MAGIC;
        } catch (IOException e) {
            throw new ModelFileException(path, "cannot read: " + e.getMessage(), e);
        }
    }

    /** A model over an already open GGUF file (for example an in-memory image); closing it closes {@code file}. */
    public static ModelFile of(GgufFile file) {
        return new Gguf(file);
    }

    private record Gguf(GgufFile file) implements ModelFile {
        @Override
        public Path path() {
            return file.path();
        }

        @Override
        public String format() {
            return "GGUF v" + file.version();
        }

        @Override
        public Config config() {
            return file.config();
        }

        @Override
        public List<Tensor> tensors() {
            return file.tensors();
        }

        @Override
        public Optional<Tensor> findTensor(String name) {
            return file.findTensor(name);
        }

        @Override
        public Map<String, Object> metadata() {
            return file.metadata();
        }

        @Override
        public void close() {
            file.close();
        }
    }

    private record Llama2c(Llama2cCheckpoint file) implements ModelFile {
        @Override
        public Path path() {
            return file.file();
        }

        @Override
        public String format() {
            return file.version() == 0 ? "llama2.c legacy checkpoint" : "llama2.c version " + file.version();
        }

        @Override
        public Config config() {
            return file.config();
        }

        @Override
        public List<Tensor> tensors() {
            return file.tensors();
        }

        @Override
        public Optional<Tensor> findTensor(String name) {
            return file.hasTensor(name) ? Optional.of(file.tensor(name)) : Optional.empty();
        }

        @Override
        public Map<String, Object> metadata() {
            return Map.of();
        }

        @Override
        public void close() {
            file.close();
        }
    }
}
