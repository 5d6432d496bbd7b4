package dev.llama4j.backend.cpu;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** Row dot for F16 weights: half lanes widened to float in registers (exact, see {@link Vec#halfToFloat}). */
final class F16Dot implements RowDot {
    static boolean supported() {
        return Vec.S != null;
    }

    @Override
    public float dot(MemorySegment w, long off, float[] x, int xOff, int cols, float[] scratch) {
        final int l = Vec.L;
        FloatVector acc0 = FloatVector.zero(Vec.F);
        FloatVector acc1 = FloatVector.zero(Vec.F);
        int c = 0;
        for (int end = cols - 2 * l; c <= end; c += 2 * l) {
            acc0 = Vec.halves(w, off + 2L * c).fma(FloatVector.fromArray(Vec.F, x, xOff + c), acc0);
            acc1 = Vec.halves(w, off + 2L * (c + l)).fma(FloatVector.fromArray(Vec.F, x, xOff + c + l), acc1);
        }
        for (int end = cols - l; c <= end; c += l) {
            acc0 = Vec.halves(w, off + 2L * c).fma(FloatVector.fromArray(Vec.F, x, xOff + c), acc0);
        }
        float s = Vec.sum(acc0.add(acc1));
        for (; c < cols; c++) {
            s += Float.float16ToFloat(w.get(Vec.SHORT_LE, off + 2L * c)) * x[xOff + c];
        }
        return s;
    }
}
