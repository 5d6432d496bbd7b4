package dev.llama4j.backend.cpu;

import static dev.llama4j.backend.cpu.LaneKernels.high;
import static dev.llama4j.backend.cpu.LaneKernels.unsigned;

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
 * The integer mat-vecs of {@link KPacked} Q4_K, Q5_K and Q6_K weights against {@link Q8Activations} quantized per
 * super-block ({@code q8_K}), each giving {@link ScalarOps#matVecQ8K}'s bits, and the dequantization of a panel for
 * the prompt path. Per group of {@code H} rows (one vector of sums):
 * <ul>
 *   <li>Q4_K, per sub-block of 32: {@link LaneKernels}'s Q4_0 loop (the nibbles are in its order, the activations
 *       arranged the same), whose 16-bit lanes, started at the offset's share, end with
 *       {@code S = Σ (q − 8)·xq}, at most 32·8·127 in magnitude, exact modulo 2^16 in a row's two lanes added; as
 *       ints, {@code S + 8·Σxq} is the sub-block's {@code Σ q·xq}, times the rows' scales {@code sc} into
 *       {@code isum}, and the rows' mins times {@code Σxq} out of {@code msum}.</li>
 *   <li>Q6_K, per sub-block of 16: 4 quad steps. A quad step loads {@code 4H} bytes as {@code 2H} short lanes
 *       {@code v = qa | qb << 8} (a row's weights {@code 4t, 4t+1} in its even lane, {@code 4t+2, 4t+3} in its odd
 *       one, unsigned) and adds {@code v·xa + (v >>> 8)·(xb − 256·xa) = qa·xa + qb·xb} (modulo 2^16) with the
 *       broadcast coefficient pairs of {@link Q8Activations}' quads. The lanes, started at {@code −32·Σxq} of their
 *       weights, end with {@code Σ (q − 32)·xq} over 8 weights, at most 8·32·127 = 32512 in magnitude: each
 *       sign-extended, a row's two added, times the rows' signed scales into {@code isum}.</li>
 *   <li>Q5_K, per sub-block of 32: 8 quad steps, lanes started at {@code −16·Σxq}, 16 weights each (at most
 *       16·16·127); a row's two lanes added plus {@code 16·Σxq} is {@code Σ q·xq}, then scales and mins as
 *       Q4_K.</li>
 * </ul>
 * Every integer is exact (|isum| < 2^25, |msum| < 2^18); per super-block, in float,
 * {@code acc = fma(isum, d·dx, acc)} then {@code acc = fma(−msum, dmin·dx, acc)}, the reference's operations.
 * One group's work is small enough that C2 inlines all of it (vectors handed to a method it does not inline are
 * boxed, several times slower).
 */
final class KLaneKernels {
    private KLaneKernels() {}

    private static final int H = KPacked.H;
    private static final int R = KPacked.R;
    /** The {@code 2H} bytes of a group's two positions. */
    private static final VectorSpecies<Byte> BH = VectorSpecies.of(byte.class, VectorShape.forBitSize(16 * H));

    /** {@code out[r] = row r · x} for the rows of groups {@code [g0, g1)}, {@code x} given as {@code a}. */
    static void matVec(KPacked w, int g0, int g1, Q8Activations a, float[] out) {
        switch (w.type()) {
            case Q4_K -> q4(w, g0, g1, a, out);
            case Q5_K -> q5(w, g0, g1, a, out);
            default -> q6(w, g0, g1, a, out);
        }
    }

    // q4 and q5 differ only in the sub-block's inner loop; one method for both, branching per sub-block, measured
    // about 20% slower for Q4_K (the A/B in docs/benchmarks.md), so each keeps its own.
    private static void q4(KPacked w, int g0, int g1, Q8Activations a, float[] out) {
        int[] px = a.px();
        int[] py = a.py();
        int[] start = a.s8();
        int[] sums = a.sums();
        float[] dx = a.dx();
        int nb = w.nb();
        int mb = KPacked.metaBytes(w.type()) * H;
        for (int g = g0; g < g1; g++) {
            FloatVector f = FloatVector.zero(Vec.F);
            MemorySegment qs = w.groupQuants(g);
            MemorySegment m = w.groupMeta(g);
            int o = 0;
            for (int b = 0, mo = 0; b < nb; b++, mo += mb) {
                IntVector isum = IntVector.zero(Vec.I);
                IntVector msum = isum;
                for (int j = 0, s = 8 * b; j < 8; j++, s++) {
                    ShortVector acc = IntVector.broadcast(Vec.I, start[s]).reinterpretAsShorts();
                    for (int i = 8 * s, end = i + 8; i < end; i++, o += 2 * H) {
                        ShortVector q = unsigned(qs, o);
                        acc = q.mul(IntVector.broadcast(Vec.I, px[i]).reinterpretAsShorts())
                                .add(high(q).mul(IntVector.broadcast(Vec.I, py[i]).reinterpretAsShorts())).add(acc);
                    }
                    // A row's lanes added modulo 2^16 in the high half, sign-extended, the offset's share back.
                    IntVector v = acc.reinterpretAsInts();
                    v = v.add(v.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).add(8 * sums[s]);
                    isum = isum.add(v.mul(Vec.bytes(m, mo + 8 * H + j * H)));
                    msum = msum.sub(Vec.bytes(m, mo + 16 * H + j * H).mul(sums[s]));
                }
                f = scale(isum, msum, m, mo, dx[b], f);
            }
            store(f, out, g * H, w.rows());
        }
    }

