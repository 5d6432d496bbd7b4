package dev.llama4j.backend.cpu;

import dev.llama4j.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The integer fields of one ggml K-quant super-block (256 weights) as the GGUF stores them (ggml-common.h), decoded
 * into plain arrays in weight order: the repack ({@link KPacked}) and the 8-bit-activation reference
 * ({@link ScalarOps#matVecQ8K}) read blocks through here. A weight is {@code d·sc·q − dmin·m} (Q4_K, Q5_K: eight
 * sub-blocks of 32 with unsigned 6-bit scales {@code sc} and mins {@code m}) or {@code d·sc·(q − 32)} (Q6_K: sixteen
 * sub-blocks of 16 with signed 8-bit scales), {@link dev.llama4j.tensor.Dequant}'s values.
 * <ul>
 *   <li>{@code block_q4_K { half d; half dmin; uint8 scales[12]; uint8 qs[128]; }}: weight {@code 64c + l}
 *       ({@code l < 32}) is the low nibble of {@code qs[32c + l]}, weight {@code 64c + 32 + l} its high nibble.</li>
 *   <li>{@code block_q5_K { half d; half dmin; uint8 scales[12]; uint8 qh[32]; uint8 qs[128]; }}: the same nibbles
 *       plus 16 times bit {@code 2c} (low) or {@code 2c + 1} (high) of {@code qh[l]}.</li>
 *   <li>{@code block_q6_K { uint8 ql[128]; uint8 qh[64]; int8 scales[16]; half d; }}: weight {@code 128n + 32k + l}
 *       is nibble {@code k >> 1} of {@code ql[64n + 32(k & 1) + l]} plus 16 times bits {@code 2k, 2k+1} of
 *       {@code qh[32n + l]}.</li>
 * </ul>
 */
final class KBlocks {
    private KBlocks() {}

    /** Weights per super-block. */
    static final int QK = 256;

    /** Sub-blocks per super-block: 8 of 32 weights (Q4_K, Q5_K) or 16 of 16 (Q6_K). */
    static int subBlocks(GgmlType t) {
        return t == GgmlType.Q6_K ? 16 : 8;
    }

    /** Whether {@code t} is one of the K-quants decoded here. */
    static boolean decodes(GgmlType t) {
        return t == GgmlType.Q4_K || t == GgmlType.Q5_K || t == GgmlType.Q6_K;
    }

    /** The super-block scale {@code d} of the block at {@code off}. */
    static float d(GgmlType t, MemorySegment s, long off) {
        return Float.float16ToFloat(s.get(Vec.SHORT_LE, t == GgmlType.Q6_K ? off + 208 : off));
    }

    /** The super-block scale of the mins {@code dmin} (Q4_K, Q5_K). */
    static float dmin(MemorySegment s, long off) {
        return Float.float16ToFloat(s.get(Vec.SHORT_LE, off + 2));
    }

    /**
     * The sub-block scales into {@code sc} and, for Q4_K and Q5_K, the mins into {@code m} (ggml's
     * {@code get_scale_min_k4}: 6 bits each, from 12 bytes); Q6_K's are the 16 signed bytes.
     */
    static void scales(GgmlType t, MemorySegment s, long off, int[] sc, int[] m) {
        if (t == GgmlType.Q6_K) {
            for (int j = 0; j < 16; j++) {
                sc[j] = s.get(ValueLayout.JAVA_BYTE, off + 192 + j);
            }
            return;
        }
        long p = off + 4;
        for (int j = 0; j < 8; j++) {
            if (j < 4) {
                sc[j] = u8(s, p + j) & 63;
                m[j] = u8(s, p + j + 4) & 63;
            } else {
                sc[j] = (u8(s, p + j + 4) & 0xF) | ((u8(s, p + j - 4) >>> 6) << 4);
                m[j] = (u8(s, p + j + 4) >>> 4) | ((u8(s, p + j) >>> 6) << 4);
            }
        }
    }

    /** The 256 unsigned quants, in weight order: Q4_K 0..15, Q5_K 0..31, Q6_K 0..63. */
    static void quants(GgmlType t, MemorySegment s, long off, int[] q) {
        switch (t) {
            case Q4_K -> {
                for (int c = 0; c < 4; c++) {
                    for (int l = 0; l < 32; l++) {
                        int b = u8(s, off + 16 + 32 * c + l);
                        q[64 * c + l] = b & 0xF;
                        q[64 * c + 32 + l] = b >>> 4;
                    }
                }
            }
            case Q5_K -> {
                for (int c = 0; c < 4; c++) {
                    for (int l = 0; l < 32; l++) {
                        int b = u8(s, off + 48 + 32 * c + l);
                        int h = u8(s, off + 16 + l);
                        q[64 * c + l] = (b & 0xF) | (((h >>> (2 * c)) & 1) << 4);
                        q[64 * c + 32 + l] = (b >>> 4) | (((h >>> (2 * c + 1)) & 1) << 4);
                    }
                }
            }
            case Q6_K -> {
                for (int n = 0; n < 2; n++) {
                    for (int k = 0; k < 4; k++) {
                        for (int l = 0; l < 32; l++) {
                            int lo = (u8(s, off + 64 * n + 32 * (k & 1) + l) >>> (4 * (k >> 1))) & 0xF;
                            int hi = (u8(s, off + 128 + 32 * n + l) >>> (2 * k)) & 3;
                            q[128 * n + 32 * k + l] = lo | (hi << 4);
                        }
                    }
                }
            }
            default -> throw new IllegalArgumentException("not a K-quant decoded here: " + t);
        }
    }

    private static int u8(MemorySegment s, long off) {
        return s.get(ValueLayout.JAVA_BYTE, off) & 0xFF;
    }
}
