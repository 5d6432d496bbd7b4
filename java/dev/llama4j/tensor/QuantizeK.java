package dev.llama4j.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Float32 to ggml's 4-, 5- and 6-bit K-quants (super-blocks of 256 weights), the same float operations in the same
 * order as ggml's reference quantizers {@code quantize_row_q4_K_ref}, {@code quantize_row_q5_K_ref} and
 * {@code quantize_row_q6_K_ref} (what {@code ggml_quantize_chunk} and so {@code llama-quantize} run without an
 * importance matrix), so the bytes are identical. The search for the sub-block scales is ggml's: no closed form, so
 * its result is pinned by byte comparisons with ggml, not re-derived here.
 *
 * <p>Formats (ggml-common.h), each super-block of 256 weights:
 * <ul>
 *   <li>Q4_K (144 bytes): {@code f16 d, dmin; u8 scales[12]; u8 qs[128]}. Eight sub-blocks of 32 with a 6-bit
 *       scale {@code sc} and 6-bit min {@code m} each (packed as {@code get_scale_min_k4} reads them); weight
 *       {@code y = d·sc·q − dmin·m}, q ∈ [0, 15], 4-bit q in nibbles (for each 64 weights: low nibbles the first
 *       32, high nibbles the next 32).</li>
 *   <li>Q5_K (176 bytes): {@code f16 d, dmin; u8 scales[12]; u8 qh[32]; u8 qs[128]}: as Q4_K with q ∈ [0, 31],
 *       the fifth bit in {@code qh} (bit 2k for sub-block 2k's weight l, bit 2k+1 for sub-block 2k+1's).</li>
 *   <li>Q6_K (210 bytes): {@code u8 ql[128]; u8 qh[64]; i8 scales[16]; f16 d}. Sixteen sub-blocks of 16 with a
 *       signed 8-bit scale; {@code y = d·scale·(q − 32)}, q ∈ [0, 63] split in 4 low bits ({@code ql}) and 2 high
 *       bits ({@code qh}).</li>
 * </ul>
 *
 * <p>Error bound. Let D be a sub-block's stored step ({@code d·sc} or {@code d·scale}, decoded from F16 and the
 * integer scale) and M its stored offset ({@code dmin·m} for Q4_K/Q5_K, 0 for Q6_K). The last pass of each
 * quantizer rounds every weight to the nearest point of that sub-block's grid {@code {D·q − M}}, q in the type's
 * range, so for every weight x with value y:
 * <ul>
 *   <li>|y − x| ≤ D/2 (up to a few float32 ulps of the operands) where x lies inside the grid's span
 *       [−M − D/2, D·qmax − M + D/2] (Q6_K: [−32.5·D, 31.5·D]),</li>
 *   <li>outside it, y is the grid end nearest to x (the weight is clamped);</li>
 *   <li>a sub-block whose step D rounded to 0 keeps the levels of the scale search, and its weights all read
 *       −M (Q4_K/Q5_K) or 0 (Q6_K).</li>
 * </ul>
 * The steps come from ggml's least-squares search and are not a closed form of the data, so the bound on the error
 * in terms of the data alone is a measured one, not a proof: with R = max(max, 0) − min(min, 0) of a super-block,
 * |y − x| ≤ c·R with c = 1/12 (Q4_K), 1/24 (Q5_K), 1/32 (Q6_K); the worst seen over 20 seeds of Gaussian, uniform,
 * one-signed, outlier and near-constant super-blocks was R/17.5, R/30.8 and R/43.3 ({@code QuantizeKTest} checks the
 * stated c). Weights so small that the super-block scale falls below F16's normal range (about 2^-14·63·step) lose
 * precision in the F16 scales, down to steps of 0; the grid property above still holds. docs/quantization.md lists
 * RMSE figures next to llama.cpp's.
 */
final class QuantizeK {
    private QuantizeK() {}

    /** Below this a ggml group counts as all zero ({@code GROUP_MAX_EPS}). */
    static final float GROUP_MAX_EPS = 1e-15f;

    /** ggml's {@code nearest_int}: round half to even through the float adder, exact for |f| ≤ 2^22. */
    static int nearestInt(float f) {
        float v = f + 12582912f;
        return (Float.floatToRawIntBits(v) & 0x007fffff) - 0x00400000;
    }

    /** Result of {@link #makeQkx2}: the scale and the (non-negative) min, as ggml returns them. */
    static final class ScaleMin {
        float scale;
        float min;
        /** Scratch: the weights minus the current min. */
        final float[] shifted = new float[32];
    }

