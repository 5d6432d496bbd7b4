package dev.llama4j.backend.cpu;

import dev.llama4j.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
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
            acc0 = block(w, o, x, xo).fma(FloatVector.broadcast(Vec.F, Float.float16ToFloat(w.get(Vec.SHORT_LE, o))), acc0);
            acc1 = block(w, o + BYTES, x, xo + QK).fma(FloatVector.broadcast(Vec.F, Float.float16ToFloat(w.get(Vec.SHORT_LE, o + BYTES))), acc1);
        }
        if (b < nb) {
            long o = off + (long) b * BYTES;
            acc0 = block(w, o, x, xOff + b * QK).fma(FloatVector.broadcast(Vec.F, Float.float16ToFloat(w.get(Vec.SHORT_LE, o))), acc0);
        }
        return Vec.sum(acc0.add(acc1));
    }

    /**
     * {@code c[b·16 + j] = -8·(x[b·32 + j] + x[b·32 + 16 + j])}: the re-centring of block {@code b} folded into
     * the activations, so that a row's block sum is {@code Σ_j lo_j·x_j + hi_j·x_{16+j} + c_j} on the raw
     * nibbles, shared by every row.
     */
    @Override
    public float[] prepare(float[] x, int cols) {
        float[] c = new float[cols / 2];
        FloatVector m8 = FloatVector.broadcast(Vec.F, -8.0f);
        for (int b = 0; b < cols / QK; b++) {
            for (int j = 0; j < QK / 2; j += Vec.L) {
                FloatVector.fromArray(Vec.F, x, b * QK + j).add(FloatVector.fromArray(Vec.F, x, b * QK + QK / 2 + j))
                        .mul(m8).intoArray(c, b * (QK / 2) + j);
            }
        }
        return c;
    }

    @Override
    public void rows(MemorySegment w, long rowBytes, int r0, int r1, float[] x, int cols, float[] c, float[] out,
                     float[] scratch) {
        if (Vec.L != QK / 2) {
            RowDot.super.rows(w, rowBytes, r0, r1, x, cols, c, out, scratch);
            return;
        }
        // Written out by hand for 16 lanes (one vector per nibble half): C2 keeps every vector in a register only
        // when nothing is left to inlining. Each row's operations are the same, in the same order, in the
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
                FloatVector cv = FloatVector.fromArray(Vec.F, c, b * 16);
                FloatVector x0 = FloatVector.fromArray(Vec.F, x, b * 32);
                FloatVector x1 = FloatVector.fromArray(Vec.F, x, b * 32 + 16);
                IntVector q0 = (IntVector) ByteVector.fromMemorySegment(Vec.B, w, o + 2, Vec.LE).convertShape(VectorOperators.B2I, Vec.I, 0);
                IntVector q1 = (IntVector) ByteVector.fromMemorySegment(Vec.B, w, o + rowBytes + 2, Vec.LE).convertShape(VectorOperators.B2I, Vec.I, 0);
                IntVector q2 = (IntVector) ByteVector.fromMemorySegment(Vec.B, w, o + 2 * rowBytes + 2, Vec.LE).convertShape(VectorOperators.B2I, Vec.I, 0);
                IntVector q3 = (IntVector) ByteVector.fromMemorySegment(Vec.B, w, o + 3 * rowBytes + 2, Vec.LE).convertShape(VectorOperators.B2I, Vec.I, 0);
                FloatVector s0 = ((FloatVector) q0.and(0x0F).convert(VectorOperators.I2F, 0)).fma(x0, cv);
                FloatVector s1 = ((FloatVector) q1.and(0x0F).convert(VectorOperators.I2F, 0)).fma(x0, cv);
                FloatVector s2 = ((FloatVector) q2.and(0x0F).convert(VectorOperators.I2F, 0)).fma(x0, cv);
                FloatVector s3 = ((FloatVector) q3.and(0x0F).convert(VectorOperators.I2F, 0)).fma(x0, cv);
                s0 = ((FloatVector) q0.lanewise(VectorOperators.LSHR, 4).and(0x0F).convert(VectorOperators.I2F, 0)).fma(x1, s0);
                s1 = ((FloatVector) q1.lanewise(VectorOperators.LSHR, 4).and(0x0F).convert(VectorOperators.I2F, 0)).fma(x1, s1);
                s2 = ((FloatVector) q2.lanewise(VectorOperators.LSHR, 4).and(0x0F).convert(VectorOperators.I2F, 0)).fma(x1, s2);
                s3 = ((FloatVector) q3.lanewise(VectorOperators.LSHR, 4).and(0x0F).convert(VectorOperators.I2F, 0)).fma(x1, s3);
                a0 = s0.fma(FloatVector.broadcast(Vec.F, Float.float16ToFloat(w.get(Vec.SHORT_LE, o))), a0);
                a1 = s1.fma(FloatVector.broadcast(Vec.F, Float.float16ToFloat(w.get(Vec.SHORT_LE, o + rowBytes))), a1);
                a2 = s2.fma(FloatVector.broadcast(Vec.F, Float.float16ToFloat(w.get(Vec.SHORT_LE, o + 2 * rowBytes))), a2);
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
                FloatVector cv = FloatVector.fromArray(Vec.F, c, b * 16);
                FloatVector x0 = FloatVector.fromArray(Vec.F, x, b * 32);
                FloatVector x1 = FloatVector.fromArray(Vec.F, x, b * 32 + 16);
                IntVector q0 = (IntVector) ByteVector.fromMemorySegment(Vec.B, w, o + 2, Vec.LE).convertShape(VectorOperators.B2I, Vec.I, 0);
                FloatVector s0 = ((FloatVector) q0.and(0x0F).convert(VectorOperators.I2F, 0)).fma(x0, cv);
                s0 = ((FloatVector) q0.lanewise(VectorOperators.LSHR, 4).and(0x0F).convert(VectorOperators.I2F, 0)).fma(x1, s0);
                a0 = s0.fma(FloatVector.broadcast(Vec.F, Float.float16ToFloat(w.get(Vec.SHORT_LE, o))), a0);
            }
            out[r] = Vec.sum(a0);
        }
    }

    /** Vectorized, the same products {@code ((q & 15) - 8) · d} as {@link dev.llama4j.tensor.Dequant}. */
    @Override
    public void dequantize(GgmlType type, MemorySegment w, long off, float[] dst, int dstOff, int cols) {
        if (Vec.L != QK / 2) {
            RowDot.super.dequantize(type, w, off, dst, dstOff, cols);
            return;
        }
        for (int b = 0, nb = cols / QK; b < nb; b++, off += BYTES) {
            FloatVector d = FloatVector.broadcast(Vec.F, Float.float16ToFloat(w.get(Vec.SHORT_LE, off)));
            IntVector q = (IntVector) ByteVector.fromMemorySegment(Vec.B, w, off + 2, Vec.LE)
                    .convertShape(VectorOperators.B2I, Vec.I, 0);
            ((FloatVector) q.and(0x0F).sub(8).convert(VectorOperators.I2F, 0)).mul(d)
                    .intoArray(dst, dstOff + b * QK);
            ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).and(0x0F).sub(8).convert(VectorOperators.I2F, 0))
                    .mul(d).intoArray(dst, dstOff + b * QK + 16);
        }
    }
}
