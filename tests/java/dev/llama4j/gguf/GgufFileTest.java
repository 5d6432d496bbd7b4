package dev.llama4j.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama4j.TestData;
import dev.llama4j.model.Config;
import dev.llama4j.model.ModelFileException;
import dev.llama4j.model.TensorNames;
import dev.llama4j.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shipped GGUF files open, and their metadata becomes the expected Config. */
class GgufFileTest {
    static final List<String> STORIES = List.of("stories260K.gguf", "stories260K-F16.gguf", "stories260K-Q8_0.gguf",
            "stories260K-Q4_0.gguf", "stories260K-Q4_K_M.gguf");

    @Test
    void stories260KConfigMatchesReadme() {
        for (String name : STORIES) {
            try (GgufFile f = GgufFile.open(TestData.model(name))) {
                assertEquals(3, f.version());
                assertEquals(new Config(64, 172, 5, 8, 4, 512, 2048, 8, 10000f, 1e-5f), f.config(), name);
                assertEquals(48, f.tensors().size());
                Tensor emb = f.tensor(TensorNames.TOKEN_EMBD);
                assertEquals(64, emb.ne()[0]);
                assertEquals(512, emb.ne()[1]);
                assertEquals("llama", f.getString("general.architecture"));
                assertEquals("llama", f.getString("tokenizer.ggml.model"));
                assertEquals(512, f.getStringArray("tokenizer.ggml.tokens").size());
                assertEquals("<unk>", f.getStringArray("tokenizer.ggml.tokens").get(0));
                assertEquals(512, f.getFloatArray("tokenizer.ggml.scores").length);
                assertTrue(f.findTensor(TensorNames.OUTPUT).isPresent());
                assertFalse(f.findTensor("nope").isPresent());
                var e = assertThrows(ModelFileException.class, () -> f.tensor("nope"));
                assertTrue(e.getMessage().contains("'nope'") && e.getMessage().contains(name), e.getMessage());
                // tensors are slices of one mapping, each with exactly the bytes its shape needs, aligned
                for (Tensor t : f.tensors()) {
                    assertEquals(t.type().bytesFor(t.elementCount()), t.data().byteSize(), t.name());
                }
                assertEquals(0, f.dataOffset() % f.alignment());
            }
        }
    }

    @Test
    void typedGettersNameTheKey() {
        try (GgufFile f = GgufFile.open(TestData.model("stories260K.gguf"))) {
            assertEquals(5, f.getInt(Config.N_LAYERS));
            assertEquals(5L, f.getLong(Config.N_LAYERS));
            assertEquals(7, f.getInt("no.such.key", 7));
            assertTrue(f.findInt("no.such.key").isEmpty());
            assertEquals(1e-5f, f.getFloat(Config.RMS_EPS));
            assertEquals(10000f, f.getFloat(Config.ROPE_THETA, 10000f));
            var e = assertThrows(ModelFileException.class, () -> f.getInt("no.such.key"));
            assertTrue(e.getMessage().contains("missing metadata key 'no.such.key'"), e.getMessage());
            e = assertThrows(ModelFileException.class, () -> f.getInt("general.architecture"));
            assertTrue(e.getMessage().contains("'general.architecture' has type STRING, expected an integer"),
                    e.getMessage());
            e = assertThrows(ModelFileException.class, () -> f.getString(Config.N_LAYERS));
            assertTrue(e.getMessage().contains(Config.N_LAYERS) && e.getMessage().contains("STRING"), e.getMessage());
            e = assertThrows(ModelFileException.class, () -> f.getFloat(Config.N_LAYERS));
            assertTrue(e.getMessage().contains(Config.N_LAYERS), e.getMessage());
            e = assertThrows(ModelFileException.class, () -> f.getArray(Config.N_LAYERS));
            assertTrue(e.getMessage().contains(Config.N_LAYERS), e.getMessage());
        }
    }

    @Test
    void vocabOnlyFileOpens() {
        try (GgufFile f = GgufFile.open(TestData.model("ggml-vocab-llama-spm.gguf"))) {
            assertEquals(0, f.tensors().size());
            assertEquals(22, f.metadata().size());
            assertEquals(32000, f.getStringArray("tokenizer.ggml.tokens").size());
            assertEquals(32000, f.getIntArray("tokenizer.ggml.token_type").length);
            assertEquals(GgufValueType.INT32,
                    GgufFile.elementTypeOf(f.metadata().get("tokenizer.ggml.token_type")).orElseThrow());
            assertTrue(f.getBoolean("tokenizer.ggml.add_bos_token", false));
            assertFalse(f.getBoolean("tokenizer.ggml.add_eos_token", true));
            // the file carries LLaMA-2-7B hyperparameters (but no tensors)
            assertEquals(new Config(4096, 11008, 32, 32, 32, 32000, 4096, 128, 10000f, 1e-5f), f.config());
            var e = assertThrows(ModelFileException.class, () -> f.tensor(TensorNames.TOKEN_EMBD));
            assertTrue(e.getMessage().contains(TensorNames.TOKEN_EMBD), e.getMessage());
        }
    }

    @Test
    void quantVectorsIsNotALlamaModel() {
        try (GgufFile f = GgufFile.open(TestData.model("quant_vectors.gguf"))) {
            assertEquals(29, f.tensors().size());
            var e = assertThrows(ModelFileException.class, f::config);
            assertTrue(e.getMessage().contains("general.architecture is 'quant-test-vectors', only 'llama'"),
                    e.getMessage());
        }
    }
}