    /**
     * ggml's {@code make_qkx2_quants}: asymmetric levels L ∈ [0, nmax] for {@code n} weights at {@code x[xo ..]}
     * with per-weight {@code weights}, trying {@code nstep + 1} scales around nmax/(max − min) and keeping the one of
     * least weighted error (squared, or absolute when {@code useMad}); {@code aux} is scratch of n bytes.
     */
    static void makeQkx2(int n, int nmax, float[] x, int xo, float[] weights, byte[] levels, int lo, byte[] aux,
                         float rmin, float rdelta, int nstep, boolean useMad, ScaleMin out) {
        float min = x[xo];
        float max = x[xo];
        float sumW = weights[0];
        float sumX = sumW * x[xo];
        for (int i = 1; i < n; i++) {
            float xi = x[xo + i];
            if (xi < min) {
                min = xi;
            }
            if (xi > max) {
                max = xi;
            }
            float w = weights[i];
            sumW += w;
            sumX += w * xi;
        }
        if (min > 0) {
            min = 0;
        }
        if (max == min) {
            for (int i = 0; i < n; i++) {
                levels[lo + i] = 0;
            }
            out.scale = 0f;
            out.min = -min;
            return;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestMad = 0;
        for (int i = 0; i < n; i++) {
            int l = Math.max(0, Math.min(nmax, nearestInt(iscale * (x[xo + i] - min))));
            levels[lo + i] = (byte) l;
            float diff = scale * l + min - x[xo + i];
            diff = useMad ? Math.abs(diff) : diff * diff;
            bestMad += weights[i] * diff;
        }
        if (nstep < 1) {
            out.scale = scale;
            out.min = -min;
            return;
        }
        // Two exact shortcuts: x − min is computed once per value of min, and a step whose levels equal the previous
        // step's is skipped (the same sums give the same candidate, which cannot beat itself).
        float[] xm = out.shifted;
        float shiftedBy = Float.NaN;
        for (int is = 0; is <= nstep; is++) {
            if (Float.floatToRawIntBits(min) != Float.floatToRawIntBits(shiftedBy)) {
                for (int i = 0; i < n; i++) {
                    xm[i] = x[xo + i] - min;
                }
                shiftedBy = min;
            }
            iscale = (rmin + rdelta * is + nmax) / (max - min);
            boolean same = is > 0;
            for (int i = 0; i < n; i++) {
                int l = Math.max(0, Math.min(nmax, nearestInt(iscale * xm[i])));
                same &= aux[i] == l;
                aux[i] = (byte) l;
            }
            if (same) {
                continue;
            }
            float sumL = 0;
            float sumL2 = 0;
            float sumXL = 0;
            for (int i = 0; i < n; i++) {
                int l = aux[i];
                float w = weights[i];
                sumL += w * l;
                sumL2 += w * l * l;
                sumXL += w * l * x[xo + i];
            }
            float det = sumW * sumL2 - sumL * sumL;
            if (det > 0) {
                float thisScale = (sumW * sumXL - sumX * sumL) / det;
                float thisMin = (sumL2 * sumX - sumL * sumXL) / det;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXL / sumL2;
                }
                float mad = 0;
                for (int i = 0; i < n; i++) {
                    float diff = thisScale * aux[i] + thisMin - x[xo + i];
                    diff = useMad ? Math.abs(diff) : diff * diff;
                    mad += weights[i] * diff;
                }
                if (mad < bestMad) {
                    System.arraycopy(aux, 0, levels, lo, n);
                    bestMad = mad;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        out.scale = scale;
        out.min = -min;
    }

    /**
     * ggml's {@code make_qx_quants} with {@code rmse_type} 1 and no importance weights: symmetric levels
     * L + nmax ∈ [0, 2·nmax) for {@code n} weights, the scale chosen among 19 candidates by the x²-weighted
     * least-squares fit; returns the scale (0 for an all-zero group, whose levels are then 0).
     */
    static float makeQx(int n, int nmax, float[] x, int xo, byte[] levels, int lo) {
        float max = Quantize.largestMagnitude(x, xo, n);
        if (Math.abs(max) < GROUP_MAX_EPS) {
            java.util.Arrays.fill(levels, lo, lo + n, (byte) 0);
            return 0f;
        }
        Fit f = new Fit();
        f.levels(n, nmax, x, xo, -nmax / max, levels, lo, nmax);
        float scale = f.suml2 != 0 ? f.sumlx / f.suml2 : 0f;
        float best = scale * f.sumlx;
        for (int is = -9; is <= 9; is++) {
            if (is == 0) {
                continue;
            }
            float iscale = -(nmax + 0.1f * is) / max;
            f.levels(n, nmax, x, xo, iscale, null, 0, 0);
            if (f.suml2 > 0 && f.sumlx * f.sumlx > best * f.suml2) {
                f.levels(n, nmax, x, xo, iscale, levels, lo, nmax);
                scale = f.sumlx / f.suml2;
                best = scale * f.sumlx;
            }
        }
        return scale;
    }

    /** The x²-weighted fit of symmetric levels: ggml's {@code sumlx} = Σ x²·x·l and {@code suml2} = Σ x²·l². */
    static final class Fit {
        float sumlx;
        float suml2;

        /**
         * Levels l = clamp(nearest(iscale·x), −nmax, nmax − 1) of {@code n} weights and their sums, in ggml's order;
         * each l is stored + {@code offset} at {@code levels[lo ..]} unless levels is null.
         */
        void levels(int n, int nmax, float[] x, int xo, float iscale, byte[] levels, int lo, int offset) {
            sumlx = 0;
            suml2 = 0;
            for (int i = 0; i < n; i++) {
                float xi = x[xo + i];
                int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * xi)));
                if (levels != null) {
                    levels[lo + i] = (byte) (l + offset);
                }
                float w = xi * xi;
                sumlx += w * xi * l;
                suml2 += w * l * l;
            }
        }
    }

