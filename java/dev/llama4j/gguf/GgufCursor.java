package dev.llama4j.gguf;

import dev.llama4j.model.ModelFileException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A bounds-checked little-endian read position in a GGUF image. Every read first checks that the bytes are there,
 * and every length is checked against the bytes left before anything is allocated, so a corrupt file gives a
 * {@link ModelFileException} naming the field and offset, never an out-of-memory error.
 */
final class GgufCursor {
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    final Path path;
    final MemorySegment seg;
    final long size;
    long pos;

    GgufCursor(Path path, MemorySegment seg) {
        this.path = path;
        this.seg = seg;
        this.size = seg.byteSize();
    }

    /** Bytes left after the position. */
    long remaining() {
        return size - pos;
    }

    ModelFileException error(String problem) {
        return new ModelFileException(path, problem);
    }

    private void need(long n, String what) {
        if (n > size - pos) {
            throw error("truncated: " + what + " at offset " + pos + " needs " + n + " bytes, only " + (size - pos)
                    + " left in the file (size " + size + ")");
        }
    }

    int u8(String what) {
        need(1, what);
        return seg.get(ValueLayout.JAVA_BYTE, pos++) & 0xFF;
    }

    short i16(String what) {
        need(2, what);
        short v = seg.get(I16, pos);
        pos += 2;
        return v;
    }

    int i32(String what) {
        need(4, what);
        int v = seg.get(I32, pos);
        pos += 4;
        return v;
    }

    long i64(String what) {
        need(8, what);
        long v = seg.get(I64, pos);
        pos += 8;
        return v;
    }

    /**
     * A count or length stored as u64 (u32 is widened by the caller), checked so that {@code count * minBytes}
     * fits in what is left of the file.
     */
    long count(long count, int minBytes, String what) {
        if (count < 0 || (minBytes > 0 && count > remaining() / minBytes)) {
            throw error(what + " = " + Long.toUnsignedString(count) + " is impossible: " + remaining()
                    + " bytes are left in the file at offset " + pos
                    + (minBytes > 1 ? " and each entry takes at least " + minBytes : ""));
        }
        return count;
    }

    /** A GGUF string: u64 byte length, then UTF-8 bytes. */
    String string(String what) {
        long start = pos;
        long len = i64("length of " + what);
        if (len < 0 || len > remaining() || len > Integer.MAX_VALUE - 8) {
            throw error(what + ": string length " + Long.toUnsignedString(len) + " at offset " + start
                    + " exceeds the " + remaining() + " bytes left in the file");
        }
        byte[] b = new byte[(int) len];
        MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, pos, b, 0, (int) len);
        pos += len;
        return new String(b, StandardCharsets.UTF_8);
    }
}
