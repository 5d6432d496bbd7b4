package dev.llama4j.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.llama4j.backend.Backends;
import dev.llama4j.backend.MemoryEstimate;
import dev.llama4j.backend.Workload;
import dev.llama4j.backend.cpu.CpuBackend;
import dev.llama4j.model.Llama;
import dev.llama4j.model.ModelFile;
import dev.llama4j.model.ModelFiles;
import java.lang.foreign.Arena;
import org.junit.jupiter.api.Test;

/**
 * The memory estimate counts the K-quant repacks exactly ({@code MemoryLimitTest} does it for Q4_0): on
 * {@link KQuantModel} (Q4_K, Q5_K and Q6_K matrices) the estimated weights are the bytes the CPU backend then holds,
 * every type lane-packed; with float activations nothing is repacked and the estimate says so.
 */
class KQuantMemoryTest {

    @Test
    void theEstimateIsWhatTheBackendHolds() {
        try (Arena arena = Arena.ofShared(); ModelFile f = ModelFiles.of(KQuantModel.build(arena))) {
            Workload work = new Workload(256, 16, 1);
            try (CpuBackend b = CpuBackend.vector(2, false)) {
                MemoryEstimate e = Backends.cpuEstimate(f, new Backends.Options(Backends.Choice.CPU, 2, false), work);
                Llama.load(f, b);
                assumeTrue(b.repackedBytes() > 0, "the K-quant lane kernels need 256-bit vectors or wider");
                assertEquals(e.weights(), b.repackedBytes(), e.describe());
                for (String t : new String[] {"Q4_K", "Q5_K", "Q6_K"}) {
                    assertTrue(e.describe().contains(t + " lane-packed"), e.describe());
                }
            }
            try (CpuBackend b = CpuBackend.vector(2, false, false)) {
                Backends.Options f32 = new Backends.Options(Backends.Choice.CPU, 2, false, false, false, 0);
                MemoryEstimate e = Backends.cpuEstimate(f, f32, work);
                Llama.load(f, b);
                assertEquals(0, b.repackedBytes());
                assertTrue(!e.describe().contains("lane-packed"), e.describe());
            }
        }
    }
}
