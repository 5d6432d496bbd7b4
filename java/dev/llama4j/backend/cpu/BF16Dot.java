package dev.llama4j.backend.cpu;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/** Row dot for BF16 weights: the 16 bits shifted into the upper half of a float lane. */
final class BF16Dot implements RowDot {
    static boolean supported() {
        return Vec.S != null;
    }

    private static FloatVector load(MemorySegment w, long off) {
        ShortVector s = ShortVector.fromMemorySegment(Vec.S, w, off, Vec.LE);
        IntVector i = (IntVector) s.convertShape(VectorOperators.S2I, Vec.I, 0);
        return i.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    @Override
    public float dot(MemorySegment w, long off, float[] x, int xOff, int cols, float[] scratch) {
        final int l = Vec.L;
        FloatVector acc0 = FloatVector.zero(Vec.F);
        FloatVector acc1 = FloatVector.zero(Vec.F);
        int c = 0;
        for (int end = cols - 2 * l; c <= end; c += 2 * l) {
            acc0 = load(w, off + 2L * c).fma(FloatVector.fromArray(Vec.F, x, xOff + c), acc0);
            acc1 = load(w, off + 2L * (c + l)).fma(FloatVector.fromArray(Vec.F, x, xOff + c + l), acc1);
        }
        for (int end = cols - l; c <= end; c += l) {
            acc0 = load(w, off + 2L * c).fma(FloatVector.fromArray(Vec.F, x, xOff + c), acc0);
        }
        float s = Vec.sum(acc0.add(acc1));
        for (; c < cols; c++) {
            s += Float.intBitsToFloat((w.get(Vec.SHORT_LE, off + 2L * c) & 0xFFFF) << 16) * x[xOff + c];
        }
        return s;
    }
}
