package dev.llama4j.backend.cpu;

import dev.llama4j.gguf.GgmlType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * An activation vector quantized to 8 bits, as llama.cpp does before its quantized dot products. For Q4_0 and Q8_0
 * weights (llama.cpp's {@code q8_0}), one scale per block of 32: {@code dx[b] = max|x| / 127} over the block,
 * {@code xq[i] = rint(x[i] / dx[b])} (so {@code |xq| <= 127}), and {@code sx8[b] = 8 · Σ xq} over the block (the
 * Q4_0 offset's share, subtracted once per block). For the K-quants Q4_K, Q5_K and Q6_K (llama.cpp's {@code q8_K}),
 * one scale per super-block of 256: {@code id = 127 / max|x|}, {@code xq[i] = rint(x[i] · id)} and
 * {@code dx[s] = 1 / id}; {@code sums[b]} is {@code Σ xq} over each block of 32 (the sub-blocks of Q4_K and Q5_K,
 * whose mins and offsets it multiplies). llama.cpp's {@code q8_K} divides by the signed value of largest magnitude
 * instead, which flips the signs of {@code xq} and {@code dx} together when that value is positive: every product
 * {@code dx · Σ w·xq} has the same bits either way (rounding to nearest even and IEEE negation are symmetric).
 *
 * <p>{@code px}, {@code py} and {@code s8} hold the same values arranged for the nibble kernels ({@link LaneKernels}
 * for Q4_0, {@link KLaneKernels} for Q4_K, whose sub-blocks of 32 are repacked into Q4_0's nibble order): a quant
 * byte {@code q} at position {@code p < 16} of block {@code b} holds elements {@code p} (low nibble) and
 * {@code p + 16} (high nibble), and {@code (q & 15)·xq[p] + (q >> 4)·xq[p+16] = q·xq[p] + (q >> 4)·y[p]} with
 * {@code y[p] = xq[p+16] − 16·xq[p]}. For each pair of positions {@code (2i, 2i+1)} of block {@code b},
 * {@code py[8b+i]} packs {@code y[2i]} (low 16 bits) and {@code y[2i+1]} (high 16 bits), so one 32-bit broadcast
 * fills a vector of short lanes with the coefficients of alternating positions; {@code px[8b+i]} packs
 * {@code xq[2i]} and {@code xq[2i+1] − 4096·y[2i]} (modulo 2^16), the second term cancelling, in the sum of the
 * two lanes, what the even lane picks up from the odd byte when the kernel shifts the pair as one int.
 * {@code s8[b]} packs the offset's share {@code −8·Σ (xq[p] + xq[p+16])} over the even positions {@code p < 16}
 * (low 16 bits) and over the odd ones (high 16 bits): the start value of those lanes' sums. For Q5_K and Q6_K,
 * whose repack holds a byte per weight, four of a row after each other, the same three fields hold the quad
 * arrangement instead ({@code quads} below: coefficients per four weights, start values per sub-block of 32 or 16).
 * For Q8_0, widened a byte per short lane, {@code xp[i]} packs {@code xq[2i]} and {@code xq[2i+1]}: {@code xq} read
 * as int pairs.
 *
 * <p>Only the fields for the weight type given to {@link #of} are built (the others are {@code null}): it is made
 * once per product, on the decode path.
 *
 * @param xq   {@code cols} quantized values
 * @param dx   the scales: per block of 32 (Q4_0, Q8_0) or per super-block of 256 (K-quants)
 * @param sx8  Q4_0, Q8_0: eight times each block's sum of {@code xq}
 * @param sums K-quants: each block's (of 32) sum of {@code xq}
 * @param px   Q4_0, Q4_K: {@code cols / 4} packed pairs of whole-byte coefficients, see above; Q5_K, Q6_K: of
 *             low-byte coefficients
 * @param py   Q4_0, Q4_K: {@code cols / 4} packed pairs of high-nibble coefficients; Q5_K, Q6_K: of high-byte ones
 * @param s8   Q4_0, Q4_K: per block, the packed pair of offset shares, see above; Q5_K, Q6_K: per sub-block
 * @param xp   Q8_0: {@code cols / 2} plain pairs of {@code xq}
 */
record Q8Activations(short[] xq, float[] dx, float[] sx8, int[] sums, int[] px, int[] py, int[] s8, int[] xp) {

    /** Added and subtracted, rounds a float of magnitude below 2^22 to the nearest integer, ties to even. */
    private static final float ROUND = 12582912.0f;
    /** Shift counts 0 in the even lanes, 16 in the odd (a lane's parity is its position's: {@code L} is even). */
    private static final IntVector ODD_UP = IntVector.fromArray(Vec.I, oddUp(), 0);

    /** Whether {@link #of} quantizes for {@code weights}. */
    static boolean supports(GgmlType weights) {
        return switch (weights) {
            case Q4_0, Q8_0, Q4_K, Q5_K, Q6_K -> true;
            default -> false;
        };
    }

    /**
     * Quantizes {@code x[off .. off+cols)} for {@code weights} (Q4_0 or Q8_0: {@code cols} a multiple of 32; Q4_K,
     * Q5_K or Q6_K: of 256). The rounding is {@link Math#rint}'s (nearest, ties to even), done in vector lanes; the
     * largest magnitude and the sums are exact in any order.
     */
    static Q8Activations of(float[] x, int off, int cols, GgmlType weights) {
        if (!supports(weights)) {
            throw new IllegalArgumentException("8-bit activations for " + weights
                    + " weights: only Q4_0, Q8_0, Q4_K, Q5_K and Q6_K");
        }
        boolean k = weights != GgmlType.Q4_0 && weights != GgmlType.Q8_0;
        boolean nibbles = weights == GgmlType.Q4_0 || weights == GgmlType.Q4_K;
        boolean quads = weights == GgmlType.Q5_K || weights == GgmlType.Q6_K;
        int nb = cols / 32;
        int scaleBlock = k ? 256 : 32;
        short[] xq = new short[cols];
        float[] dx = new float[cols / scaleBlock];
        float[] sx8 = k ? null : new float[nb];
        int[] sums = k ? new int[nb] : null;
        int[] px = nibbles || quads ? new int[cols / 4] : null;
        int[] py = nibbles || quads ? new int[cols / 4] : null;
        int[] s8 = nibbles ? new int[nb] : quads ? new int[cols / (weights == GgmlType.Q6_K ? 16 : 32)] : null;
        int[] xp = weights == GgmlType.Q8_0 ? new int[cols / 2] : null;
        for (int s = 0; s < dx.length; s++) {
            float amax = amax(x, off + s * scaleBlock, scaleBlock);
            float id = amax == 0.0f ? 0.0f : 127.0f / amax;
            // q8_0: max|x| / 127; q8_K: 1 / id (0 for an all-zero super-block, as llama.cpp's d).
            dx[s] = k ? (amax == 0.0f ? 0.0f : 1.0f / id) : amax / 127.0f;
            for (int b = s * scaleBlock / 32, end = b + scaleBlock / 32; b < end; b++) {
                int sum = block(x, off + b * 32, id, b, nibbles, xq, nibbles ? px : null, py, s8, xp);
                if (k) {
                    sums[b] = sum;
                } else {
                    sx8[b] = 8.0f * sum;
                }
            }
        }
        if (quads) {
            quads(xq, weights == GgmlType.Q6_K ? 16 : 32, weights == GgmlType.Q6_K ? 32 : 16, px, py, s8);
        }
        return new Q8Activations(xq, dx, sx8, sums, px, py, s8, xp);
    }

    /**
     * The arrangement for unsigned bytes four to a row and short-lane pair ({@link KPacked}'s Q5_K and Q6_K): a
     * lane holds the bytes {@code qa | qb << 8} of two weights, and {@code v·xa + (v >>> 8)·(xb − 256·xa)} is
     * {@code qa·xa + qb·xb} modulo 2^16. For quad {@code t} ({@code xq[4t..4t+3] = a, b, c, d}), {@code px[t]}
     * packs {@code a} and {@code c}, {@code py[t]} packs {@code b − 256a} and {@code d − 256c}: the coefficients of
     * a row's even lane (weights {@code 4t, 4t+1}) and odd lane ({@code 4t+2, 4t+3}). {@code start[s]} packs the
     * offset's share {@code −off·Σ xq} over sub-block {@code s}'s ({@code len} weights) even-lane weights and over
     * its odd-lane ones.
     */
    private static void quads(short[] xq, int len, int off, int[] px, int[] py, int[] start) {
        for (int e = 0; e < xq.length; e += 2 * Vec.L) {
            // Int lane p: xq[e + 2p] low, xq[e + 2p + 1] high; the even positions of a quad pair up as px's halves.
            IntVector v = ShortVector.fromArray(LaneKernels.SH, xq, e).reinterpretAsInts();
            IntVector lo = v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16);
            IntVector hi = v.lanewise(VectorOperators.ASHR, 16).sub(lo.lanewise(VectorOperators.LSHL, 8));
            ((ShortVector) lo.convertShape(VectorOperators.I2S, Vec.S, 0)).reinterpretAsInts().intoArray(px, e / 4);
            ((ShortVector) hi.convertShape(VectorOperators.I2S, Vec.S, 0)).reinterpretAsInts().intoArray(py, e / 4);
        }
        for (int s = 0; s < start.length; s++) {
            int even = 0;
            int odd = 0;
            for (int e = s * len; e < s * len + len; e += 4) {
                even += xq[e] + xq[e + 1];
                odd += xq[e + 2] + xq[e + 3];
            }
            start[s] = pack(-off * even, -off * odd);
        }
    }

    /** The largest magnitude of {@code x[o .. o+n)}, {@code n} a multiple of 32. */
    private static float amax(float[] x, int o, int n) {
        // Magnitudes compare as their bits (a NaN's are above infinity's, so it wins as in Math.max).
        IntVector m = IntVector.zero(Vec.I);
        for (int i = 0; i < n; i += Vec.L) {
            m = m.max(FloatVector.fromArray(Vec.F, x, o + i).reinterpretAsInts().and(0x7FFFFFFF));
        }
        return Float.intBitsToFloat(m.reduceLanes(VectorOperators.MAX));
    }

    /**
     * Block {@code b} of 32 (at {@code x[o..]}) quantized with {@code id} into {@code xq} and arranged into
     * {@code px}, {@code py}, {@code s8} ({@code nibbles}) or {@code xp}; returns its sum of {@code xq}.
     */
    private static int block(float[] x, int o, float id, int b, boolean nibbles, short[] xq, int[] px, int[] py,
                             int[] s8, int[] xp) {
        IntVector s = IntVector.zero(Vec.I);
        for (int i = 0; i < 16; i += Vec.L) {
            IntVector lo = quantize(x, o + i, id);
            IntVector hi = quantize(x, o + i + 16, id);
            s = s.add(lo.add(hi));
            ShortVector los = (ShortVector) lo.convertShape(VectorOperators.I2S, Vec.S, 0);
            ShortVector his = (ShortVector) hi.convertShape(VectorOperators.I2S, Vec.S, 0);
            los.intoArray(xq, b * 32 + i);
            his.intoArray(xq, b * 32 + i + 16);
            if (!nibbles) {
                if (xp != null) {
                    los.reinterpretAsInts().intoArray(xp, b * 16 + i / 2);
                    his.reinterpretAsInts().intoArray(xp, b * 16 + 8 + i / 2);
                }
                continue;
            }
            IntVector y = hi.sub(lo.lanewise(VectorOperators.LSHL, 4));
            IntVector yp = ((ShortVector) y.convertShape(VectorOperators.I2S, Vec.S, 0)).reinterpretAsInts();
            yp.intoArray(py, b * 8 + i / 2);
            // The odd half minus 4096·(the even half of py): (yp << 28) is that, shifted into the high half.
            los.reinterpretAsInts().sub(yp.lanewise(VectorOperators.LSHL, 28)).intoArray(px, b * 8 + i / 2);
        }
        if (!nibbles) {
            return s.reduceLanes(VectorOperators.ADD);
        }
        // One reduction of even + 65536·odd (|even|, |odd| <= 16·127, so no overflow and the halves separate).
        int both = s.lanewise(VectorOperators.LSHL, ODD_UP).reduceLanes(VectorOperators.ADD);
        int even = (both << 16) >> 16;
        int odd = (both - even) >> 16;
        s8[b] = pack(-8 * even, -8 * odd);
        return even + odd;
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
