package dev.llama4j.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Little-endian unaligned reads from a segment, shared by the dequantizers. */
final class Bytes {
    private Bytes() {}

    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Unsigned byte at {@code off}. */
    static int u8(MemorySegment s, long off) {
        return s.get(ValueLayout.JAVA_BYTE, off) & 0xFF;
    }

    /** Signed byte at {@code off}. */
    static int i8(MemorySegment s, long off) {
        return s.get(ValueLayout.JAVA_BYTE, off);
    }

    /** Half-precision value at {@code off}, as float. */
    static float f16(MemorySegment s, long off) {
        return Float.float16ToFloat(s.get(I16, off));
    }

    /** Little-endian 32-bit int at {@code off}. */
    static int i32(MemorySegment s, long off) {
        return s.get(I32, off);
    }

    /** Little-endian unsigned 16-bit int at {@code off}. */
    static int u16(MemorySegment s, long off) {
        return s.get(I16, off) & 0xFFFF;
    }
}
