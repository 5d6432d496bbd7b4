package dev.llama4j.tensor;

import static dev.llama4j.tensor.QuantizeK.GROUP_MAX_EPS;
import static dev.llama4j.tensor.QuantizeK.nearestInt;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Float32 to ggml's 2- and 3-bit K-quants, the same float operations in the same order as
 * {@code quantize_row_q2_K_ref} and {@code quantize_row_q3_K_ref}, so the bytes are identical to ggml's.
 *
 * <p>Formats (ggml-common.h), each super-block of 256 weights:
 * <ul>
 *   <li>Q2_K (84 bytes): {@code u8 scales[16]; u8 qs[64]; f16 d, dmin}. Sixteen sub-blocks of 16, each with a
 *       4-bit scale (low nibble) and 4-bit min (high nibble); {@code y = d·sc·q − dmin·m}, q ∈ [0, 3].</li>
 *   <li>Q3_K (110 bytes): {@code u8 hmask[32]; u8 qs[64]; u8 scales[12]; f16 d}. Sixteen sub-blocks of 16 with
 *       6-bit signed scales (stored + 32); {@code y = d·(sc − 32)·(q − 4)}, q ∈ [0, 7], its third bit in
 *       {@code hmask}.</li>
 * </ul>
 *
 * <p>Error bound: as for {@link QuantizeK}, each weight is the nearest point of its sub-block's stored grid
 * ({@code D·q − M}, q ∈ [0, 3]; or {@code D·q}, q ∈ [−4, 3]) where it lies inside the grid's span, else the nearest
 * grid end, and a sub-block whose step rounds to 0 reads −M (Q2_K) or 0 (Q3_K). With 4 and 8 levels these types
 * are coarse: measured as for {@link QuantizeK}, |y − x| ≤ c·R with c = 1/3 (Q2_K) and 1/5 (Q3_K) (worst seen R/4.0
 * and R/6.6).
 */
final class QuantizeKLow {
    private QuantizeKLow() {}

    /** {@code quantize_row_q2_K_ref} for {@code nb} blocks. */
    static void q2_K(float[] x, int o, int nb, MemorySegment dst, long at) {
        byte[] levels = new byte[256];
        byte[] aux = new byte[16];
        float[] weights = new float[16];
        float[] scales = new float[16];
        float[] mins = new float[16];
        byte[] sc = new byte[16];
        QuantizeK.ScaleMin sm = new QuantizeK.ScaleMin();
        final float q4scale = 15f;
        for (int i = 0; i < nb; i++, o += 256, at += 84) {
            float maxScale = 0;
            float maxMin = 0;
            for (int j = 0; j < 16; j++) {
                for (int l = 0; l < 16; l++) {
                    weights[l] = Math.abs(x[o + 16 * j + l]);
                }
                QuantizeK.makeQkx2(16, 3, x, o + 16 * j, weights, levels, 16 * j, aux, -0.5f, 0.1f, 15, true, sm);
                scales[j] = sm.scale;
                mins[j] = sm.min;
                if (sm.scale > maxScale) {
                    maxScale = sm.scale;
                }
                if (sm.min > maxMin) {
                    maxMin = sm.min;
                }
            }
            short d16 = 0;
            if (maxScale > 0) {
                float iscale = q4scale / maxScale;
                for (int j = 0; j < 16; j++) {
                    sc[j] = (byte) nearestInt(iscale * scales[j]);
                }
                d16 = Float16.fromFloat(maxScale / q4scale);
            } else {
                java.util.Arrays.fill(sc, (byte) 0);
                d16 = Float16.fromFloat(0f);
            }
            short dmin16;
            if (maxMin > 0) {
                float iscale = q4scale / maxMin;
                for (int j = 0; j < 16; j++) {
                    sc[j] |= (byte) (nearestInt(iscale * mins[j]) << 4);
                }
                dmin16 = Float16.fromFloat(maxMin / q4scale);
            } else {
                dmin16 = Float16.fromFloat(0f);
            }
            float dAll = Float16.toFloat(d16);
            float dminAll = Float16.toFloat(dmin16);
            for (int j = 0; j < 16; j++) {
                float d = dAll * (sc[j] & 0xF);
                if (d == 0f) {
                    continue;
                }
                float dm = dminAll * ((sc[j] & 0xFF) >> 4);
                for (int ii = 0; ii < 16; ii++) {
                    int l = nearestInt((x[o + 16 * j + ii] + dm) / d);
                    levels[16 * j + ii] = (byte) Math.max(0, Math.min(3, l));
                }
            }
            MemorySegment.copy(sc, 0, dst, ValueLayout.JAVA_BYTE, at, 16);
            packCrumbs(levels, dst, at + 16);
            dst.set(Bytes.I16, at + 80, d16);
            dst.set(Bytes.I16, at + 82, dmin16);
        }
    }

