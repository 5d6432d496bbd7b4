package dev.llama4j.backend.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Row dot for Q6_K super-blocks (256 weights in 210 bytes: {@code uint8 ql[128]; uint8 qh[64]; int8 scales[16];
 * half d}). Each weight is 4 low bits from {@code ql} and 2 high bits from {@code qh}, minus 32, times
 * {@code d·scales[sub-block of 16]}; the weight is formed in float lanes as the reference does, then dotted.
 */
final class Q6_KDot implements RowDot {
    private static final int QK = 256;
    private static final int BYTES = 210;

    static boolean supported() {
        return Vec.B != null && Vec.L <= 16 && 16 % Vec.L == 0;
    }

    private static FloatVector f(ByteVector q) {
        return (FloatVector) q.sub((byte) 32).convertShape(VectorOperators.B2F, Vec.F, 0);
    }

    @Override
    public float dot(MemorySegment w, long off, float[] x, int xOff, int cols, float[] scratch) {
        int nb = cols / QK;
        FloatVector acc0 = FloatVector.zero(Vec.F);
        FloatVector acc1 = FloatVector.zero(Vec.F);
        for (int b = 0; b < nb; b++) {
            long o = off + (long) b * BYTES;
            float d = Float.float16ToFloat(w.get(Vec.SHORT_LE, o + 208));
            for (int n = 0; n < 2; n++) {
                long ql = o + 64L * n;
                long qh = o + 128 + 32L * n;
                long sc = o + 192 + 8L * n;
                int xo = xOff + b * QK + 128 * n;
                for (int j = 0; j < 32; j += Vec.L) {
                    int is = j / 16;
                    ByteVector a = ByteVector.fromMemorySegment(Vec.B, w, ql + j, Vec.LE);
                    ByteVector c = ByteVector.fromMemorySegment(Vec.B, w, ql + 32 + j, Vec.LE);
                    ByteVector h = ByteVector.fromMemorySegment(Vec.B, w, qh + j, Vec.LE);
                    ByteVector q1 = a.and((byte) 0x0F).or(h.and((byte) 3).lanewise(VectorOperators.LSHL, 4));
                    ByteVector q2 = c.and((byte) 0x0F).or(h.and((byte) 0x0C).lanewise(VectorOperators.LSHL, 2));
                    ByteVector q3 = a.lanewise(VectorOperators.LSHR, 4).or(h.and((byte) 0x30));
                    ByteVector q4 = c.lanewise(VectorOperators.LSHR, 4)
                            .or(h.lanewise(VectorOperators.LSHR, 6).lanewise(VectorOperators.LSHL, 4));
                    float s1 = d * w.get(ValueLayout.JAVA_BYTE, sc + is);
                    float s2 = d * w.get(ValueLayout.JAVA_BYTE, sc + is + 2);
                    float s3 = d * w.get(ValueLayout.JAVA_BYTE, sc + is + 4);
                    float s4 = d * w.get(ValueLayout.JAVA_BYTE, sc + is + 6);
                    acc0 = f(q1).mul(s1).fma(FloatVector.fromArray(Vec.F, x, xo + j), acc0);
                    acc1 = f(q2).mul(s2).fma(FloatVector.fromArray(Vec.F, x, xo + 32 + j), acc1);
                    acc0 = f(q3).mul(s3).fma(FloatVector.fromArray(Vec.F, x, xo + 64 + j), acc0);
                    acc1 = f(q4).mul(s4).fma(FloatVector.fromArray(Vec.F, x, xo + 96 + j), acc1);
                }
            }
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }
}