    /** Scratch for one thread's super-blocks. */
    private static final class Work {
        final byte[] levels = new byte[256];
        final byte[] aux = new byte[32];
        final float[] weights = new float[32];
        final float[] scales = new float[16];
        final float[] mins = new float[16];
        final ScaleMin sm = new ScaleMin();
    }

    /** {@code quantize_row_q4_K_ref} (bits 4) or {@code quantize_row_q5_K_ref} (bits 5) for {@code nb} blocks. */
    static void q45_K(int bits, float[] x, int o, int nb, MemorySegment dst, long at) {
        Work w = new Work();
        int nmax = (1 << bits) - 1;
        int blockBytes = bits == 4 ? 144 : 176;
        for (int i = 0; i < nb; i++, o += 256, at += blockBytes) {
            float maxScale = 0;
            float maxMin = 0;
            for (int j = 0; j < 8; j++) {
                int xo = o + 32 * j;
                float sumX2 = 0;
                for (int l = 0; l < 32; l++) {
                    sumX2 += x[xo + l] * x[xo + l];
                }
                float avX = (float) Math.sqrt(sumX2 / 32);
                for (int l = 0; l < 32; l++) {
                    w.weights[l] = avX + Math.abs(x[xo + l]);
                }
                if (bits == 4) {
                    makeQkx2(32, 15, x, xo, w.weights, w.levels, 32 * j, w.aux, -1f, 0.1f, 20, false, w.sm);
                } else {
                    makeQkx2(32, 31, x, xo, w.weights, w.levels, 32 * j, w.aux, -0.5f, 0.1f, 15, false, w.sm);
                }
                w.scales[j] = w.sm.scale;
                w.mins[j] = w.sm.min;
                if (w.sm.scale > maxScale) {
                    maxScale = w.sm.scale;
                }
                if (w.sm.min > maxMin) {
                    maxMin = w.sm.min;
                }
            }
            float invScale = maxScale > 0 ? 63f / maxScale : 0f;
            float invMin = maxMin > 0 ? 63f / maxMin : 0f;
            byte[] sc = new byte[12];
            int[] ls = new int[8];
            int[] lm = new int[8];
            for (int j = 0; j < 8; j++) {
                ls[j] = Math.min(63, nearestInt(invScale * w.scales[j]) & 0xFF);
                lm[j] = Math.min(63, nearestInt(invMin * w.mins[j]) & 0xFF);
            }
            packScaleMin(ls, lm, sc);
            short d16 = Float16.fromFloat(maxScale / 63f);
            short dmin16 = Float16.fromFloat(maxMin / 63f);
            float dAll = Float16.toFloat(d16);
            float dminAll = Float16.toFloat(dmin16);
            for (int j = 0; j < 8; j++) {
                float d = dAll * ls[j];
                if (d == 0f) {
                    continue;
                }
                float dm = dminAll * lm[j];
                for (int ii = 0; ii < 32; ii++) {
                    int l = nearestInt((x[o + 32 * j + ii] + dm) / d);
                    w.levels[32 * j + ii] = (byte) Math.max(0, Math.min(nmax, l));
                }
            }
            dst.set(Bytes.I16, at, d16);
            dst.set(Bytes.I16, at + 2, dmin16);
            MemorySegment.copy(sc, 0, dst, ValueLayout.JAVA_BYTE, at + 4, 12);
            byte[] lv = w.levels;
            if (bits == 4) {
                for (int j = 0, q = 16; j < 256; j += 64, q += 32) {
                    for (int l = 0; l < 32; l++) {
                        dst.set(ValueLayout.JAVA_BYTE, at + q + l, (byte) (lv[j + l] | lv[j + l + 32] << 4));
                    }
                }
            } else {
                byte[] qh = new byte[32];
                int m1 = 1;
                int m2 = 2;
                for (int n = 0, q = 48; n < 256; n += 64, q += 32, m1 <<= 2, m2 <<= 2) {
                    for (int j = 0; j < 32; j++) {
                        int l1 = lv[n + j];
                        int l2 = lv[n + j + 32];
                        if (l1 > 15) {
                            l1 -= 16;
                            qh[j] |= (byte) m1;
                        }
                        if (l2 > 15) {
                            l2 -= 16;
                            qh[j] |= (byte) m2;
                        }
                        dst.set(ValueLayout.JAVA_BYTE, at + q + j, (byte) (l1 | l2 << 4));
                    }
                }
                MemorySegment.copy(qh, 0, dst, ValueLayout.JAVA_BYTE, at + 16, 32);
            }
        }
    }

