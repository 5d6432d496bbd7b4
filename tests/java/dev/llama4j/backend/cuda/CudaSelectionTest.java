package dev.llama4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.llama4j.Llama4jException;
import dev.llama4j.TestData;
import dev.llama4j.backend.Backend;
import dev.llama4j.backend.Backends;
import dev.llama4j.gguf.GgmlType;
import dev.llama4j.model.ModelFile;
import dev.llama4j.model.ModelFiles;
import dev.llama4j.tensor.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link Backends#select} with CUDA present: {@code auto} picks CUDA for a model it can run, and for a model with a
 * tensor type the GPU path lacks ({@code stories260K-Q4_K_M.gguf} holds Q5_0 matrices) {@code --backend cuda} is a
 * clear error naming the tensor and its type while {@code auto} falls back to the CPU. Skipped without CUDA.
 */
class CudaSelectionTest {
    private static String unavailable;

    @BeforeAll
    static void probe() {
        CudaAvailability a = CudaAvailability.check(0);
        unavailable = a.ok() ? null : "CUDA unavailable: " + a.reason();
    }

    private static Backends.Options options(Backends.Choice c) {
        return new Backends.Options(c, 2, false);
    }

    @Test
    void autoPicksCudaForSupportedTypes() {
        assumeTrue(unavailable == null, unavailable);
        try (ModelFile f = ModelFiles.open(TestData.model("stories260K-Q8_0.gguf"));
                Backend b = Backends.select(f, options(Backends.Choice.AUTO))) {
            assertEquals("cuda", b.name());
        }
    }

    @Test
    void cudaRefusesQ5_0WithTensorAndType() {
        assumeTrue(unavailable == null, unavailable);
        try (ModelFile f = ModelFiles.open(TestData.model("stories260K-Q4_K_M.gguf"))) {
            Tensor q5 = f.tensors().stream().filter(t -> t.type() == GgmlType.Q5_0).findFirst().orElseThrow();
            Llama4jException e = assertThrows(Llama4jException.class,
                    () -> Backends.select(f, options(Backends.Choice.CUDA)).close());
            assertTrue(e.getMessage().contains("--backend cuda"), e.getMessage());
            assertTrue(e.getMessage().contains("Q5_0"), e.getMessage());
            assertTrue(e.getMessage().contains("tensor '"), e.getMessage());
            assertTrue(e.getMessage().contains("F32, F16, BF16, Q4_0, Q8_0, Q4_K, Q6_K"), e.getMessage());
            // placing the tensor directly is refused the same way
            try (CudaBackend gpu = CudaBackend.open(0)) {
                Llama4jException w = assertThrows(Llama4jException.class, () -> gpu.weight(q5));
                assertTrue(w.getMessage().contains(q5.name()) && w.getMessage().contains("Q5_0"), w.getMessage());
            }
        }
    }

    @Test
    void autoFallsBackToCpuForQ5_0() {
        assumeTrue(unavailable == null, unavailable);
        try (ModelFile f = ModelFiles.open(TestData.model("stories260K-Q4_K_M.gguf"));
                Backend b = Backends.select(f, options(Backends.Choice.AUTO))) {
            assertEquals("cpu", b.name());
        }
    }
}
