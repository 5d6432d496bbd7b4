package dev.llama4j.tensor;

import dev.llama4j.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A named tensor: its type, its shape in ggml order ({@code ne[0]} is the fastest-varying dimension, i.e. the
 * row length of a matrix) and its raw bytes, usually a slice of a memory-mapped model file.
 */
public record Tensor(String name, GgmlType type, long[] ne, MemorySegment data) {
    public Tensor {
        ne = ne.clone();
    }

    /** Elements in the tensor (product of {@code ne}). */
    public long elementCount() {
        long n = 1;
        for (long d : ne) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Row length: {@code ne[0]}. */
    public long cols() {
        return ne[0];
    }

    /** Number of rows: product of {@code ne[1..]}. */
    public long rows() {
        return elementCount() / ne[0];
    }

    /** Bytes of one row. */
    public long rowBytes() {
        return type.bytesFor(ne[0]);
    }

    @Override
    public long[] ne() {
        return ne.clone();
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(ne);
    }
}
