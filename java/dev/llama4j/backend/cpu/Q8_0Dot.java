package dev.llama4j.backend.cpu;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Row dot for Q8_0 blocks ({@code half d; int8 qs[32]}, weight = d·q): the int8 lanes are widened to float and
 * dotted with the activations, the block sum is scaled by {@code d} once.
 */
final class Q8_0Dot implements RowDot {
    private static final int QK = 32;
    private static final int BYTES = 34;

    static boolean supported() {
        return Vec.B != null && Vec.L <= QK;
    }

    private static FloatVector block(MemorySegment w, long o, float[] x, int xo) {
        FloatVector s = Vec.int8(w, o + 2).mul(FloatVector.fromArray(Vec.F, x, xo));
        for (int j = Vec.L; j < QK; j += Vec.L) {
            s = Vec.int8(w, o + 2 + j).fma(FloatVector.fromArray(Vec.F, x, xo + j), s);
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
