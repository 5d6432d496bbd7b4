package dev.llama4j.tensor;

import static dev.llama4j.tensor.Bytes.f16;
import static dev.llama4j.tensor.Bytes.i32;
import static dev.llama4j.tensor.Bytes.i8;
import static dev.llama4j.tensor.Bytes.u8;

import java.lang.foreign.MemorySegment;

/**
 * Reference dequantization of ggml's K-quants (256-weight super-blocks, ggml-quants.c
 * {@code dequantize_row_q2_K .. q6_K}), bit-exact: the same float operations in the same order.
 */
final class QuantK {
    private QuantK() {}

    /** block_q2_K { uint8 scales[16]; uint8 qs[64]; half d; half dmin; } (84 bytes). */
    static void q2_K(MemorySegment s, long off, float[] y, int yo, int nb) {
        for (int i = 0; i < nb; i++, off += 84) {
            float d = f16(s, off + 80);
            float min = f16(s, off + 82);
            long q = off + 16;
            int is = 0;
            for (int n = 0; n < 256; n += 128) {
                int shift = 0;
                for (int j = 0; j < 4; j++) {
                    for (int half = 0; half < 2; half++) {
                        int sc = u8(s, off + is++);
                        float dl = d * (sc & 0xF);
                        float ml = min * (sc >>> 4);
                        for (int l = 0; l < 16; l++) {
                            y[yo++] = dl * ((u8(s, q + l + 16 * half) >>> shift) & 3) - ml;
                        }
                    }
                    shift += 2;
                }
                q += 32;
            }
        }
    }

    /** block_q3_K { uint8 hmask[32]; uint8 qs[64]; uint8 scales[12]; half d; } (110 bytes). */
    static void q3_K(MemorySegment s, long off, float[] y, int yo, int nb) {
        final int kmask1 = 0x03030303;
        final int kmask2 = 0x0f0f0f0f;
        byte[] scales = new byte[16];
        for (int i = 0; i < nb; i++, off += 110) {
            float dAll = f16(s, off + 108);
            int a0 = i32(s, off + 96);
            int a1 = i32(s, off + 100);
            int tmp = i32(s, off + 104);
            int[] aux = {
                (a0 & kmask2) | (((tmp) & kmask1) << 4),
                (a1 & kmask2) | (((tmp >>> 2) & kmask1) << 4),
                ((a0 >>> 4) & kmask2) | (((tmp >>> 4) & kmask1) << 4),
                ((a1 >>> 4) & kmask2) | (((tmp >>> 6) & kmask1) << 4)
            };
            for (int k = 0; k < 16; k++) {
                scales[k] = (byte) (aux[k >> 2] >>> (8 * (k & 3)));
            }
            long q = off + 32;
            int m = 1;
            int is = 0;
            for (int n = 0; n < 256; n += 128) {
                int shift = 0;
                for (int j = 0; j < 4; j++) {
                    for (int half = 0; half < 2; half++) {
                        float dl = dAll * (scales[is++] - 32);
                        for (int l = 0; l < 16; l++) {
                            int ll = l + 16 * half;
                            int v = ((u8(s, q + ll) >>> shift) & 3) - ((u8(s, off + ll) & m) != 0 ? 0 : 4);
                            y[yo++] = dl * v;
                        }
                    }
                    shift += 2;
                    m <<= 1;
                }
                q += 32;
            }
        }
    }

    /** ggml's get_scale_min_k4: 6-bit scale (low 8 bits of the result) and min (bits 8..15) number j. */
    private static int scaleMin(MemorySegment s, long sc, int j) {
        int d;
        int m;
        if (j < 4) {
            d = u8(s, sc + j) & 63;
            m = u8(s, sc + j + 4) & 63;
        } else {
            d = (u8(s, sc + j + 4) & 0xF) | ((u8(s, sc + j - 4) >>> 6) << 4);
            m = (u8(s, sc + j + 4) >>> 4) | ((u8(s, sc + j) >>> 6) << 4);
        }
        return d | (m << 8);
    }

