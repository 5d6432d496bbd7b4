package dev.llama4j.backend.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
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

    @Override
    public float dot(MemorySegment w, long off, float[] x, int xOff, int cols, float[] scratch) {
        int nb = cols / QK;
        FloatVector acc0 = FloatVector.zero(Vec.F);
        FloatVector acc1 = FloatVector.zero(Vec.F);
        for (int b = 0; b < nb; b++) {
            long o = off + (long) b * BYTES;
            float d = Float.float16ToFloat(w.get(Vec.SHORT_LE, o));
            float dmin = Float.float16ToFloat(w.get(Vec.SHORT_LE, o + 2));
            for (int g = 0; g < 4; g++) {
                int is = 2 * g;
                FloatVector d1 = FloatVector.broadcast(Vec.F, d * scaleMin(w, o + 4, is, false));
                FloatVector m1 = FloatVector.broadcast(Vec.F, dmin * scaleMin(w, o + 4, is, true));
                FloatVector d2 = FloatVector.broadcast(Vec.F, d * scaleMin(w, o + 4, is + 1, false));
                FloatVector m2 = FloatVector.broadcast(Vec.F, dmin * scaleMin(w, o + 4, is + 1, true));
                long qo = o + 16 + 32L * g;
                int xo = xOff + b * QK + 64 * g;
                for (int j = 0; j < 32; j += Vec.L) {
                    ByteVector q = ByteVector.fromMemorySegment(Vec.B, w, qo + j, Vec.LE);
                    FloatVector lo = (FloatVector) q.and((byte) 0x0F).convertShape(VectorOperators.B2F, Vec.F, 0);
                    FloatVector hi = (FloatVector) q.lanewise(VectorOperators.LSHR, 4)
                            .convertShape(VectorOperators.B2F, Vec.F, 0);
                    acc0 = lo.mul(d1).sub(m1).fma(FloatVector.fromArray(Vec.F, x, xo + j), acc0);
                    acc1 = hi.mul(d2).sub(m2).fma(FloatVector.fromArray(Vec.F, x, xo + 32 + j), acc1);
                }
            }
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }
}
