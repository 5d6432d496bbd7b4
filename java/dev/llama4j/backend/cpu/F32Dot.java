package dev.llama4j.backend.cpu;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** Row dot for F32 weights: float lanes straight from the segment. */
final class F32Dot implements RowDot {
    @Override
    public float dot(MemorySegment w, long off, float[] x, int xOff, int cols, float[] scratch) {
        final int l = Vec.L;
        FloatVector acc0 = FloatVector.zero(Vec.F);
        FloatVector acc1 = FloatVector.zero(Vec.F);
        int c = 0;
        for (int end = cols - 2 * l; c <= end; c += 2 * l) {
            FloatVector w0 = FloatVector.fromMemorySegment(Vec.F, w, off + 4L * c, Vec.LE);
            FloatVector w1 = FloatVector.fromMemorySegment(Vec.F, w, off + 4L * (c + l), Vec.LE);
            acc0 = w0.fma(FloatVector.fromArray(Vec.F, x, xOff + c), acc0);
            acc1 = w1.fma(FloatVector.fromArray(Vec.F, x, xOff + c + l), acc1);
        }
        for (int end = cols - l; c <= end; c += l) {
            acc0 = FloatVector.fromMemorySegment(Vec.F, w, off + 4L * c, Vec.LE)
                    .fma(FloatVector.fromArray(Vec.F, x, xOff + c), acc0);
        }
        float s = Vec.sum(acc0.add(acc1));
        for (; c < cols; c++) {
            s += w.get(Vec.FLOAT_LE, off + 4L * c) * x[xOff + c];
        }
        return s;
    }
}
