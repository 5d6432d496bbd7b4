package dev.llama4j.backend.cpu;

import dev.llama4j.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * A weight matrix in the form its products run on, chosen once at load by the ops ({@link CpuOps#matrix}): the
 * mapped tensor itself ({@link Mapped}), or a copy repacked off the Java heap for a faster kernel
 * ({@link Lanes} for Q4_0 and Q8_0, {@link KLanes} for Q4_K, Q5_K and Q6_K).
 */
sealed interface CpuMatrix permits CpuMatrix.Mapped, CpuMatrix.Lanes, CpuMatrix.KLanes {

    /** The weight as the model file holds it. */
    Tensor tensor();

    /** {@code out = W·x} for {@code nTokens} tokens: {@link CpuOps#matmul}'s contract and results. */
    void matmul(float[] out, float[] x, int nTokens);

    /** What a product streams: the repacked copy, or the mapped tensor. */
    List<MemorySegment> data();

    /** Whether products read a repacked copy, so the mapped tensor's pages are not read by them any more. */
    default boolean repacked() {
        return false;
    }

    /** Products on the mapped tensor through {@code ops}. */
    record Mapped(CpuOps ops, Tensor tensor) implements CpuMatrix {
        @Override
        public void matmul(float[] out, float[] x, int nTokens) {
            ops.matmul(out, tensor, x, nTokens);
        }

        @Override
        public List<MemorySegment> data() {
            return List.of(tensor.data());
        }
    }

    /** Products on the {@link LanePacked} copy through {@code ops}'s 8-bit-activation kernels. */
    record Lanes(VectorOps ops, LanePacked packed, Tensor tensor) implements CpuMatrix {
        @Override
        public void matmul(float[] out, float[] x, int nTokens) {
            ops.matmul(out, packed, tensor, x, nTokens);
        }

        @Override
        public List<MemorySegment> data() {
            return List.of(packed.qs(), packed.d());
        }

        @Override
        public boolean repacked() {
            return true;
        }
    }

    /** Products on the {@link KPacked} copy through {@code ops}'s 8-bit-activation kernels. */
    record KLanes(VectorOps ops, KPacked packed, Tensor tensor) implements CpuMatrix {
        @Override
        public void matmul(float[] out, float[] x, int nTokens) {
            ops.matmul(out, packed, tensor, x, nTokens);
        }

        @Override
        public List<MemorySegment> data() {
            return List.of(packed.qs(), packed.meta());
        }

        @Override
        public boolean repacked() {
            return true;
        }
    }
}
