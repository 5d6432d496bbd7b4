package dev.llama4j.backend.cpu;

import dev.llama4j.gguf.GgmlType;
import dev.llama4j.tensor.Dequant;
import java.lang.foreign.MemorySegment;

/**
 * The block-dot for every type: dequantizes a chunk of whole blocks (about 256 weights) with {@link Dequant} into
 * scratch and dots it with the activations. Used for types without a fast path.
 */
final class GenericDot implements RowDot {
    private final GgmlType type;
    private final int chunk;

    GenericDot(GgmlType type) {
        this.type = type;
        int bs = type.blockSize();
        this.chunk = bs >= 256 ? bs : bs * (256 / bs);
    }

    @Override
    public int scratchSize() {
        return chunk;
    }

    @Override
    public float dot(MemorySegment w, long off, float[] x, int xOff, int cols, float[] scratch) {
        float s = 0.0f;
        for (int c = 0; c < cols; c += chunk) {
            int n = Math.min(chunk, cols - c);
            Dequant.dequantizeRow(type, w, off + type.bytesFor(c), scratch, 0, n);
            s += Vec.dot(scratch, 0, x, xOff + c, n);
        }
        return s;
    }
}
