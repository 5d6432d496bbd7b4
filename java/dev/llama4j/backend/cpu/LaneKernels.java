package dev.llama4j.backend.cpu;

import dev.llama4j.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The integer mat-vecs of {@link LanePacked} Q4_0 and Q8_0 weights against {@link Q8Activations}.
 *
 * <p>Q4_0 mat-vec, per group of {@code R} rows and block of 32 columns: for each pair of quant-byte positions and
 * each half of the group, one widening load puts the bytes {@code q} of both positions of {@code H} rows into
 * {@code 2H} short lanes (alternating positions); {@code q} times the broadcast coefficient pair
 * {@link Q8Activations#px} plus {@code (q >> 4)} times the pair {@link Q8Activations#py} is the product of both
 * nibbles with their activations, up to a term in each lane that cancels in the sum of a row's two lanes. The
 * lanes start at the offset's share ({@link Q8Activations#s8}), so a row's two lanes sum 16 bytes: 32 products
 * {@code (nibble − 8)·xq}, at most 8 · 127 in magnitude, whose exact total fits 16 bits; shorts add and multiply
 * modulo 2^16, so however single terms wrap, the two lanes added modulo 2^16 are that total, {@code Σ − sx8}.
 * Then {@code t = (Σ − sx8) · dx} in float (the integer part is exact) and {@code acc = t · d + acc} with the
 * rows' block scales {@code d} (floats since the repack). The float operations of a row are thus exactly those
 * of {@link ScalarOps#matVecQ8}, whatever the lane or thread a row falls in.
 */
final class LaneKernels {
    private LaneKernels() {}

    private static final int H = LanePacked.H;
    private static final int R = LanePacked.R;
    /** The {@code 2H} bytes of a half group's two positions. */
    private static final VectorSpecies<Byte> BH = VectorSpecies.of(byte.class, VectorShape.forBitSize(16 * H));
    /** The {@code 4H} bytes of both halves' two positions: a float vector's shape. */
    private static final VectorSpecies<Byte> BW = VectorSpecies.of(byte.class, Vec.F.vectorShape());
    /** {@code 2H} short lanes: a float vector's shape. */
    static final VectorSpecies<Short> SH = VectorSpecies.of(short.class, Vec.F.vectorShape());

    /** {@code out[r] = row r · x} for the rows of groups {@code [g0, g1)}, {@code x} given as {@code a}. */
    static void matVec(LanePacked w, int g0, int g1, Q8Activations a, float[] out) {
        if (w.type() == GgmlType.Q4_0) {
            q4(w, g0, g1, a, out);
        } else {
            q8(w, g0, g1, a, out);
        }
    }

    private static void q4(LanePacked w, int g0, int g1, Q8Activations a, float[] out) {
        int[] px = a.px();
        int[] py = a.py();
        float[] dx = a.dx();
        int[] s8 = a.s8();
        int nb = w.nb();
        // Vector API calls written out in place, no helpers and one induction variable per loop: with a helper
        // taking or returning a vector (even store() once per group), or a second induction variable, C2 boxed a
        // vector per block (350 KB of garbage per 2048x2048 product) and ran 10-20% slower. Hence also the
        // full-group stores written out here and in q8.
        for (int g = g0; g < g1; g++) {
            FloatVector f0 = FloatVector.zero(Vec.F);
            FloatVector f1 = FloatVector.zero(Vec.F);
            MemorySegment qs = w.groupQuants(g);
            MemorySegment d = w.groupScales(g);
            int o = 0;
            for (int b = 0; b < nb; b++) {
                ShortVector s0 = IntVector.broadcast(Vec.I, s8[b]).reinterpretAsShorts();
                ShortVector s1 = s0;
                for (int i = 8 * b, end = i + 8; i < end; i++, o += 2 * R) {
                    ShortVector x = IntVector.broadcast(Vec.I, px[i]).reinterpretAsShorts();
                    ShortVector y = IntVector.broadcast(Vec.I, py[i]).reinterpretAsShorts();
                    // Both halves' bytes in one load (a segment access costs its checks; one per 4H bytes, not 2H).
                    ByteVector both = ByteVector.fromMemorySegment(BW, qs, o, Vec.LE);
                    ShortVector q0 = (ShortVector) both.convertShape(VectorOperators.ZERO_EXTEND_B2S, SH, 0);
                    ShortVector q1 = (ShortVector) both.convertShape(VectorOperators.ZERO_EXTEND_B2S, SH, 1);
                    // The high nibbles: the pair shifted as one int (short shifts take no immediate), no mask; each
                    // even lane keeps the next lane's low nibble in its top 4 bits, which px cancels in the sum.
                    s0 = q0.mul(x).add(s0)
                            .add(q0.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsShorts().mul(y));
                    s1 = q1.mul(x).add(s1)
                            .add(q1.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsShorts().mul(y));
                }
                // A row's lanes added modulo 2^16 in the high half, then sign-extended.
                IntVector i0 = s0.reinterpretAsInts();
                IntVector i1 = s1.reinterpretAsInts();
                i0 = i0.add(i0.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                i1 = i1.add(i1.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                FloatVector t0 = ((FloatVector) i0.convert(VectorOperators.I2F, 0)).mul(dx[b]);
                FloatVector t1 = ((FloatVector) i1.convert(VectorOperators.I2F, 0)).mul(dx[b]);
                f0 = t0.fma(FloatVector.fromMemorySegment(Vec.F, d, (long) b * R * Float.BYTES, Vec.LE), f0);
                f1 = t1.fma(FloatVector.fromMemorySegment(Vec.F, d, ((long) b * R + H) * Float.BYTES, Vec.LE), f1);
            }
            if (g * R + R <= w.rows()) {
                f0.intoArray(out, g * R);
                f1.intoArray(out, g * R + H);
            } else {
                store(f0, f1, out, g * R, w.rows());
            }
        }
    }

    /**
     * The high nibbles of the bytes in {@code q}'s short lanes, shifted as ints (short shifts take no immediate),
     * without a mask: each even lane keeps the next lane's low nibble in its top 4 bits, which
     * {@link Q8Activations#px} cancels in the lanes' sum.
     */
    static ShortVector high(ShortVector q) {
        return q.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsShorts();
    }

    /**
     * Q8_0: per pair of positions and half group, the signed bytes of two pairs are widened into short lanes and
     * multiplied by their broadcast activation pairs ({@link Q8Activations#xp}); a lane then holds two products,
     * at most 2 · 128 · 127 = 32512 in magnitude, and a row's two lanes are sign-extended and added into an int
     * accumulator: the block's exact {@code Σ q·xq}. Then {@code t = Σ · dx} and {@code acc = t · d + acc}, as in
     * {@link ScalarOps#matVecQ8}.
     */
    private static void q8(LanePacked w, int g0, int g1, Q8Activations a, float[] out) {
        int[] xp = a.xp();
        float[] dx = a.dx();
        int nb = w.nb();
        for (int g = g0; g < g1; g++) {
            FloatVector f0 = FloatVector.zero(Vec.F);
            FloatVector f1 = FloatVector.zero(Vec.F);
            MemorySegment qs = w.groupQuants(g);
            MemorySegment d = w.groupScales(g);
            int o = 0;
            // As in q4: Vector API calls in place and one induction variable per loop, or C2 boxes vectors.
            for (int b = 0; b < nb; b++) {
                IntVector s0 = IntVector.zero(Vec.I);
                IntVector s1 = s0;
                for (int i = 16 * b, end = i + 16; i < end; i += 2, o += 4 * R) {
                    ShortVector x = IntVector.broadcast(Vec.I, xp[i]).reinterpretAsShorts();
                    ShortVector y = IntVector.broadcast(Vec.I, xp[i + 1]).reinterpretAsShorts();
                    ByteVector b01 = ByteVector.fromMemorySegment(BW, qs, o, Vec.LE);
                    ByteVector b23 = ByteVector.fromMemorySegment(BW, qs, o + 2 * R, Vec.LE);
                    ShortVector q0 = (ShortVector) b01.convertShape(VectorOperators.B2S, SH, 0);
                    ShortVector q1 = (ShortVector) b01.convertShape(VectorOperators.B2S, SH, 1);
                    ShortVector q2 = (ShortVector) b23.convertShape(VectorOperators.B2S, SH, 0);
                    ShortVector q3 = (ShortVector) b23.convertShape(VectorOperators.B2S, SH, 1);
                    IntVector p0 = q0.mul(x).add(q2.mul(y)).reinterpretAsInts();
                    IntVector p1 = q1.mul(x).add(q3.mul(y)).reinterpretAsInts();
                    s0 = s0.add(p0.lanewise(VectorOperators.ASHR, 16))
                            .add(p0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                    s1 = s1.add(p1.lanewise(VectorOperators.ASHR, 16))
                            .add(p1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                }
                FloatVector t0 = ((FloatVector) s0.convert(VectorOperators.I2F, 0)).mul(dx[b]);
                FloatVector t1 = ((FloatVector) s1.convert(VectorOperators.I2F, 0)).mul(dx[b]);
                f0 = t0.fma(FloatVector.fromMemorySegment(Vec.F, d, (long) b * R * Float.BYTES, Vec.LE), f0);
                f1 = t1.fma(FloatVector.fromMemorySegment(Vec.F, d, ((long) b * R + H) * Float.BYTES, Vec.LE), f1);
            }
            if (g * R + R <= w.rows()) {
                f0.intoArray(out, g * R);
                f1.intoArray(out, g * R + H);
            } else {
                store(f0, f1, out, g * R, w.rows());
            }
        }
    }

    /** A group's results (rows {@code r ..}) into {@code out}, the padding rows of the last group left out. */
    static void store(FloatVector f0, FloatVector f1, float[] out, int r, int rows) {
        if (r + R <= rows) {
            f0.intoArray(out, r);
            f1.intoArray(out, r + H);
        } else {
            float[] tail = new float[R];
            f0.intoArray(tail, 0);
            f1.intoArray(tail, H);
            System.arraycopy(tail, 0, out, r, rows - r);
        }
    }

    /** The {@code 2H} signed bytes at {@code o}, widened to short lanes. */
    static ShortVector signed(MemorySegment qs, int o) {
        return (ShortVector) ByteVector.fromMemorySegment(BH, qs, o, Vec.LE).convertShape(VectorOperators.B2S, SH, 0);
    }

    /** The {@code 2H} unsigned bytes at {@code o}, widened to short lanes. */
    static ShortVector unsigned(MemorySegment qs, int o) {
        return (ShortVector) ByteVector.fromMemorySegment(BH, qs, o, Vec.LE)
                .convertShape(VectorOperators.ZERO_EXTEND_B2S, SH, 0);
    }

    /**
     * Group {@code g} dequantized column by column into {@code tileT[c·R + k]} (row {@code k} of the group, the
     * {@link Tiles} panel layout; padding rows are zero): the products {@code (q − 8) · d} (Q4_0) or
     * {@code q · d} (Q8_0) of {@link dev.llama4j.tensor.Dequant}, the same bits.
     */
    static void dequantize(LanePacked w, int g, float[] tileT) {
        if (w.type() == GgmlType.Q4_0) {
            dequantizeQ4(w, g, tileT);
            return;
        }
        MemorySegment qs = w.groupQuants(g);
        MemorySegment d = w.groupScales(g);
        int nb = w.nb();
        int o = 0;
        for (int b = 0; b < nb; b++) {
            for (int i = 0; i < 16; i++) {
                for (int h = 0; h < 2; h++, o += 2 * H) {
                    FloatVector dh = FloatVector.fromMemorySegment(Vec.F, d, (b * R + h * H) * Float.BYTES, Vec.LE);
                    // Lane k: position 2i's signed byte in the low 8 bits, position 2i + 1's above, sign-extended.
                    IntVector v = (IntVector) ByteVector.fromMemorySegment(BH, qs, o, Vec.LE).reinterpretAsShorts()
                            .convertShape(VectorOperators.S2I, Vec.I, 0);
                    int c = (b * 32 + 2 * i) * R + h * H;
                    ((FloatVector) v.lanewise(VectorOperators.LSHL, 24).lanewise(VectorOperators.ASHR, 24)
                            .convert(VectorOperators.I2F, 0)).mul(dh).intoArray(tileT, c);
                    ((FloatVector) v.lanewise(VectorOperators.ASHR, 8).convert(VectorOperators.I2F, 0)).mul(dh)
                            .intoArray(tileT, c + R);
                }
            }
        }
    }

    private static void dequantizeQ4(LanePacked w, int g, float[] tileT) {
        MemorySegment qs = w.groupQuants(g);
        MemorySegment d = w.groupScales(g);
        int nb = w.nb();
        int o = 0;
        for (int b = 0; b < nb; b++) {
            for (int i = 0; i < 8; i++) {
                for (int h = 0; h < 2; h++, o += 2 * H) {
                    FloatVector dh = FloatVector.fromMemorySegment(Vec.F, d, (b * R + h * H) * Float.BYTES, Vec.LE);
                    // Lane k: the bytes of positions 2i (low 8 bits) and 2i + 1 of row h·H + k.
                    IntVector v = (IntVector) ByteVector.fromMemorySegment(BH, qs, o, Vec.LE).reinterpretAsShorts()
                            .convertShape(VectorOperators.ZERO_EXTEND_S2I, Vec.I, 0);
                    int c = (b * 32 + 2 * i) * R + h * H;
                    column(v, dh, tileT, c);
                    column(v.lanewise(VectorOperators.LSHR, 4), dh, tileT, c + 16 * R);
                    column(v.lanewise(VectorOperators.LSHR, 8), dh, tileT, c + R);
                    column(v.lanewise(VectorOperators.LSHR, 12), dh, tileT, c + 17 * R);
                }
            }
        }
    }

    private static void column(IntVector v, FloatVector d, float[] tileT, int at) {
        ((FloatVector) v.and(0x0F).sub(8).convert(VectorOperators.I2F, 0)).mul(d).intoArray(tileT, at);
    }
}
