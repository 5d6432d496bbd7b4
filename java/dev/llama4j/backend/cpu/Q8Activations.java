package dev.llama4j.backend.cpu;

import dev.llama4j.gguf.GgmlType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * An activation vector quantized to 8 bits per block of 32, as llama.cpp does before its quantized dot products:
 * {@code dx[b] = max|x| / 127} over the block, {@code xq[i] = rint(x[i] / dx[b])} (so {@code |xq| <= 127}), and
 * {@code sx8[b] = 8 · Σ xq} over the block (the Q4_0 offset's share, subtracted once per block).
 *
 * <p>{@code px}, {@code py} and {@code s8} hold the same values arranged for {@link LaneKernels}: a Q4_0 quant
 * byte {@code q} at position {@code p < 16} of block {@code b} holds elements {@code p} (low nibble) and
 * {@code p + 16} (high nibble), and {@code (q & 15)·xq[p] + (q >> 4)·xq[p+16] = q·xq[p] + (q >> 4)·y[p]} with
 * {@code y[p] = xq[p+16] − 16·xq[p]}. For each pair of positions {@code (2i, 2i+1)} of block {@code b},
 * {@code py[8b+i]} packs {@code y[2i]} (low 16 bits) and {@code y[2i+1]} (high 16 bits), so one 32-bit broadcast
 * fills a vector of short lanes with the coefficients of alternating positions; {@code px[8b+i]} packs
 * {@code xq[2i]} and {@code xq[2i+1] − 4096·y[2i]} (modulo 2^16), the second term cancelling, in the sum of the
 * two lanes, what the even lane picks up from the odd byte when the kernel shifts the pair as one int.
 * {@code s8[b]} packs the offset's share {@code −8·Σ (xq[p] + xq[p+16])} over the even positions {@code p < 16}
 * (low 16 bits) and over the odd ones (high 16 bits): the start value of those lanes' sums. For Q8_0 weights,
 * {@code xp[16b+i]} packs {@code xq[2i]} and {@code xq[2i+1]} for {@code i < 16}: {@code xq} read as int pairs.
 *
 * <p>Only the arrangement for the weight type given to {@link #of} is built (the others are {@code null}): it is
 * made once per product, on the decode path.
 *
 * @param xq  {@code cols} quantized values
 * @param dx  the block scales
 * @param sx8 eight times each block's sum of {@code xq}
 * @param px  Q4_0: {@code cols / 4} packed pairs of whole-byte coefficients, see above
 * @param py  Q4_0: {@code cols / 4} packed pairs of high-nibble coefficients
 * @param s8  Q4_0: per block, the packed pair of offset shares, see above
 * @param xp  Q8_0: {@code cols / 2} plain pairs of {@code xq}
 */
record Q8Activations(short[] xq, float[] dx, float[] sx8, int[] px, int[] py, int[] s8, int[] xp) {

    /** Added and subtracted, rounds a float of magnitude below 2^22 to the nearest integer, ties to even. */
    private static final float ROUND = 12582912.0f;
    /** Shift counts 0 in the even lanes, 16 in the odd (a lane's parity is its position's: {@code L} is even). */
    private static final IntVector ODD_UP = IntVector.fromArray(Vec.I, oddUp(), 0);

    /**
     * Quantizes {@code x[off .. off+cols)}, {@code cols} a multiple of 32, arranged for {@code weights} (Q4_0 or
     * Q8_0). The rounding is {@link Math#rint}'s (nearest, ties to even), done in vector lanes; the largest
     * magnitude and the sums are exact in any order.
     */
    static Q8Activations of(float[] x, int off, int cols, GgmlType weights) {
        boolean q4 = weights == GgmlType.Q4_0;
        if (!q4 && weights != GgmlType.Q8_0) {
            throw new IllegalArgumentException("8-bit activations for " + weights + " weights: only Q4_0 and Q8_0");
        }
        int nb = cols / 32;
        short[] xq = new short[cols];
        float[] dx = new float[nb];
        float[] sx8 = new float[nb];
        int[] px = q4 ? new int[cols / 4] : null;
        int[] py = q4 ? new int[cols / 4] : null;
        int[] s8 = q4 ? new int[nb] : null;
        int[] xp = q4 ? null : new int[cols / 2];
        for (int b = 0; b < nb; b++) {
            int o = off + b * 32;
            // Magnitudes compare as their bits (a NaN's are above infinity's, so it wins as in Math.max).
            IntVector m = IntVector.zero(Vec.I);
            for (int i = 0; i < 32; i += Vec.L) {
                m = m.max(FloatVector.fromArray(Vec.F, x, o + i).reinterpretAsInts().and(0x7FFFFFFF));
            }
            float amax = Float.intBitsToFloat(m.reduceLanes(VectorOperators.MAX));
            float id = amax == 0.0f ? 0.0f : 127.0f / amax;
            IntVector s = IntVector.zero(Vec.I);
            for (int i = 0; i < 16; i += Vec.L) {
                IntVector lo = quantize(x, o + i, id);
                IntVector hi = quantize(x, o + i + 16, id);
                s = s.add(lo.add(hi));
                ShortVector los = (ShortVector) lo.convertShape(VectorOperators.I2S, Vec.S, 0);
                ShortVector his = (ShortVector) hi.convertShape(VectorOperators.I2S, Vec.S, 0);
                los.intoArray(xq, b * 32 + i);
                his.intoArray(xq, b * 32 + i + 16);
                if (!q4) {
                    los.reinterpretAsInts().intoArray(xp, b * 16 + i / 2);
                    his.reinterpretAsInts().intoArray(xp, b * 16 + 8 + i / 2);
                    continue;
                }
                IntVector y = hi.sub(lo.lanewise(VectorOperators.LSHL, 4));
                IntVector yp = ((ShortVector) y.convertShape(VectorOperators.I2S, Vec.S, 0)).reinterpretAsInts();
                yp.intoArray(py, b * 8 + i / 2);
                // The odd half minus 4096·(the even half of py): (yp << 28) is that, shifted into the high half.
                los.reinterpretAsInts().sub(yp.lanewise(VectorOperators.LSHL, 28)).intoArray(px, b * 8 + i / 2);
            }
            dx[b] = amax / 127.0f;
            if (!q4) {
                sx8[b] = 8.0f * s.reduceLanes(VectorOperators.ADD);
                continue;
            }
            // One reduction of even + 65536·odd (|even|, |odd| <= 16·127, so no overflow and the halves separate).
            int both = s.lanewise(VectorOperators.LSHL, ODD_UP).reduceLanes(VectorOperators.ADD);
            int even = (both << 16) >> 16;
            int odd = (both - even) >> 16;
            sx8[b] = 8.0f * (even + odd);
            s8[b] = pack(-8 * even, -8 * odd);
        }
        return new Q8Activations(xq, dx, sx8, px, py, s8, xp);
    }

    /** {@code rint(x[o + i] · id)} for the lanes {@code i}. */
    private static IntVector quantize(float[] x, int o, float id) {
        // The sum's low bits are the rounded integer: ROUND's bits are 0x4B400000 and its ulp is 1.
        return FloatVector.fromArray(Vec.F, x, o).mul(id).add(ROUND).reinterpretAsInts().sub(0x4B400000);
    }

    private static int pack(int lo, int hi) {
        return (lo & 0xFFFF) | (hi << 16);
    }

    private static int[] oddUp() {
        int[] shifts = new int[Vec.L];
        for (int i = 1; i < Vec.L; i += 2) {
            shifts[i] = 16;
        }
        return shifts;
    }
}
