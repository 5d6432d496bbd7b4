package dev.llama4j.backend.cpu;

import dev.llama4j.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
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

    @Override
    public void rows(MemorySegment w, long rowBytes, int r0, int r1, float[] x, int cols, float[] prep, float[] out,
                     float[] scratch) {
        if (Vec.L != QK / 2) {
            RowDot.super.rows(w, rowBytes, r0, r1, x, cols, prep, out, scratch);
            return;
        }
        // Written out by hand for 16 lanes, Vector API calls made directly (no helpers), so that C2 inlines it all
        // and keeps the vectors in registers. Each row's operations are the same, in the same order, in the
        // four-row and the one-row loop, so a row's bits do not depend on its group.
        int nb = cols / QK;
        int r = r0;
        for (; r + 4 <= r1; r += 4) {
            long o = r * rowBytes;
            FloatVector a0 = FloatVector.zero(Vec.F);
            FloatVector a1 = FloatVector.zero(Vec.F);
            FloatVector a2 = FloatVector.zero(Vec.F);
            FloatVector a3 = FloatVector.zero(Vec.F);
            for (int b = 0; b < nb; b++, o += BYTES) {
                FloatVector x0 = FloatVector.fromArray(Vec.F, x, b * 32);
                FloatVector x1 = FloatVector.fromArray(Vec.F, x, b * 32 + 16);
                FloatVector s0 = ((FloatVector) ByteVector.fromMemorySegment(Vec.B, w, o + 2, Vec.LE)
                        .convertShape(VectorOperators.B2F, Vec.F, 0)).mul(x0);
                s0 = ((FloatVector) ByteVector.fromMemorySegment(Vec.B, w, o + 18, Vec.LE)
                        .convertShape(VectorOperators.B2F, Vec.F, 0)).fma(x1, s0);
                a0 = s0.fma(FloatVector.broadcast(Vec.F, Float.float16ToFloat(w.get(Vec.SHORT_LE, o))), a0);
                FloatVector s1 = ((FloatVector) ByteVector.fromMemorySegment(Vec.B, w, o + rowBytes + 2, Vec.LE)
                        .convertShape(VectorOperators.B2F, Vec.F, 0)).mul(x0);
                s1 = ((FloatVector) ByteVector.fromMemorySegment(Vec.B, w, o + rowBytes + 18, Vec.LE)
                        .convertShape(VectorOperators.B2F, Vec.F, 0)).fma(x1, s1);
                a1 = s1.fma(FloatVector.broadcast(Vec.F, Float.float16ToFloat(w.get(Vec.SHORT_LE, o + rowBytes))), a1);
                FloatVector s2 = ((FloatVector) ByteVector.fromMemorySegment(Vec.B, w, o + 2 * rowBytes + 2, Vec.LE)
                        .convertShape(VectorOperators.B2F, Vec.F, 0)).mul(x0);
                s2 = ((FloatVector) ByteVector.fromMemorySegment(Vec.B, w, o + 2 * rowBytes + 18, Vec.LE)
                        .convertShape(VectorOperators.B2F, Vec.F, 0)).fma(x1, s2);
                a2 = s2.fma(FloatVector.broadcast(Vec.F, Float.float16ToFloat(w.get(Vec.SHORT_LE, o + 2 * rowBytes))), a2);
                FloatVector s3 = ((FloatVector) ByteVector.fromMemorySegment(Vec.B, w, o + 3 * rowBytes + 2, Vec.LE)
                        .convertShape(VectorOperators.B2F, Vec.F, 0)).mul(x0);
                s3 = ((FloatVector) ByteVector.fromMemorySegment(Vec.B, w, o + 3 * rowBytes + 18, Vec.LE)
                        .convertShape(VectorOperators.B2F, Vec.F, 0)).fma(x1, s3);
                a3 = s3.fma(FloatVector.broadcast(Vec.F, Float.float16ToFloat(w.get(Vec.SHORT_LE, o + 3 * rowBytes))), a3);
            }
            out[r] = Vec.sum(a0);
            out[r + 1] = Vec.sum(a1);
            out[r + 2] = Vec.sum(a2);
            out[r + 3] = Vec.sum(a3);
        }
        for (; r < r1; r++) {
            long o = r * rowBytes;
            FloatVector a0 = FloatVector.zero(Vec.F);
            for (int b = 0; b < nb; b++, o += BYTES) {
                FloatVector x0 = FloatVector.fromArray(Vec.F, x, b * 32);
                FloatVector x1 = FloatVector.fromArray(Vec.F, x, b * 32 + 16);
                FloatVector s0 = ((FloatVector) ByteVector.fromMemorySegment(Vec.B, w, o + 2, Vec.LE)
                        .convertShape(VectorOperators.B2F, Vec.F, 0)).mul(x0);
                s0 = ((FloatVector) ByteVector.fromMemorySegment(Vec.B, w, o + 18, Vec.LE)
                        .convertShape(VectorOperators.B2F, Vec.F, 0)).fma(x1, s0);
                a0 = s0.fma(FloatVector.broadcast(Vec.F, Float.float16ToFloat(w.get(Vec.SHORT_LE, o))), a0);
            }
            out[r] = Vec.sum(a0);
        }
    }

    /** Vectorized, the same products {@code q · d} as {@link dev.llama4j.tensor.Dequant}. */
    @Override
    public void dequantize(GgmlType type, MemorySegment w, long off, float[] dst, int dstOff, int cols) {
        if (Vec.L != QK / 2) {
            RowDot.super.dequantize(type, w, off, dst, dstOff, cols);
            return;
        }
        for (int b = 0, nb = cols / QK; b < nb; b++, off += BYTES) {
            FloatVector d = FloatVector.broadcast(Vec.F, Float.float16ToFloat(w.get(Vec.SHORT_LE, off)));
            ((FloatVector) ByteVector.fromMemorySegment(Vec.B, w, off + 2, Vec.LE)
                    .convertShape(VectorOperators.B2F, Vec.F, 0)).mul(d).intoArray(dst, dstOff + b * QK);
            ((FloatVector) ByteVector.fromMemorySegment(Vec.B, w, off + 18, Vec.LE)
                    .convertShape(VectorOperators.B2F, Vec.F, 0)).mul(d).intoArray(dst, dstOff + b * QK + 16);
        }
    }
}
