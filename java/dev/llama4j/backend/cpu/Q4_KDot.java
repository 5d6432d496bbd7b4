package dev.llama4j.backend.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Row dot for Q4_K super-blocks (256 weights in 144 bytes: {@code half d, dmin; uint8 scales[12]; uint8 qs[128]}).
 * Eight sub-blocks of 32 carry a 6-bit scale and a 6-bit min; each 32 bytes of {@code qs} hold two sub-blocks (low
 * nibbles, then high nibbles). Weight = {@code d·sc·q - dmin·m}, formed in float lanes as the reference does, then
 * dotted with the activations.
 */
final class Q4_KDot implements RowDot {
    private static final int QK = 256;
    private static final int BYTES = 144;

    static boolean supported() {
        return Vec.B != null && Vec.L <= 32;
    }

    private static int u8(MemorySegment w, long o) {
        return w.get(ValueLayout.JAVA_BYTE, o) & 0xFF;
    }

    /** The 6-bit scale ({@code min == false}) or min of sub-block {@code j}, packed as in ggml's get_scale_min_k4. */
    static int scaleMin(MemorySegment w, long q, int j, boolean min) {
        if (j < 4) {
            return min ? u8(w, q + j + 4) & 63 : u8(w, q + j) & 63;
        }
        return min ? (u8(w, q + j + 4) >> 4) | ((u8(w, q + j) >> 6) << 4)
                   : (u8(w, q + j + 4) & 0xF) | ((u8(w, q + j - 4) >> 6) << 4);
    }

    /** Chunks of {@link Vec#L} weights per super-block; a field, so the JIT keeps the chunk loop a loop. */
    private final int chunks = QK / Vec.L;

    @Override
    public int scratchSize() {
        return 16;
    }

    @Override
    public float dot(MemorySegment w, long off, float[] x, int xOff, int cols, float[] scratch) {
        final int l = Vec.L;
        int nb = cols / QK;
        FloatVector acc0 = FloatVector.zero(Vec.F);
        FloatVector acc1 = FloatVector.zero(Vec.F);
        for (int b = 0; b < nb; b++) {
            long o = off + (long) b * BYTES;
            int xo = xOff + b * QK;
            float d = Float.float16ToFloat(w.get(Vec.SHORT_LE, o));
            float dmin = Float.float16ToFloat(w.get(Vec.SHORT_LE, o + 2));
            for (int i = 0; i < 8; i++) {
                scratch[i] = d * scaleMin(w, o + 4, i, false);
                scratch[8 + i] = dmin * scaleMin(w, o + 4, i, true);
            }
            for (int k = 0; k < chunks; k += 2) {
                acc0 = chunk(w, o, k * l, scratch).fma(FloatVector.fromArray(Vec.F, x, xo + k * l), acc0);
                acc1 = chunk(w, o, (k + 1) * l, scratch).fma(FloatVector.fromArray(Vec.F, x, xo + (k + 1) * l), acc1);
            }
        }
        return Vec.sum(acc0.add(acc1));
    }

    /**
     * Weights {@code e .. e+L} of the super-block at {@code o}: weight {@code e = 64g + 32h + j} is nibble {@code h}
     * of {@code qs[32g + j]} in sub-block {@code 2g + h}, formed as {@code d·sc·q - dmin·m} like the reference.
     */
    private static FloatVector chunk(MemorySegment w, long o, int e, float[] sm) {
        int g = e >> 6;
        int h = (e >> 5) & 1;
        int j = e & 31;
        int sb = 2 * g + h;
        IntVector q = Vec.bytes(w, o + 16 + 32 * g + j).lanewise(VectorOperators.ASHR, 4 * h).and(0x0F);
        return Vec.toFloat(q).mul(sm[sb]).sub(sm[8 + sb]);
    }
}
