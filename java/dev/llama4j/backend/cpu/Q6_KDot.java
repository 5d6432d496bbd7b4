package dev.llama4j.backend.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Row dot for Q6_K super-blocks (256 weights in 210 bytes: {@code uint8 ql[128]; uint8 qh[64]; int8 scales[16];
 * half d}). Each weight is 4 low bits from {@code ql} and 2 high bits from {@code qh}, minus 32, times
 * {@code d·scales[sub-block of 16]}; the weight is formed in float lanes as the reference does, then dotted.
 */
final class Q6_KDot implements RowDot {
    private static final int QK = 256;
    private static final int BYTES = 210;

    static boolean supported() {
        return Vec.B != null && Vec.L <= 16 && 16 % Vec.L == 0;
    }

    /** Chunks of {@link Vec#L} weights per super-block; a field, so the JIT keeps the chunk loop a loop. */
    private final int chunks = QK / Vec.L;

    @Override
    public float dot(MemorySegment w, long off, float[] x, int xOff, int cols, float[] scratch) {
        final int l = Vec.L;
        int nb = cols / QK;
        FloatVector acc0 = FloatVector.zero(Vec.F);
        FloatVector acc1 = FloatVector.zero(Vec.F);
        for (int b = 0; b < nb; b++) {
            long o = off + (long) b * BYTES;
            int xo = xOff + b * QK;
            float d = Float.float16ToFloat(w.get(Vec.SHORT_LE, o + 208));
            for (int k = 0; k < chunks; k += 2) {
                acc0 = chunk(w, o, d, k * l).fma(FloatVector.fromArray(Vec.F, x, xo + k * l), acc0);
                acc1 = chunk(w, o, d, (k + 1) * l)
                        .fma(FloatVector.fromArray(Vec.F, x, xo + (k + 1) * l), acc1);
            }
        }
        return Vec.sum(acc0.add(acc1));
    }

    /**
     * Weights {@code e .. e+L} of the super-block at {@code o}. In ggml's layout weight {@code e = 128n + 32q + j}
     * (half {@code n}, quarter {@code q}, {@code j < 32}) takes nibble {@code q >> 1} of {@code ql[64n + 32(q & 1) + j]},
     * bits {@code 2q..2q+1} of {@code qh[32n + j]} and scale {@code scales[8n + j/16 + 2q]}.
     */
    private static FloatVector chunk(MemorySegment w, long o, float d, int e) {
        int n = e >> 7;
        int q = (e >> 5) & 3;
        int j = e & 31;
        IntVector ql = Vec.bytes(w, o + 64 * n + 32 * (q & 1) + j);
        IntVector qh = Vec.bytes(w, o + 128 + 32 * n + j);
        IntVector v = ql.lanewise(VectorOperators.ASHR, 4 * (q >> 1)).and(0x0F)
                .or(qh.lanewise(VectorOperators.ASHR, 2 * q).and(0x03).lanewise(VectorOperators.LSHL, 4))
                .sub(32);
        float s = d * w.get(ValueLayout.JAVA_BYTE, o + 192 + 8 * n + (j >> 4) + 2 * q);
        return Vec.toFloat(v).mul(s);
    }
}
