package dev.llama4j.backend.cpu;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Row dot for Q4_0 blocks ({@code half d; uint8 qs[16]}; weight j is {@code d·((qs[j] & 15) - 8)} and weight
 * {@code 16+j} is {@code d·((qs[j] >> 4) - 8)}): bytes are widened to int lanes, the nibbles unpacked and re-centred
 * there, converted to float, dotted with the activations; the block sum is scaled by {@code d} once.
 */
final class Q4_0Dot implements RowDot {
    private static final int QK = 32;
    private static final int BYTES = 18;

    static boolean supported() {
        return Vec.B != null && Vec.L <= QK / 2;
    }

    private static FloatVector block(MemorySegment w, long o, float[] x, int xo) {
        FloatVector s = FloatVector.zero(Vec.F);
        for (int j = 0; j < QK / 2; j += Vec.L) {
            IntVector q = Vec.bytes(w, o + 2 + j);
            FloatVector lo = Vec.toFloat(q.and(0x0F).sub(8));
            FloatVector hi = Vec.toFloat(q.lanewise(VectorOperators.ASHR, 4).and(0x0F).sub(8));
            s = lo.fma(FloatVector.fromArray(Vec.F, x, xo + j), s);
            s = hi.fma(FloatVector.fromArray(Vec.F, x, xo + QK / 2 + j), s);
        }
        return s;
    }

    private static float scale(MemorySegment w, long o) {
        return Float.float16ToFloat(w.get(Vec.SHORT_LE, o));
    }

    @Override
    public float dot(MemorySegment w, long off, float[] x, int xOff, int cols, float[] scratch) {
        int nb = cols / QK;
        FloatVector acc0 = FloatVector.zero(Vec.F);
        FloatVector acc1 = FloatVector.zero(Vec.F);
        int b = 0;
        for (; b + 1 < nb; b += 2) {
            long o = off + (long) b * BYTES;
            int xo = xOff + b * QK;
            acc0 = block(w, o, x, xo).fma(FloatVector.broadcast(Vec.F, scale(w, o)), acc0);
            acc1 = block(w, o + BYTES, x, xo + QK).fma(FloatVector.broadcast(Vec.F, scale(w, o + BYTES)), acc1);
        }
        if (b < nb) {
            long o = off + (long) b * BYTES;
            acc0 = block(w, o, x, xOff + b * QK).fma(FloatVector.broadcast(Vec.F, scale(w, o)), acc0);
        }
        return Vec.sum(acc0.add(acc1));
    }
}