    /** block_q4_K { half d; half dmin; uint8 scales[12]; uint8 qs[128]; } (144 bytes). */
    static void q4_K(MemorySegment s, long off, float[] y, int yo, int nb) {
        for (int i = 0; i < nb; i++, off += 144) {
            float d = f16(s, off);
            float min = f16(s, off + 2);
            long q = off + 16;
            int is = 0;
            for (int j = 0; j < 256; j += 64) {
                int sm1 = scaleMin(s, off + 4, is);
                int sm2 = scaleMin(s, off + 4, is + 1);
                float d1 = d * (sm1 & 0xFF);
                float m1 = min * (sm1 >>> 8);
                float d2 = d * (sm2 & 0xFF);
                float m2 = min * (sm2 >>> 8);
                for (int l = 0; l < 32; l++) {
                    y[yo++] = d1 * (u8(s, q + l) & 0xF) - m1;
                }
                for (int l = 0; l < 32; l++) {
                    y[yo++] = d2 * (u8(s, q + l) >>> 4) - m2;
                }
                q += 32;
                is += 2;
            }
        }
    }

    /** block_q5_K { half d; half dmin; uint8 scales[12]; uint8 qh[32]; uint8 qs[128]; } (176 bytes). */
    static void q5_K(MemorySegment s, long off, float[] y, int yo, int nb) {
        for (int i = 0; i < nb; i++, off += 176) {
            float d = f16(s, off);
            float min = f16(s, off + 2);
            long qh = off + 16;
            long ql = off + 48;
            int is = 0;
            int u1 = 1;
            int u2 = 2;
            for (int j = 0; j < 256; j += 64) {
                int sm1 = scaleMin(s, off + 4, is);
                int sm2 = scaleMin(s, off + 4, is + 1);
                float d1 = d * (sm1 & 0xFF);
                float m1 = min * (sm1 >>> 8);
                float d2 = d * (sm2 & 0xFF);
                float m2 = min * (sm2 >>> 8);
                for (int l = 0; l < 32; l++) {
                    y[yo++] = d1 * ((u8(s, ql + l) & 0xF) + ((u8(s, qh + l) & u1) != 0 ? 16 : 0)) - m1;
                }
                for (int l = 0; l < 32; l++) {
                    y[yo++] = d2 * ((u8(s, ql + l) >>> 4) + ((u8(s, qh + l) & u2) != 0 ? 16 : 0)) - m2;
                }
                ql += 32;
                is += 2;
                u1 <<= 2;
                u2 <<= 2;
            }
        }
    }

    /** block_q6_K { uint8 ql[128]; uint8 qh[64]; int8 scales[16]; half d; } (210 bytes). */
    static void q6_K(MemorySegment s, long off, float[] y, int yo, int nb) {
        for (int i = 0; i < nb; i++, off += 210) {
            float d = f16(s, off + 208);
            long ql = off;
            long qh = off + 128;
            long sc = off + 192;
            for (int n = 0; n < 256; n += 128) {
                for (int l = 0; l < 32; l++) {
                    int is = l / 16;
                    int h = u8(s, qh + l);
                    int q1 = ((u8(s, ql + l) & 0xF) | ((h & 3) << 4)) - 32;
                    int q2 = ((u8(s, ql + l + 32) & 0xF) | (((h >>> 2) & 3) << 4)) - 32;
                    int q3 = ((u8(s, ql + l) >>> 4) | (((h >>> 4) & 3) << 4)) - 32;
                    int q4 = ((u8(s, ql + l + 32) >>> 4) | (((h >>> 6) & 3) << 4)) - 32;
                    y[yo + l] = d * i8(s, sc + is) * q1;
                    y[yo + l + 32] = d * i8(s, sc + is + 2) * q2;
                    y[yo + l + 64] = d * i8(s, sc + is + 4) * q3;
                    y[yo + l + 96] = d * i8(s, sc + is + 6) * q4;
                }
                yo += 128;
                ql += 64;
                qh += 32;
                sc += 8;
            }
        }
    }
}
