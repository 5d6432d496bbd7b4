package dev.llama4j.tensor;

import static dev.llama4j.tensor.Bytes.f16;
import static dev.llama4j.tensor.Bytes.i32;
import static dev.llama4j.tensor.Bytes.i8;
import static dev.llama4j.tensor.Bytes.u8;

import java.lang.foreign.MemorySegment;

/**
 * Reference dequantization of ggml's 32-weight block types (ggml-quants.c {@code dequantize_row_q*}), bit-exact:
 * the same float operations in the same order. Each method dequantizes {@code nb} consecutive blocks starting at
 * byte {@code off} into {@code y[yo ..]}.
 */
final class QuantLegacy {
    private QuantLegacy() {}

    /** block_q4_0 { half d; uint8 qs[16]; }: y = (nibble - 8) * d, low nibbles first. */
    static void q4_0(MemorySegment s, long off, float[] y, int yo, int nb) {
        for (int i = 0; i < nb; i++, off += 18, yo += 32) {
            float d = f16(s, off);
            for (int j = 0; j < 16; j++) {
                int q = u8(s, off + 2 + j);
                y[yo + j] = ((q & 0xF) - 8) * d;
                y[yo + j + 16] = ((q >>> 4) - 8) * d;
            }
        }
    }

    /** block_q4_1 { half d; half m; uint8 qs[16]; }: y = nibble * d + m. */
    static void q4_1(MemorySegment s, long off, float[] y, int yo, int nb) {
        for (int i = 0; i < nb; i++, off += 20, yo += 32) {
            float d = f16(s, off);
            float m = f16(s, off + 2);
            for (int j = 0; j < 16; j++) {
                int q = u8(s, off + 4 + j);
                y[yo + j] = (q & 0xF) * d + m;
                y[yo + j + 16] = (q >>> 4) * d + m;
            }
        }
    }

    /** block_q5_0 { half d; uint8 qh[4]; uint8 qs[16]; }: 5-bit values (fifth bit from qh) minus 16, times d. */
    static void q5_0(MemorySegment s, long off, float[] y, int yo, int nb) {
        for (int i = 0; i < nb; i++, off += 22, yo += 32) {
            float d = f16(s, off);
            int qh = i32(s, off + 2);
            for (int j = 0; j < 16; j++) {
                int q = u8(s, off + 6 + j);
                int h0 = ((qh >>> j) << 4) & 0x10;
                int h1 = (qh >>> (j + 12)) & 0x10;
                y[yo + j] = (((q & 0xF) | h0) - 16) * d;
                y[yo + j + 16] = (((q >>> 4) | h1) - 16) * d;
            }
        }
    }

    /** block_q5_1 { half d; half m; uint8 qh[4]; uint8 qs[16]; }: 5-bit values times d plus m. */
    static void q5_1(MemorySegment s, long off, float[] y, int yo, int nb) {
        for (int i = 0; i < nb; i++, off += 24, yo += 32) {
            float d = f16(s, off);
            float m = f16(s, off + 2);
            int qh = i32(s, off + 4);
            for (int j = 0; j < 16; j++) {
                int q = u8(s, off + 8 + j);
                int h0 = ((qh >>> j) << 4) & 0x10;
                int h1 = (qh >>> (j + 12)) & 0x10;
                y[yo + j] = ((q & 0xF) | h0) * d + m;
                y[yo + j + 16] = ((q >>> 4) | h1) * d + m;
            }
        }
    }

    /** block_q8_0 { half d; int8 qs[32]; }: y = q * d. */
    static void q8_0(MemorySegment s, long off, float[] y, int yo, int nb) {
        for (int i = 0; i < nb; i++, off += 34, yo += 32) {
            float d = f16(s, off);
            for (int j = 0; j < 32; j++) {
                y[yo + j] = i8(s, off + 2 + j) * d;
            }
        }
    }
}
