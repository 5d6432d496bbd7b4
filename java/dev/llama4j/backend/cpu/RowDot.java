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

    /**
     * Activation-side data that every row of one mat-vec shares (for instance per-block sums of {@code x}), made
     * once per mat-vec and handed to {@link #rows}; {@code null} if the type needs none.
     */
    default float[] prepare(float[] x, int cols) {
        return null;
    }

    /**
     * {@code out[r] = row r · x} for {@code r0 <= r < r1} (rows {@code rowBytes} apart from {@code w[0]}).
     * Implementations may work on several rows at once, but each row must get the same bits whichever rows it is
     * grouped with, so that results do not depend on how rows are split between threads.
     *
     * @param prep what {@link #prepare} returned for {@code x}
     */
    default void rows(MemorySegment w, long rowBytes, int r0, int r1, float[] x, int cols, float[] prep,
                      float[] out, float[] scratch) {
        for (int r = r0; r < r1; r++) {
            out[r] = dot(w, r * rowBytes, x, 0, cols, scratch);
        }
    }

    /** Floats of scratch {@link #dot} needs. */
    default int scratchSize() {
        return 0;
    }

    /** The row dequantized into {@code dst[0 .. cols)}, exactly as {@link Dequant} does it. */
    default void dequantize(GgmlType type, MemorySegment w, long off, float[] dst, int cols) {
        dequantize(type, w, off, dst, 0, cols);
    }

    /** The row dequantized into {@code dst[dstOff .. dstOff+cols)}, exactly as {@link Dequant} does it. */
    default void dequantize(GgmlType type, MemorySegment w, long off, float[] dst, int dstOff, int cols) {
        Dequant.dequantizeRow(type, w, off, dst, dstOff, cols);
    }
}
