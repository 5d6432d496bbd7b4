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

    private static final ValueLayout.OfLong LONG_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(Vec.LE);
    private static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(Vec.LE);

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
            long s0 = w.get(LONG_LE, o + 4);
            long s1 = w.get(INT_LE, o + 12) & 0xFFFFFFFFL;
            for (int i = 0; i < 4; i++) {
                int a = (int) (s0 >>> (8 * i)) & 0xFF;       // scales[i]
                int m = (int) (s0 >>> (8 * i + 32)) & 0xFF;  // scales[i + 4]
                int c = (int) (s1 >>> (8 * i)) & 0xFF;       // scales[i + 8]
                scratch[i] = d * (a & 63);
                scratch[8 + i] = dmin * (m & 63);
                scratch[4 + i] = d * ((c & 0xF) | ((a >> 6) << 4));
                scratch[12 + i] = dmin * ((c >> 4) | ((m >> 6) << 4));
            }
            for (int k = 0; k < chunks / 2; k++) {
                int e = k * l;           // byte index in qs: group g = e / 32, j = e % 32
                int g = e >> 5;
                int j = e & 31;
                IntVector q = Vec.bytes(w, o + 16 + e);
                FloatVector lo = Vec.toFloat(q.and(0x0F));
                FloatVector hi = Vec.toFloat(q.lanewise(VectorOperators.ASHR, 4).and(0x0F));
                int xe = xo + 64 * g + j;
                acc0 = lo.mul(scratch[2 * g]).sub(scratch[8 + 2 * g]).fma(FloatVector.fromArray(Vec.F, x, xe), acc0);
                acc1 = hi.mul(scratch[2 * g + 1]).sub(scratch[9 + 2 * g])
                        .fma(FloatVector.fromArray(Vec.F, x, xe + 32), acc1);
            }
        }
        return Vec.sum(acc0.add(acc1));
    }
}
