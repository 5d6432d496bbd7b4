package dev.llama4j.tensor;

import dev.llama4j.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Float32 to ggml tensor data, exactly as ggml's reference quantizers ({@code quantize_row_q8_0_ref},
 * {@code quantize_row_q4_0_ref}, {@code quantize_row_q5_0_ref}, {@code quantize_row_q5_1_ref},
 * {@code ggml_fp32_to_fp16_row}, {@code ggml_fp32_to_bf16_row}, and the K-quants of {@link QuantizeK} and
 * {@link QuantizeKLow}), so the bytes equal what {@code ggml_quantize_chunk} writes without an importance matrix.
 *
 * <p>Error bounds of quantize→dequantize per element, with {@code amax} the largest |x| of the element's block
 * (32 values) and u16 = 2^-11 the unit roundoff of F16 (the block scale {@code d} is stored as F16 and so carries a
 * relative error of at most u16; values assume the scale is a normal F16 number, i.e. amax ≳ 2^-14·127):
 * <ul>
 *   <li>F32: exact. F16: relative error ≤ 2^-11 (normal range). BF16: relative error ≤ 2^-8.</li>
 *   <li>Q8_0: d = amax/127, q = round(x/d) ∈ [-127, 127], value q·fp16(d). |err| ≤ |q|·|fp16(d) − d| + |q·d − x|
 *       ≤ 127·d·u16 + d/2 = amax/127·(1/2 + 127·u16).</li>
 *   <li>Q4_0: d = m/−8 with m the block's value of largest magnitude, q = min(15, ⌊x/d + 8.5⌋), value
 *       (q − 8)·fp16(d), |q − 8| ≤ 8. Rounding is to nearest (|q − 8 − x/d| ≤ 1/2) except where x/d > 7.5 — values
 *       of the opposite sign to m with |x| > 15/16·amax — which clamp to q = 15 with |q − 8 − x/d| ≤ 1. So
 *       |err| ≤ 8·|d|·u16 + |d|·(1/2 or 1) = amax/8·(1/2 + 8·u16) outside the clamp zone and
 *       amax/8·(1 + 8·u16) everywhere.</li>
 *   <li>Q5_0: as Q4_0 with 16 for 8 ({@code d = m/−16}, q = min(31, ⌊x/d + 16.5⌋), value (q − 16)·fp16(d), the fifth
 *       bits in {@code qh}): |err| ≤ amax/16·(1/2 + 16·u16) outside the clamp zone (x/d > 15.5) and
 *       amax/16·(1 + 16·u16) everywhere.</li>
 *   <li>Q5_1: d = (max − min)/31, q = ⌊(x − min)/d + 1/2⌋ ∈ [0, 31], value q·fp16(d) + fp16(min). With r = max − min:
 *       |err| ≤ r/31·(1/2 + 31·u16) + |min|·u16.</li>
 *   <li>Q2_K .. Q6_K: see {@link QuantizeK} (the nearest point of each sub-block's stored grid).</li>
 * </ul>
 */
public final class Quantize {
    private Quantize() {}

    /** The types {@link #quantize} writes. */
    public static boolean supports(GgmlType type) {
        return switch (type) {
            case F32, F16, BF16, Q8_0, Q4_0, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K -> true;
            default -> false;
        };
    }

    /**
     * Quantizes {@code n} floats of {@code src} from {@code srcOff} to {@code type}, writing
     * {@code type.bytesFor(n)} bytes to {@code dst} at {@code dstOff}. {@code n} must be a whole number of blocks.
     *
     * @throws IllegalArgumentException for a type {@link #supports} refuses or a partial block
     */
    public static void quantize(GgmlType type, float[] src, int srcOff, int n, MemorySegment dst, long dstOff) {
        if (n % type.blockSize() != 0) {
            throw new IllegalArgumentException(n + " values is not a whole number of " + type + " blocks of "
                    + type.blockSize());
        }
        switch (type) {
            case F32 -> MemorySegment.copy(src, srcOff, dst, Bytes.F32, dstOff, n);
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    dst.set(Bytes.I16, dstOff + 2L * i, Float16.fromFloat(src[srcOff + i]));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    dst.set(Bytes.I16, dstOff + 2L * i, Float16.floatToBf16(src[srcOff + i]));
                }
            }
            case Q8_0, Q4_0, Q5_0, Q5_1 -> {
                for (int b = 0; b < n / 32; b++) {
                    int o = srcOff + 32 * b;
                    long at = dstOff + (long) type.typeSize() * b;
                    switch (type) {
                        case Q8_0 -> q8_0(src, o, dst, at);
                        case Q4_0 -> q4_0(src, o, dst, at);
                        case Q5_0 -> q5_0(src, o, dst, at);
                        default -> q5_1(src, o, dst, at);
                    }
                }
            }
            case Q2_K -> QuantizeKLow.q2_K(src, srcOff, n / 256, dst, dstOff);
            case Q3_K -> QuantizeKLow.q3_K(src, srcOff, n / 256, dst, dstOff);
            case Q4_K -> QuantizeK.q45_K(4, src, srcOff, n / 256, dst, dstOff);
            case Q5_K -> QuantizeK.q45_K(5, src, srcOff, n / 256, dst, dstOff);
            case Q6_K -> QuantizeK.q6_K(src, srcOff, n / 256, dst, dstOff);
            default -> throw new IllegalArgumentException("cannot quantize to " + type
                    + " (supported: F32, F16, BF16, Q8_0, Q4_0, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K)");
        }
    }

    /** {@code quantize_row_q8_0_ref} for one block: {@code { f16 d; int8 qs[32]; }}. */
    private static void q8_0(float[] x, int o, MemorySegment dst, long at) {
        float amax = 0f;
        for (int j = 0; j < 32; j++) {
            amax = Math.max(amax, Math.abs(x[o + j]));
        }
        float d = amax / 127f;
        float id = d != 0f ? 1f / d : 0f;
        dst.set(Bytes.I16, at, Float16.fromFloat(d));
        for (int j = 0; j < 32; j++) {
            dst.set(ValueLayout.JAVA_BYTE, at + 2 + j, (byte) roundf(x[o + j] * id));
        }
    }

    /** {@code quantize_row_q4_0_ref} for one block: {@code { f16 d; uint8 qs[16]; }}, low nibbles first half. */
    private static void q4_0(float[] x, int o, MemorySegment dst, long at) {
        float d = largestMagnitude(x, o, 32) / -8f;
        float id = d != 0f ? 1f / d : 0f;
        dst.set(Bytes.I16, at, Float16.fromFloat(d));
        for (int j = 0; j < 16; j++) {
            int lo = Math.min(15, (byte) (int) (x[o + j] * id + 8.5f));
            int hi = Math.min(15, (byte) (int) (x[o + 16 + j] * id + 8.5f));
            dst.set(ValueLayout.JAVA_BYTE, at + 2 + j, (byte) (lo | hi << 4));
        }
    }

    /** {@code quantize_row_q5_0_ref} for one block: {@code { f16 d; uint8 qh[4]; uint8 qs[16]; }}. */
    private static void q5_0(float[] x, int o, MemorySegment dst, long at) {
        float d = largestMagnitude(x, o, 32) / -16f;
        float id = d != 0f ? 1f / d : 0f;
        dst.set(Bytes.I16, at, Float16.fromFloat(d));
        int qh = 0;
        for (int j = 0; j < 16; j++) {
            int lo = Math.min(31, (byte) (int) (x[o + j] * id + 16.5f));
            int hi = Math.min(31, (byte) (int) (x[o + 16 + j] * id + 16.5f));
            dst.set(ValueLayout.JAVA_BYTE, at + 6 + j, (byte) ((lo & 0xF) | (hi & 0xF) << 4));
            qh |= (lo >> 4) << j | (hi >> 4) << (j + 16);
        }
        dst.set(Bytes.I32, at + 2, qh);
    }

    /** {@code quantize_row_q5_1_ref} for one block: {@code { f16 d; f16 m; uint8 qh[4]; uint8 qs[16]; }}. */
    private static void q5_1(float[] x, int o, MemorySegment dst, long at) {
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (int j = 0; j < 32; j++) {
            float v = x[o + j];
            if (v < min) {
                min = v;
            }
            if (v > max) {
                max = v;
            }
        }
        float d = (max - min) / 31;
        float id = d != 0f ? 1f / d : 0f;
        dst.set(Bytes.I16, at, Float16.fromFloat(d));
        dst.set(Bytes.I16, at + 2, Float16.fromFloat(min));
        int qh = 0;
        for (int j = 0; j < 16; j++) {
            int lo = (int) ((x[o + j] - min) * id + 0.5f) & 0xFF;
            int hi = (int) ((x[o + 16 + j] - min) * id + 0.5f) & 0xFF;
            dst.set(ValueLayout.JAVA_BYTE, at + 8 + j, (byte) ((lo & 0xF) | (hi & 0xF) << 4));
            qh |= ((lo & 0x10) >> 4) << j | ((hi & 0x10) >> 4) << (j + 16);
        }
        dst.set(Bytes.I32, at + 4, qh);
    }

    /** The first of {@code x[o .. o + n)} with the largest magnitude (0 when all are 0), as ggml's loops pick it. */
    static float largestMagnitude(float[] x, int o, int n) {
        float amax = 0f;
        float max = 0f;
        for (int j = 0; j < n; j++) {
            float v = x[o + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        return max;
    }

    /** C's {@code roundf}: to nearest, halves away from zero. */
    static float roundf(float x) {
        return (float) Math.copySign(Math.floor(Math.abs((double) x) + 0.5), x);
    }
}