    /** Four 2-bit values per byte: for each 128 weights, byte l holds weights l, l+32, l+64, l+96. */
    private static void packCrumbs(byte[] levels, MemorySegment dst, long at) {
        for (int j = 0; j < 256; j += 128) {
            for (int l = 0; l < 32; l++) {
                int v = levels[j + l] | levels[j + l + 32] << 2 | levels[j + l + 64] << 4 | levels[j + l + 96] << 6;
                dst.set(ValueLayout.JAVA_BYTE, at + j / 4 + l, (byte) v);
            }
        }
    }

    /**
     * ggml's {@code make_q3_quants} with {@code do_rmse}: symmetric levels in [−nmax, nmax), refined by up to five
     * passes that move single levels while the x²-weighted fit improves; returns the scale, levels stored + nmax.
     */
    static float makeQ3(int n, int nmax, float[] x, int xo, byte[] levels, int lo) {
        float max = Quantize.largestMagnitude(x, xo, n);
        if (Math.abs(max) < GROUP_MAX_EPS) {
            java.util.Arrays.fill(levels, lo, lo + n, (byte) 0);
            return 0f;
        }
        QuantizeK.Fit f = new QuantizeK.Fit();
        f.levels(n, nmax, x, xo, -nmax / max, levels, lo, 0);
        float sumlx = f.sumlx;
        float suml2 = f.suml2;
        for (int itry = 0; itry < 5; itry++) {
            int changed = 0;
            for (int i = 0; i < n; i++) {
                float xi = x[xo + i];
                int li = levels[lo + i];
                float w = xi * xi;
                float slx = sumlx - w * xi * li;
                if (slx > 0) {
                    float sl2 = suml2 - w * li * li;
                    int nl = Math.max(-nmax, Math.min(nmax - 1, nearestInt(xi * sl2 / slx)));
                    if (nl != li) {
                        slx += w * xi * nl;
                        sl2 += w * nl * nl;
                        if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
                            levels[lo + i] = (byte) nl;
                            sumlx = slx;
                            suml2 = sl2;
                            changed++;
                        }
                    }
                }
            }
            if (changed == 0) {
                break;
            }
        }
        for (int i = 0; i < n; i++) {
            levels[lo + i] += (byte) nmax;
        }
        return sumlx / suml2;
    }

    /** {@code quantize_row_q3_K_ref} for {@code nb} blocks. */
    static void q3_K(float[] x, int o, int nb, MemorySegment dst, long at) {
        byte[] levels = new byte[256];
        float[] scales = new float[16];
        byte[] sc = new byte[12];
        byte[] hmask = new byte[32];
        for (int i = 0; i < nb; i++, o += 256, at += 110) {
            float maxScale = 0;
            float amax = 0;
            for (int j = 0; j < 16; j++) {
                scales[j] = makeQ3(16, 4, x, o + 16 * j, levels, 16 * j);
                float scale = Math.abs(scales[j]);
                if (scale > amax) {
                    amax = scale;
                    maxScale = scales[j];
                }
            }
            java.util.Arrays.fill(sc, (byte) 0);
            short d16;
            if (maxScale != 0f) {
                float iscale = -32f / maxScale;
                for (int j = 0; j < 16; j++) {
                    int l = (byte) nearestInt(iscale * scales[j]);
                    l = Math.max(-32, Math.min(31, l)) + 32;
                    if (j < 8) {
                        sc[j] = (byte) (l & 0xF);
                    } else {
                        sc[j - 8] |= (byte) ((l & 0xF) << 4);
                    }
                    l >>= 4;
                    sc[j % 4 + 8] |= (byte) (l << (2 * (j / 4)));
                }
                d16 = Float16.fromFloat(1 / iscale);
            } else {
                d16 = Float16.fromFloat(0f);
            }
            float dAll = Float16.toFloat(d16);
            for (int j = 0; j < 16; j++) {
                int s = j < 8 ? sc[j] & 0xF : (sc[j - 8] & 0xFF) >> 4;
                s = (byte) ((s | (((sc[8 + j % 4] & 0xFF) >> (2 * (j / 4))) & 3) << 4) - 32);
                float d = dAll * s;
                if (d == 0f) {
                    continue;
                }
                for (int ii = 0; ii < 16; ii++) {
                    int l = nearestInt(x[o + 16 * j + ii] / d);
                    levels[16 * j + ii] = (byte) (Math.max(-4, Math.min(3, l)) + 4);
                }
            }
            java.util.Arrays.fill(hmask, (byte) 0);
            int m = 0;
            int hm = 1;
            for (int j = 0; j < 256; j++) {
                if (levels[j] > 3) {
                    hmask[m] |= (byte) hm;
                    levels[j] -= 4;
                }
                if (++m == 32) {
                    m = 0;
                    hm <<= 1;
                }
            }
            MemorySegment.copy(hmask, 0, dst, ValueLayout.JAVA_BYTE, at, 32);
            packCrumbs(levels, dst, at + 32);
            MemorySegment.copy(sc, 0, dst, ValueLayout.JAVA_BYTE, at + 96, 12);
            dst.set(Bytes.I16, at + 108, d16);
        }
    }
}
