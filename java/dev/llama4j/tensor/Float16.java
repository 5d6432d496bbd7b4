package dev.llama4j.tensor;

/**
 * Half-precision (IEEE binary16) and bfloat16 conversions, exactly as ggml does them. Half to float is exact
 * ({@link Float#float16ToFloat}); float to half rounds to nearest even ({@link Float#floatToFloat16}), as F16C and
 * ggml's scalar fallback do. bfloat16 is the top half of a float32 ({@code bits << 16}).
 */
public final class Float16 {
    private Float16() {}

    /** The float value of half-precision bits (the low 16 bits of {@code h}). */
    public static float toFloat(short h) {
        return Float.float16ToFloat(h);
    }

    /** Half-precision bits of {@code f}, rounded to nearest even. */
    public static short fromFloat(float f) {
        return Float.floatToFloat16(f);
    }

    /** The float value of bfloat16 bits. */
    public static float bf16ToFloat(short b) {
        return Float.intBitsToFloat((b & 0xFFFF) << 16);
    }

    /**
     * bfloat16 bits of {@code f}, rounded to nearest even; NaN stays a quiet NaN (as ggml's
     * {@code ggml_compute_fp32_to_bf16}).
     */
    public static short floatToBf16(float f) {
        int u = Float.floatToRawIntBits(f);
        if ((u & 0x7fffffff) > 0x7f800000) {
            return (short) ((u >>> 16) | 64);
        }
        return (short) ((u + (0x7fff + ((u >>> 16) & 1))) >>> 16);
    }
}