    /**
     * Packs eight 6-bit scales and mins into the 12 bytes {@code get_scale_min_k4} reads: sub-blocks 0..3 in the
     * low 6 bits of bytes 0..3 (scale) and 4..7 (min), sub-blocks 4..7 as nibbles of bytes 8..11 with their top two
     * bits in the high bits of bytes 0..7.
     */
    private static void packScaleMin(int[] ls, int[] lm, byte[] sc) {
        for (int j = 0; j < 8; j++) {
            if (j < 4) {
                sc[j] = (byte) ls[j];
                sc[j + 4] = (byte) lm[j];
            } else {
                sc[j + 4] = (byte) ((ls[j] & 0xF) | (lm[j] & 0xF) << 4);
                sc[j - 4] |= (byte) ((ls[j] >> 4) << 6);
                sc[j] |= (byte) ((lm[j] >> 4) << 6);
            }
        }
    }

    /** {@code quantize_row_q6_K_ref} for {@code nb} blocks. */
    static void q6_K(float[] x, int o, int nb, MemorySegment dst, long at) {
        Work w = new Work();
        byte[] lv = w.levels;
        byte[] scales = new byte[16];
        for (int i = 0; i < nb; i++, o += 256, at += 210) {
            float maxScale = 0;
            float maxAbsScale = 0;
            for (int ib = 0; ib < 16; ib++) {
                float scale = makeQx(16, 32, x, o + 16 * ib, lv, 16 * ib);
                w.scales[ib] = scale;
                float abs = Math.abs(scale);
                if (abs > maxAbsScale) {
                    maxAbsScale = abs;
                    maxScale = scale;
                }
            }
            if (maxAbsScale < GROUP_MAX_EPS) {
                dst.asSlice(at, 210).fill((byte) 0);
                continue;
            }
            float iscale = -128f / maxScale;
            short d16 = Float16.fromFloat(1 / iscale);
            float dAll = Float16.toFloat(d16);
            for (int ib = 0; ib < 16; ib++) {
                scales[ib] = (byte) Math.min(127, nearestInt(iscale * w.scales[ib]));
            }
            for (int j = 0; j < 16; j++) {
                float d = dAll * scales[j];
                if (d == 0f) {
                    continue;
                }
                for (int ii = 0; ii < 16; ii++) {
                    int l = nearestInt(x[o + 16 * j + ii] / d);
                    lv[16 * j + ii] = (byte) (Math.max(-32, Math.min(31, l)) + 32);
                }
            }
            for (int j = 0, ql = 0, qh = 128; j < 256; j += 128, ql += 64, qh += 32) {
                for (int l = 0; l < 32; l++) {
                    int q1 = lv[j + l];
                    int q2 = lv[j + l + 32];
                    int q3 = lv[j + l + 64];
                    int q4 = lv[j + l + 96];
                    dst.set(ValueLayout.JAVA_BYTE, at + ql + l, (byte) ((q1 & 0xF) | (q3 & 0xF) << 4));
                    dst.set(ValueLayout.JAVA_BYTE, at + ql + l + 32, (byte) ((q2 & 0xF) | (q4 & 0xF) << 4));
                    dst.set(ValueLayout.JAVA_BYTE, at + qh + l,
                            (byte) ((q1 >> 4) | (q2 >> 4) << 2 | (q3 >> 4) << 4 | (q4 >> 4) << 6));
                }
            }
            MemorySegment.copy(scales, 0, dst, ValueLayout.JAVA_BYTE, at + 192, 16);
            dst.set(Bytes.I16, at + 208, d16);
        }
    }
}
