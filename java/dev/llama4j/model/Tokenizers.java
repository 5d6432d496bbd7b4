package dev.llama4j.model;

import dev.llama4j.gguf.GgufFile;
import dev.llama4j.llama2c.Llama2cTokenizerFile;
import dev.llama4j.tokenizer.SentencePieceBpe;
import dev.llama4j.tokenizer.Tokenizer;
import dev.llama4j.tokenizer.Vocabulary;
import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the tokenizer of a model: an explicit file, else the GGUF's own vocabulary, else tokenizer.bin beside it. */
public final class Tokenizers {
    private Tokenizers() {}

    /**
     * The tokenizer for {@code model}: from {@code tokenizerFile} when given (a llama2.c tokenizer.bin or a GGUF
     * with a vocabulary), else from the model's GGUF metadata, else from {@code tokenizer.bin} in the model's
     * folder. Its size must equal the model's vocabulary size.
     */
    public static Tokenizer load(ModelFile model, Path tokenizerFile) {
        Vocabulary vocab;
        if (tokenizerFile != null) {
            vocab = readVocabulary(tokenizerFile, model.config().vocabSize());
        } else if (!model.metadata().isEmpty()) {
            vocab = Vocabulary.fromGgufMetadata(model.path(), model.metadata());
        } else {
            Path beside = model.path().toAbsolutePath().resolveSibling("tokenizer.bin");
            if (!Files.isRegularFile(beside)) {
                throw new ModelFileException(model.path(), "a llama2.c checkpoint has no vocabulary; give one with "
                        + "--tokenizer FILE (no tokenizer.bin found beside the model)");
            }
            vocab = readVocabulary(beside, model.config().vocabSize());
        }
        if (vocab.size() != model.config().vocabSize()) {
            throw new ModelFileException(vocab.file(), "the tokenizer has " + vocab.size()
                    + " tokens but the model's vocabulary has " + model.config().vocabSize()
                    + " (give the model's own tokenizer with --tokenizer FILE)");
        }
        return new SentencePieceBpe(vocab);
    }

    /** Reads a vocabulary from a tokenizer file: a GGUF (vocabulary in its metadata) or a llama2.c tokenizer.bin. */
    public static Vocabulary readVocabulary(Path file, int expectedSize) {
        if (ModelFiles.isGguf(file)) {
            try (GgufFile g = GgufFile.open(file)) {
                return Vocabulary.fromGgufMetadata(file, g.metadata());
            }
        }
        return Vocabulary.fromLlama2c(expectedSize > 0
                ? Llama2cTokenizerFile.open(file, expectedSize) : Llama2cTokenizerFile.open(file));
    }
}
