package dev.llama4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.llama4j.gguf.GgmlType;
import dev.llama4j.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The repacked Q4_0/Q8_0 kernels ({@link Packed}, {@link PackedKernels}) give the same bits as the kernels on the
 * GGUF layout ({@link Q4_0Dot}, {@link Q8_0Dot} and the dequantize-then-tile batch path), hence the same results
 * {@link MatmulParityTest} checks against {@link ScalarOps}; on odd shapes (row counts that leave a partial last
 * group, 1–19 blocks per row), for 1 and several tokens, and on 1 and 3 threads alike.
 */
class PackedTest {
    private static VectorOps one;
    private static VectorOps three;
    private static final ScalarOps scalar = new ScalarOps();

    @BeforeAll
    static void up() {
        one = new VectorOps(1);
        three = new VectorOps(3);
    }

    @AfterAll
    static void down() {
        one.close();
        three.close();
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q8_0"})
    void sameBitsAsTheGgufLayout(GgmlType type) {
        assumeTrue(Packed.supports(RandomTensors.matrix(type, 1, 32, new Random(0))), "needs 16 float lanes");
        Random rnd = new Random(type.ordinal() * 31L + 5);
        for (int cols : new int[] {32, 96, 128, 608}) {
            for (int rows : new int[] {1, 3, 4, 6, 33, 67}) {
                Tensor w = RandomTensors.matrix(type, rows, cols, rnd);
                Packed p = Packed.of(w, three.workers());
                assertNotNull(p, type + " " + rows + "x" + cols);
                for (int nTokens : new int[] {1, 2, 5, 9}) {
                    float[] x = RandomTensors.floats(nTokens * cols, rnd);
                    float[] ref = new float[nTokens * rows];
                    float[] a = new float[nTokens * rows];
                    float[] b = new float[nTokens * rows];
                    float[] s = new float[nTokens * rows];
                    one.matmul(ref, w, x, nTokens);
                    one.matmul(a, p, w, x, nTokens);
                    three.matmul(b, p, w, x, nTokens);
                    String what = type + " " + rows + "x" + cols + " tokens " + nTokens;
                    assertArrayEquals(ref, a, what + ": packed vs GGUF layout");
                    assertArrayEquals(a, b, what + ": 1 vs 3 threads");
                    scalar.matmul(s, w, x, nTokens);
                    double e = RandomTensors.relL2(a, s, s.length);
                    assertTrue(e <= MatmulParityTest.TOL, what + ": relative L2 vs scalar " + e);
                }
            }
        }
    }
}
