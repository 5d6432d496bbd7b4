package dev.llama4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama4j.gguf.GgmlType;
import dev.llama4j.tensor.Tensor;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link VectorOps#matmul} against {@link ScalarOps#matmul} for every type, through the fast block-dots and through
 * the generic block-dot, on odd shapes (1, 3, 17 blocks per row; 1, 7, 33 rows; 1, 3, 9 tokens).
 *
 * <p>Tolerance: relative L2 error ≤ 1e-5. Both sides use the same dequantized weights (the fast paths form each
 * weight as the reference does, or scale a block's integer dot once, an exact-up-to-one-rounding reassociation);
 * the only difference is float32 summation order (vector lanes, several accumulators) over up to 4352 terms of
 * random sign, whose rounding error is about {@code 2^-24 · sqrt(n)} relative, ≈ 4e-6 at most here.
 */
class MatmulParityTest {
    static final double TOL = 1e-5;
    private static VectorOps fast;
    private static VectorOps generic;
    private static final ScalarOps scalar = new ScalarOps();

    @BeforeAll
    static void up() {
        fast = new VectorOps(2, true);
        generic = new VectorOps(2, false);
    }

    @AfterAll
    static void down() {
        fast.close();
        generic.close();
    }

    static Stream<GgmlType> types() {
        return RandomTensors.TYPES.stream();
    }

    static int[] colsFor(GgmlType type) {
        int bs = type.blockSize();
        return bs > 1 ? new int[] {bs, 3 * bs, 17 * bs} : new int[] {1, 37, 549};
    }

    @ParameterizedTest
    @MethodSource("types")
    void fastPathMatchesScalar(GgmlType type) {
        check(type, fast);
    }

    @ParameterizedTest
    @MethodSource("types")
    void genericPathMatchesScalar(GgmlType type) {
        check(type, generic);
    }

    private static void check(GgmlType type, VectorOps ops) {
        Random rnd = new Random(type.ordinal() * 1000L + 7);
        double worst = 0;
        for (int cols : colsFor(type)) {
            for (int rows : new int[] {1, 7, 33}) {
                Tensor w = RandomTensors.matrix(type, rows, cols, rnd);
                for (int nTokens : new int[] {1, 3, 9}) {
                    float[] x = RandomTensors.floats(nTokens * cols, rnd);
                    float[] ref = new float[nTokens * rows];
                    float[] got = new float[nTokens * rows];
                    scalar.matmul(ref, w, x, nTokens);
                    ops.matmul(got, w, x, nTokens);
                    double e = RandomTensors.relL2(got, ref, ref.length);
                    assertTrue(e <= TOL, type + " rows " + rows + " cols " + cols + " tokens " + nTokens
                            + ": relative L2 error " + e + " > " + TOL);
                    worst = Math.max(worst, e);
                }
            }
        }
        System.out.printf("matmul %-6s %s worst relative L2 %.2e%n", type, ops.hasFastPath(type) ? "fast" : "generic",
                worst);
    }

    @Test
    void fastPathsExistForTheFastTypes() {
        for (GgmlType t : RandomTensors.FAST) {
            assertTrue(fast.hasFastPath(t) || Vec.L < 8 || Vec.L > 16, t + " should have a fast path");
        }
    }

    @Test
    void threadCountDoesNotChangeResults() {
        try (VectorOps one = new VectorOps(1); VectorOps three = new VectorOps(3)) {
            Random rnd = new Random(3);
            for (GgmlType type : RandomTensors.TYPES) {
                int cols = colsFor(type)[2];
                Tensor w = RandomTensors.matrix(type, 67, cols, rnd);
                for (int nTokens : new int[] {1, 5}) {
                    float[] x = RandomTensors.floats(nTokens * cols, rnd);
                    float[] a = new float[nTokens * 67];
                    float[] b = new float[nTokens * 67];
                    one.matmul(a, w, x, nTokens);
                    three.matmul(b, w, x, nTokens);
                    assertArrayEquals(a, b, type + " tokens " + nTokens);
                }
            }
        }
    }
}
