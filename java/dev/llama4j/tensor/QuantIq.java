package dev.llama4j.tensor;

import static dev.llama4j.tensor.Bytes.f16;
import static dev.llama4j.tensor.Bytes.u16;
import static dev.llama4j.tensor.Bytes.u8;

import java.lang.foreign.MemorySegment;

/**
 * Reference dequantization of ggml's non-linear 4-bit types IQ4_NL and IQ4_XS (ggml-quants.c), bit-exact.
 */
final class QuantIq {
    private QuantIq() {}

    /** ggml's kvalues_iq4nl: the 16 non-linear levels. */
    static final int[] KVALUES = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

    /** block_iq4_nl { half d; uint8 qs[16]; } (18 bytes): y = d * KVALUES[nibble]. */
    static void iq4_nl(MemorySegment s, long off, float[] y, int yo, int nb) {
        for (int i = 0; i < nb; i++, off += 18, yo += 32) {
            float d = f16(s, off);
            for (int j = 0; j < 16; j++) {
                int q = u8(s, off + 2 + j);
                y[yo + j] = d * KVALUES[q & 0xF];
                y[yo + j + 16] = d * KVALUES[q >>> 4];
            }
        }
    }

    /** block_iq4_xs { half d; uint16 scales_h; uint8 scales_l[4]; uint8 qs[128]; } (136 bytes). */
    static void iq4_xs(MemorySegment s, long off, float[] y, int yo, int nb) {
        for (int i = 0; i < nb; i++, off += 136) {
            float d = f16(s, off);
            int scalesH = u16(s, off + 2);
            long qs = off + 8;
            for (int ib = 0; ib < 8; ib++, qs += 16, yo += 32) {
                int ls = ((u8(s, off + 4 + ib / 2) >>> (4 * (ib % 2))) & 0xF) | (((scalesH >>> (2 * ib)) & 3) << 4);
                float dl = d * (ls - 32);
                for (int j = 0; j < 16; j++) {
                    int q = u8(s, qs + j);
                    y[yo + j] = dl * KVALUES[q & 0xF];
                    y[yo + j + 16] = dl * KVALUES[q >>> 4];
                }
            }
        }
    }
}
