package dev.llama4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama4j.gguf.GgmlType;
import dev.llama4j.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link JitWarmUp}: every kind of matrix and both caches run through it without error, each kind once per JVM, and
 * the model's own matrices are left as they were.
 */
class JitWarmUpTest {
    @Test
    void warmsEachKindOnceAndLeavesTheModelAlone() {
        try (VectorOps ops = new VectorOps(2); Arena arena = Arena.ofShared()) {
            Tensor q4 = RandomTensors.matrix(GgmlType.Q4_0, 40, 64, new Random(1));
            Tensor f16 = RandomTensors.matrix(GgmlType.F16, 40, 64, new Random(2));
            Tensor q6 = RandomTensors.matrix(GgmlType.Q6_K, 8, 256, new Random(3));
            List<CpuMatrix> model = List.of(ops.matrix(q4, arena), ops.matrix(f16, arena), ops.matrix(q6, arena));
            float[] x = RandomTensors.floats(64, new Random(4));
            float[] before = new float[40];
            model.get(0).matmul(before, x, 1);

            JitWarmUp.forget();
            Set<String> first = JitWarmUp.run(ops, model, true, 300);
            assertTrue(first.contains("F16 mapped") && first.contains("attention F16"), first.toString());
            assertTrue(first.contains(model.get(2).repacked() ? "Q6_K lanes" : "Q6_K mapped"), first.toString());
            assertTrue(first.contains(LanePacked.supports(q4) ? "Q4_0 lanes" : "Q4_0 mapped"), first.toString());
            assertEquals(Set.of(), JitWarmUp.run(ops, model, true, 300), "warmed kinds are not warmed again");
            assertEquals(Set.of("attention F32"), JitWarmUp.run(ops, model, false, 300));
            JitWarmUp.forget();

            float[] after = new float[40];
            model.get(0).matmul(after, x, 1);
            assertArrayEquals(before, after);
        }
    }
}
