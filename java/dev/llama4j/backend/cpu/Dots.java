package dev.llama4j.backend.cpu;

import dev.llama4j.gguf.GgmlType;
import java.util.EnumMap;
import java.util.Map;

/**
 * Picks the {@link RowDot} per weight type: a fast path that works on the quantized blocks directly where one
 * exists and the vector shape allows it, else {@link GenericDot} (dequantize a block, dot it).
 */
final class Dots {
    private Dots() {}

    /** The fast path for {@code type}, or {@code null} if it has none on this hardware. */
    static RowDot fast(GgmlType type) {
        return switch (type) {
            case F32 -> new F32Dot();
            case F16 -> F16Dot.supported() ? new F16Dot() : null;
            case BF16 -> BF16Dot.supported() ? new BF16Dot() : null;
            case Q8_0 -> Q8_0Dot.supported() ? new Q8_0Dot() : null;
            case Q4_0 -> Q4_0Dot.supported() ? new Q4_0Dot() : null;
            case Q4_K -> Q4_KDot.supported() ? new Q4_KDot() : null;
            case Q6_K -> Q6_KDot.supported() ? new Q6_KDot() : null;
            default -> null;
        };
    }

    /** One dot per type: fast where possible, generic otherwise (immutable, shareable across threads). */
    static Map<GgmlType, RowDot> all(boolean fastPaths) {
        Map<GgmlType, RowDot> m = new EnumMap<>(GgmlType.class);
        for (GgmlType t : GgmlType.values()) {
            RowDot f = fastPaths ? fast(t) : null;
            m.put(t, f != null ? f : new GenericDot(t));
        }
        return m;
    }
}
