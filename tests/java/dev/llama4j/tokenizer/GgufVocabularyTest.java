package dev.llama4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.llama4j.TestData;
import dev.llama4j.gguf.GgufFile;
import dev.llama4j.llama2c.Llama2cTokenizerFile;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** The same reference vectors with vocabularies read from GGUF metadata. */
class GgufVocabularyTest {
    static Vocabulary gguf(String name) {
        try (GgufFile g = GgufFile.open(TestData.model(name))) {
            return Vocabulary.fromGgufMetadata(g.path(), g.metadata());
        }
    }

    static Vocabulary llama2c(String name) {
        return Vocabulary.fromLlama2c(Llama2cTokenizerFile.open(TestData.model(name)));
    }

    @Test
    void llamaSpmVocabularyPassesAllVectors() throws IOException {
        Tokenizer tok = new SentencePieceBpe(gguf("ggml-vocab-llama-spm.gguf"));
        TokenizerReferenceTest.checkGgmlVocab(tok);
        TokenizerReferenceTest.checkReference(tok, TokenizerReferenceTest.json("tokenizer_llama2_32000.json"));
    }

    @Test
    void stories260KVocabularyPassesAllVectors() throws IOException {
        Tokenizer tok = new SentencePieceBpe(gguf("stories260K.gguf"));
        TokenizerReferenceTest.checkReference(tok, TokenizerReferenceTest.json("tokenizer_tok512.json"));
    }

    /** tokenizer.bin / tok512.bin normalise to exactly the vocabularies of the GGUF files. */
    @Test
    void llama2cAndGgufVocabulariesAreEqual() {
        assertSame(gguf("ggml-vocab-llama-spm.gguf"), llama2c("tokenizer.bin"));
        assertSame(gguf("stories260K.gguf"), llama2c("tok512.bin"));
    }

    static void assertSame(Vocabulary g, Vocabulary l) {
        assertArrayEquals(g.pieces(), l.pieces());
        assertArrayEquals(g.scores(), l.scores());
        assertArrayEquals(g.types(), l.types());
        assertEquals(g.bos(), l.bos());
        assertEquals(g.eos(), l.eos());
        assertEquals(g.unk(), l.unk());
        assertEquals(g.addBos(), l.addBos());
    }
}
