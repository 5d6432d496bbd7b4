package dev.llama4j.backend.cpu;

import dev.llama4j.gguf.GgmlType;
import dev.llama4j.tensor.Dequant;
import java.lang.foreign.MemorySegment;

/**
 * The dot product of one weight row, in its storage type, with float activations: one implementation per type
 * (a block-dot looped over the row's blocks). {@link VectorOps} writes its row loop once over this interface.
 */
interface RowDot {

    /**
     * {@code Σ_c W[c] · x[xOff + c]} for {@code c < cols}, {@code W} being the row whose bytes start at
     * {@code w[off]}.
     *
     * @param scratch at least {@link #scratchSize()} floats the implementation may overwrite
     */
    float dot(MemorySegment w, long off, float[] x, int xOff, int cols, float[] scratch);

    /** Floats of scratch {@link #dot} needs. */
    default int scratchSize() {
        return 0;
    }

    /** The row dequantized into {@code dst[0 .. cols)}, exactly as {@link Dequant} does it. */
    default void dequantize(GgmlType type, MemorySegment w, long off, float[] dst, int cols) {
        Dequant.dequantizeRow(type, w, off, dst, 0, cols);
    }
}
