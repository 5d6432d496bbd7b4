package dev.llama4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.llama4j.gguf.GgmlType;
import dev.llama4j.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.Random;

/** A check the repacked layouts' tests share ({@link LanePackedTest}, {@link KLanePackedTest}). */
final class RepackedForms {
    private RepackedForms() {}

    /**
     * For random {@code type} matrices of every {@code cols × rows} and every token count: the batched product on the
     * repacked form the ops choose ({@link VectorOps#matrix}) gives the bits of the GGUF layout's batched product, on
     * {@code one} and on {@code three} threads.
     */
    static void assertBatchIsTheGgufLayouts(GgmlType type, int[] colsList, int[] rowsList, int[] tokens, Random rnd,
                                            VectorOps one, VectorOps three, Arena memory) {
        for (int cols : colsList) {
            for (int rows : rowsList) {
                Tensor w = RandomTensors.matrix(type, rows, cols, rnd);
                CpuMatrix m1 = one.matrix(w, memory);
                assumeTrue(m1.repacked(), type + " is not repacked here (needs 256-bit vectors or wider)");
                CpuMatrix m3 = on(three, m1);
                for (int nTokens : tokens) {
                    float[] x = RandomTensors.floats(nTokens * cols, rnd);
                    float[] ref = new float[nTokens * rows];
                    float[] a = new float[nTokens * rows];
                    float[] b = new float[nTokens * rows];
                    one.matmul(ref, w, x, nTokens);
                    m1.matmul(a, x, nTokens);
                    m3.matmul(b, x, nTokens);
                    String what = type + " " + rows + "x" + cols + " tokens " + nTokens;
                    assertArrayEquals(ref, a, what + ": lane-packed vs GGUF layout");
                    assertArrayEquals(a, b, what + ": 1 vs 3 threads");
                }
            }
        }
    }

    /** The same repacked copy, multiplied through {@code ops}. */
    private static CpuMatrix on(VectorOps ops, CpuMatrix m) {
        return switch (m) {
            case CpuMatrix.Lanes l -> new CpuMatrix.Lanes(ops, l.packed(), l.tensor());
            case CpuMatrix.KLanes k -> new CpuMatrix.KLanes(ops, k.packed(), k.tensor());
            case CpuMatrix.Mapped p -> new CpuMatrix.Mapped(ops, p.tensor());
        };
    }
}
