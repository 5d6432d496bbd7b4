package dev.llama4j.tensor;

import dev.llama4j.Llama4jException;
import dev.llama4j.gguf.GgmlType;
import java.lang.foreign.MemorySegment;

/**
 * The scalar dequantization reference: every supported {@link GgmlType} to float32, bit-exact with ggml's own
 * dequantizers (the {@code deq.*} tensors of {@code quant_vectors.gguf}). Fast paths are tested against it.
 */
public final class Dequant {
    private Dequant() {}

    /** Whether {@link #dequantizeRow} handles this type. */
    public static boolean supports(GgmlType type) {
        return switch (type) {
            case F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_NL, IQ4_XS -> true;
            default -> false;
        };
    }

    /**
     * Dequantizes {@code n} consecutive values of {@code type} stored at {@code src[byteOffset ..]} into
     * {@code dst[dstOffset .. dstOffset + n)}.
     *
     * @param n number of values, a multiple of the type's block size
     * @throws Llama4jException for a type without a dequantizer (e.g. Q8_1, I8) or a partial block
     * @throws IndexOutOfBoundsException if the source bytes or destination range are out of bounds
     */
    public static void dequantizeRow(GgmlType type, MemorySegment src, long byteOffset, float[] dst, int dstOffset,
                                     int n) {
        if (!supports(type)) {
            throw new Llama4jException("no dequantizer for ggml type " + type + " (id " + type.id() + ")");
        }
        if (n < 0 || n % type.blockSize() != 0) {
            throw new Llama4jException(n + " values is not a whole number of " + type + " blocks of "
                    + type.blockSize());
        }
        long bytes = type.bytesFor(n);
        java.util.Objects.checkFromIndexSize(byteOffset, bytes, src.byteSize());
        java.util.Objects.checkFromIndexSize(dstOffset, n, dst.length);
        int nb = n / type.blockSize();
        switch (type) {
            case F32 -> MemorySegment.copy(src, Bytes.F32, byteOffset, dst, dstOffset, n);
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    dst[dstOffset + i] = Bytes.f16(src, byteOffset + 2L * i);
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    dst[dstOffset + i] = Float16.bf16ToFloat(src.get(Bytes.I16, byteOffset + 2L * i));
                }
            }
            case Q4_0 -> QuantLegacy.q4_0(src, byteOffset, dst, dstOffset, nb);
            case Q4_1 -> QuantLegacy.q4_1(src, byteOffset, dst, dstOffset, nb);
            case Q5_0 -> QuantLegacy.q5_0(src, byteOffset, dst, dstOffset, nb);
            case Q5_1 -> QuantLegacy.q5_1(src, byteOffset, dst, dstOffset, nb);
            case Q8_0 -> QuantLegacy.q8_0(src, byteOffset, dst, dstOffset, nb);
            case Q2_K -> QuantK.q2_K(src, byteOffset, dst, dstOffset, nb);
            case Q3_K -> QuantK.q3_K(src, byteOffset, dst, dstOffset, nb);
            case Q4_K -> QuantK.q4_K(src, byteOffset, dst, dstOffset, nb);
            case Q5_K -> QuantK.q5_K(src, byteOffset, dst, dstOffset, nb);
            case Q6_K -> QuantK.q6_K(src, byteOffset, dst, dstOffset, nb);
            case IQ4_NL -> QuantIq.iq4_nl(src, byteOffset, dst, dstOffset, nb);
            case IQ4_XS -> QuantIq.iq4_xs(src, byteOffset, dst, dstOffset, nb);
            default -> throw new AssertionError(type);
        }
    }

    /**
     * Dequantizes a whole tensor (for tests and tools; a model is never expanded this way).
     *
     * @throws Llama4jException if the type has no dequantizer, the tensor has more than
     *                          {@code Integer.MAX_VALUE - 8} elements, or its data is shorter than its shape needs
     */
    public static float[] dequantize(Tensor t) {
        if (!supports(t.type())) {
            throw new Llama4jException("tensor '" + t.name() + "': no dequantizer for ggml type " + t.type()
                    + " (id " + t.type().id() + ")");
        }
        long count = t.elementCount();
        if (count > Integer.MAX_VALUE - 8) {
            throw new Llama4jException("tensor '" + t.name() + "' has " + count
                    + " elements, too many for one float array");
        }
        long cols = t.cols();
        long rows = count / cols;
        long rowBytes = t.rowBytes();
        if (rowBytes * rows > t.data().byteSize()) {
            throw new Llama4jException("tensor '" + t.name() + "' needs " + rowBytes * rows + " bytes, data has "
                    + t.data().byteSize());
        }
        float[] out = new float[(int) count];
        for (long r = 0; r < rows; r++) {
            dequantizeRow(t.type(), t.data(), r * rowBytes, out, (int) (r * cols), (int) cols);
        }
        return out;
    }
}
