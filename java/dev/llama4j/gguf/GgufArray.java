package dev.llama4j.gguf;

import java.util.List;

/**
 * A metadata array to write: its element type and values (Java types as {@link GgufWriter#put} takes them; for
 * {@code ARRAY} elements, nested {@code GgufArray}s or arrays read from a {@link GgufFile}).
 */
public record GgufArray(GgufValueType elementType, List<?> values) {
    public GgufArray {
        values = List.copyOf(values);
    }
}