    private static void q5(KPacked w, int g0, int g1, Q8Activations a, float[] out) {
        int[] px = a.px();
        int[] py = a.py();
        int[] start = a.s8();
        int[] sums = a.sums();
        float[] dx = a.dx();
        int nb = w.nb();
        int mb = KPacked.metaBytes(w.type()) * H;
        for (int g = g0; g < g1; g++) {
            FloatVector f = FloatVector.zero(Vec.F);
            MemorySegment qs = w.groupQuants(g);
            MemorySegment m = w.groupMeta(g);
            int o = 0;
            for (int b = 0, mo = 0; b < nb; b++, mo += mb) {
                IntVector isum = IntVector.zero(Vec.I);
                IntVector msum = isum;
                for (int j = 0, s = 8 * b; j < 8; j++, s++) {
                    ShortVector acc = IntVector.broadcast(Vec.I, start[s]).reinterpretAsShorts();
                    for (int i = 8 * s, end = i + 8; i < end; i++, o += 4 * H) {
                        // The quad step, written out: as a helper taking vectors it was at times compiled on its
                        // own first and then not inlined, its vectors boxed on every call (38 to 60 us a run).
                        ShortVector v = ShortVector.fromMemorySegment(LaneKernels.SH, qs, o, Vec.LE);
                        acc = v.mul(IntVector.broadcast(Vec.I, px[i]).reinterpretAsShorts())
                                .add(v.lanewise(VectorOperators.LSHR, 8)
                                        .mul(IntVector.broadcast(Vec.I, py[i]).reinterpretAsShorts()))
                                .add(acc);
                    }
                    IntVector v = lanes(acc).add(16 * sums[s]);
                    isum = isum.add(v.mul(Vec.bytes(m, mo + 8 * H + j * H)));
                    msum = msum.sub(Vec.bytes(m, mo + 16 * H + j * H).mul(sums[s]));
                }
                f = scale(isum, msum, m, mo, dx[b], f);
            }
            store(f, out, g * H, w.rows());
        }
    }

    private static void q6(KPacked w, int g0, int g1, Q8Activations a, float[] out) {
        int[] px = a.px();
        int[] py = a.py();
        int[] start = a.s8();
        float[] dx = a.dx();
        int nb = w.nb();
        int mb = KPacked.metaBytes(w.type()) * H;
        for (int g = g0; g < g1; g++) {
            FloatVector f = FloatVector.zero(Vec.F);
            MemorySegment qs = w.groupQuants(g);
            MemorySegment m = w.groupMeta(g);
            int o = 0;
            for (int b = 0, mo = 0; b < nb; b++, mo += mb) {
                IntVector isum = IntVector.zero(Vec.I);
                for (int j = 0, s = 16 * b; j < 16; j++, s++) {
                    ShortVector acc = IntVector.broadcast(Vec.I, start[s]).reinterpretAsShorts();
                    for (int i = 4 * s, end = i + 4; i < end; i++, o += 4 * H) {
                        ShortVector v = ShortVector.fromMemorySegment(LaneKernels.SH, qs, o, Vec.LE);
                        acc = v.mul(IntVector.broadcast(Vec.I, px[i]).reinterpretAsShorts())
                                .add(v.lanewise(VectorOperators.LSHR, 8)
                                        .mul(IntVector.broadcast(Vec.I, py[i]).reinterpretAsShorts()))
                                .add(acc);
                    }
                    isum = isum.add(lanes(acc).mul(Vec.bytes(m, mo + 4 * H + j * H)));
                }
                f = ((FloatVector) isum.convert(VectorOperators.I2F, 0))
                        .fma(FloatVector.fromMemorySegment(Vec.F, m, mo, Vec.LE).mul(dx[b]), f);
            }
            store(f, out, g * H, w.rows());
        }
    }

    /** A row's two short lanes, each sign-extended, added as ints (their sum may not fit 16 bits). */
    private static IntVector lanes(ShortVector s) {
        IntVector i = s.reinterpretAsInts();
        return i.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                .add(i.lanewise(VectorOperators.ASHR, 16));
    }

    /**
     * {@code acc = fma(isum, d·dx, acc)} then {@code fma(msum, dmin·dx, acc)} ({@code msum} already negated) for the
     * group whose {@code d} start at {@code m[at]} (its {@code dmin} {@code H} floats on).
     */
    private static FloatVector scale(IntVector isum, IntVector msum, MemorySegment m, int at, float dx,
                                     FloatVector acc) {
        FloatVector d = FloatVector.fromMemorySegment(Vec.F, m, at, Vec.LE).mul(dx);
        FloatVector dmin = FloatVector.fromMemorySegment(Vec.F, m, at + H * Float.BYTES, Vec.LE).mul(dx);
        acc = ((FloatVector) isum.convert(VectorOperators.I2F, 0)).fma(d, acc);
        return ((FloatVector) msum.convert(VectorOperators.I2F, 0)).fma(dmin, acc);
    }

    /** A group's results (rows {@code r ..}) into {@code out}, padding rows left out. */
    private static void store(FloatVector f, float[] out, int r, int rows) {
        if (r + H <= rows) {
            f.intoArray(out, r);
        } else if (r < rows) {
            float[] tail = new float[H];
            f.intoArray(tail, 0);
            System.arraycopy(tail, 0, out, r, rows - r);
        }
    }

    /**
     * Panel {@code p} (groups {@code 2p} and {@code 2p + 1}) dequantized column by column into {@code tileT[c·R + k]}
     * (row {@code k} of the panel, the {@link Tiles} layout; padding rows are zero), the bits of
     * {@link dev.llama4j.tensor.Dequant}: {@code (d·sc)·q − dmin·m} (Q4_K, Q5_K) or {@code (d·sc)·(q − 32)} (Q6_K),
     * each product rounded.
     */
    static void dequantize(KPacked w, int p, float[] tileT) {
        boolean q6 = w.type() == GgmlType.Q6_K;
        int ns = KBlocks.subBlocks(w.type());
        int len = KBlocks.QK / ns;
        int mb = KPacked.metaBytes(w.type()) * H;
        for (int h = 0; h < 2; h++) {
            MemorySegment qs = w.groupQuants(2 * p + h);
            MemorySegment m = w.groupMeta(2 * p + h);
            for (int b = 0; b < w.nb(); b++) {
                int mo = b * mb;
                for (int j = 0; j < ns; j++) {
                    int s = ns * b + j;
                    int so = mo + (q6 ? 4 : 8) * H + j * H;
                    FloatVector ds = FloatVector.fromMemorySegment(Vec.F, m, mo, Vec.LE)
                            .mul(Vec.toFloat(Vec.bytes(m, so)));
                    FloatVector dm = q6 ? null : FloatVector.fromMemorySegment(Vec.F, m, mo + H * Float.BYTES, Vec.LE)
                            .mul(Vec.toFloat(Vec.bytes(m, so + 8 * H)));
                    int c = (s * len) * R + h * H;
                    switch (w.type()) {
                        case Q4_K -> nibbles(qs, s, ds, dm, tileT, c);
                        case Q5_K -> bytes(qs, s * len / 4, len / 4, 0, ds, dm, tileT, c);
                        default -> bytes(qs, s * len / 4, len / 4, 32, ds, null, tileT, c);
                    }
                }
            }
        }
    }

    /** Sub-block {@code s} of a group (Q4_K nibbles): columns from {@code c} on, {@code d·q − dm}. */
    private static void nibbles(MemorySegment qs, int s, FloatVector d, FloatVector dm, float[] tileT, int c) {
        for (int i = 0; i < 8; i++) {
            // Lane k: the bytes of positions 2i (low 8 bits) and 2i + 1 of the group's row k.
            IntVector v = (IntVector) ByteVector.fromMemorySegment(BH, qs, (s * 8 + i) * 2 * H, Vec.LE)
                    .reinterpretAsShorts().convertShape(VectorOperators.ZERO_EXTEND_S2I, Vec.I, 0);
            int at = c + 2 * i * R;
            Vec.toFloat(v.and(0x0F)).mul(d).sub(dm).intoArray(tileT, at);
            Vec.toFloat(v.lanewise(VectorOperators.LSHR, 4).and(0x0F)).mul(d).sub(dm).intoArray(tileT, at + 16 * R);
            Vec.toFloat(v.lanewise(VectorOperators.LSHR, 8).and(0x0F)).mul(d).sub(dm).intoArray(tileT, at + R);
            Vec.toFloat(v.lanewise(VectorOperators.LSHR, 12).and(0x0F)).mul(d).sub(dm).intoArray(tileT, at + 17 * R);
        }
    }

    /**
     * {@code quads} quads of weights of a group (unsigned bytes, four to a row) from quad {@code t0} on, minus
     * {@code off} (Q6_K's 32, else 0): columns from {@code c} on, {@code d·(q − off) − dm} ({@code dm == null}:
     * {@code d·(q − off)}).
     */
    private static void bytes(MemorySegment qs, int t0, int quads, int off, FloatVector d, FloatVector dm,
                              float[] tileT, int c) {
        for (int t = 0; t < quads; t++) {
            // Lane k: the four bytes of the group's row k, weights 4t .. 4t+3 from the low byte up.
            IntVector v = IntVector.fromMemorySegment(Vec.I, qs, (t0 + t) * 4 * H, Vec.LE);
            for (int e = 0; e < 4; e++) {
                FloatVector w = Vec.toFloat(v.lanewise(VectorOperators.LSHR, 8 * e).and(0xFF).sub(off)).mul(d);
                (dm == null ? w : w.sub(dm)).intoArray(tileT, c + (4 * t + e) * R);
            }
        }
    }
}
