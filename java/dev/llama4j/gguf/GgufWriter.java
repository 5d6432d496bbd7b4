package dev.llama4j.gguf;

import dev.llama4j.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes GGUF files (version 3 by default, 2 on request): metadata of every value type, including nested arrays,
 * then tensor infos whose offsets are computed up front, padding to {@code general.alignment}, then each tensor's
 * data streamed from its {@link TensorSource}, each padded to the alignment.
 * <pre>{@code
 * new GgufWriter().putString("general.architecture", "llama").putUInt32("llama.block_count", 5)
 *     .addTensor("token_embd.weight", GgmlType.F32, new long[] {64, 512}, TensorSource.of(bytes))
 *     .write(path);
 * }</pre>
 */
public final class GgufWriter {
    /** Writes one tensor's bytes: exactly {@code type.bytesFor(elements)} of them. */
    @FunctionalInterface
    public interface TensorSource {
        void writeTo(WritableByteChannel out) throws IOException;

        /** A source that writes the remaining bytes of {@code data} (a duplicate; the buffer is not consumed). */
        static TensorSource of(ByteBuffer data) {
            return out -> {
                ByteBuffer b = data.duplicate();
                while (b.hasRemaining()) {
                    out.write(b);
                }
            };
        }

        /** A source that copies a tensor's segment (for re-writing a file). */
        static TensorSource of(Tensor t) {
            return out -> {
                long size = t.data().byteSize();
                for (long o = 0; o < size; o += 1 << 30) {
                    ByteBuffer b = t.data().asSlice(o, Math.min(1 << 30, size - o)).asByteBuffer();
                    while (b.hasRemaining()) {
                        out.write(b);
                    }
                }
            };
        }
    }

    private record Entry(String name, GgmlType type, long[] ne, long bytes, TensorSource source) {}

    private int version = 3;
    private final Map<String, Object> meta = new LinkedHashMap<>();
    private final Map<String, GgufValueType> types = new LinkedHashMap<>();
    private final List<Entry> tensors = new ArrayList<>();
    private final Map<String, Long> offsets = new LinkedHashMap<>();
    private long dataBytes;

    /** Sets the version field written (2 or 3; the layout is the same). */
    public GgufWriter version(int v) {
        if (v != 2 && v != 3) {
            throw new IllegalArgumentException("GGUF version " + v + " (allowed: 2, 3)");
        }
        this.version = v;
        return this;
    }

    /**
     * Adds (or replaces) a metadata value. Java types: integers as any {@link Number} (range-checked for the type),
     * FLOAT32/FLOAT64 as {@link Number}, BOOL as {@link Boolean}, STRING as {@link String}, ARRAY as a
     * {@link GgufArray} or a list read from a {@link GgufFile} (which knows its element type).
     */
    public GgufWriter put(String key, GgufValueType type, Object value) {
        checkValue(type, value, key);
        if (key.equals(GgufReader.ALIGNMENT_KEY)) {
            long a = ((Number) value).longValue();
            if (!tensors.isEmpty() || !type.isInteger() || a <= 0 || a > (1 << 30) || Long.bitCount(a) != 1) {
                throw new IllegalArgumentException(key + " = " + value + " must be an integer power of two"
                        + " set before any tensor is added");
            }
        }
        meta.put(key, value);
        types.put(key, type);
        return this;
    }

    public GgufWriter putString(String key, String v) {
        return put(key, GgufValueType.STRING, v);
    }

    public GgufWriter putUInt32(String key, long v) {
        return put(key, GgufValueType.UINT32, v);
    }

    public GgufWriter putInt32(String key, int v) {
        return put(key, GgufValueType.INT32, v);
    }

    public GgufWriter putFloat32(String key, float v) {
        return put(key, GgufValueType.FLOAT32, v);
    }

    public GgufWriter putBool(String key, boolean v) {
        return put(key, GgufValueType.BOOL, v);
    }

    public GgufWriter putArray(String key, GgufValueType elementType, List<?> values) {
        return put(key, GgufValueType.ARRAY, new GgufArray(elementType, values));
    }

    private int alignment() {
        Object a = meta.get(GgufReader.ALIGNMENT_KEY);
        return a == null ? GgufReader.DEFAULT_ALIGNMENT : ((Number) a).intValue();
    }

    /**
     * Adds a tensor; its data offset is assigned now (in order, each padded to the alignment).
     *
     * @throws IllegalArgumentException for a duplicate name, 0 or more than 4 dimensions, a dimension &lt; 1, a row
     *                                  length that is not a whole number of blocks, or a size that overflows
     */
    public GgufWriter addTensor(String name, GgmlType type, long[] ne, TensorSource source) {
        if (offsets.containsKey(name)) {
            throw new IllegalArgumentException("duplicate tensor name '" + name + "'");
        }
        if (ne.length < 1 || ne.length > GgufReader.MAX_DIMS) {
            throw new IllegalArgumentException("tensor '" + name + "' has " + ne.length + " dimensions (allowed: 1..4)");
        }
        long n = 1;
        for (long d : ne) {
            if (d < 1) {
                throw new IllegalArgumentException("tensor '" + name + "' has a dimension " + d);
            }
            n = Math.multiplyExact(n, d);
        }
        if (ne[0] % type.blockSize() != 0) {
            throw new IllegalArgumentException("tensor '" + name + "': ne[0] = " + ne[0] + " is not a multiple of the "
                    + type + " block size " + type.blockSize());
        }
        long bytes = type.bytesFor(n);
        offsets.put(name, dataBytes);
        tensors.add(new Entry(name, type, ne.clone(), bytes, source));
        dataBytes = Math.addExact(dataBytes, GgufReader.alignUp(bytes, alignment()));
        return this;
    }

    /** The data offset (relative to the data section) assigned to a tensor. */
    public long tensorOffset(String name) {
        Long o = offsets.get(name);
        if (o == null) {
            throw new IllegalArgumentException("no tensor '" + name + "'");
        }
        return o;
    }

    /** Writes the whole file (header, metadata, tensor infos, padding, data). */
    public void write(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeTo(ch);
        }
    }

    /** Writes the whole file to a channel. */
    public void writeTo(WritableByteChannel ch) throws IOException {
        long dataStart = writeHeader(ch);
        int alignment = alignment();
        long pos = 0;
        for (Entry t : tensors) {
            long[] count = {0};
            WritableByteChannel counting = new WritableByteChannel() {
                @Override
                public int write(ByteBuffer src) throws IOException {
                    int w = ch.write(src);
                    count[0] += w;
                    return w;
                }

                @Override
                public boolean isOpen() {
                    return ch.isOpen();
                }

                @Override
                public void close() {}
            };
            t.source.writeTo(counting);
            if (count[0] != t.bytes) {
                throw new IOException("tensor '" + t.name + "': source wrote " + count[0] + " bytes, expected "
                        + t.bytes);
            }
            pos += t.bytes;
            long padded = GgufReader.alignUp(pos, alignment);
            writeFully(ch, ByteBuffer.allocate((int) (padded - pos)));
            pos = padded;
        }
        assert pos == dataBytes && dataStart >= 0;
    }

    /**
     * Writes everything before the tensor data (header, metadata, tensor infos, padding) and returns the size
     * written, which is the file offset of the data section. A caller may then write each tensor's bytes at
     * {@code dataStart + tensorOffset(name)} itself (e.g. into a sparse file).
     */
    public long writeHeader(WritableByteChannel ch) throws IOException {
        ByteBuffer h = header();
        long start = h.remaining();
        writeFully(ch, h);
        return start;
    }

    /** Bytes of the tensor data section (each tensor padded to the alignment). */
    public long dataBytes() {
        return dataBytes;
    }

    /** Bytes of the whole file: header, metadata, tensor infos, padding and data. */
    public long totalBytes() {
        return Math.addExact(header().remaining(), dataBytes);
    }

    /** Header, metadata, tensor infos and the padding up to the data section. */
    private ByteBuffer header() {
        Buf b = new Buf();
        b.i32(GgufReader.MAGIC);
        b.i32(version);
        b.i64(tensors.size());
        b.i64(meta.size());
        for (var e : meta.entrySet()) {
            b.string(e.getKey());
            GgufValueType t = types.get(e.getKey());
            b.i32(t.id());
            value(b, t, e.getValue());
        }
        for (Entry t : tensors) {
            b.string(t.name);
            b.i32(t.ne.length);
            for (long d : t.ne) {
                b.i64(d);
            }
            b.i32(t.type.id());
            b.i64(offsets.get(t.name));
        }
        long start = GgufReader.alignUp(b.size(), alignment());
        while (b.size() < start) {
            b.u8(0);
        }
        return b.buffer();
    }

    /** A channel that writes into {@code seg} from its start (for building a GGUF image in memory). */
    public static WritableByteChannel into(MemorySegment seg) {
        return new WritableByteChannel() {
            private long pos;

            @Override
            public int write(ByteBuffer src) {
                int n = src.remaining();
                MemorySegment.copy(MemorySegment.ofBuffer(src), 0, seg, pos, n);
                src.position(src.limit());
                pos += n;
                return n;
            }

            @Override
            public boolean isOpen() {
                return true;
            }

            @Override
            public void close() {}
        };
    }

    private static void writeFully(WritableByteChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    private static void checkValue(GgufValueType t, Object v, String key) {
        String what = "metadata '" + key + "' of type " + t;
        switch (t) {
            case UINT8 -> range(v, 0, 255, what);
            case INT8 -> range(v, Byte.MIN_VALUE, Byte.MAX_VALUE, what);
            case UINT16 -> range(v, 0, 65535, what);
            case INT16 -> range(v, Short.MIN_VALUE, Short.MAX_VALUE, what);
            case UINT32 -> range(v, 0, 0xFFFFFFFFL, what);
            case INT32 -> range(v, Integer.MIN_VALUE, Integer.MAX_VALUE, what);
            case INT64, UINT64 -> range(v, Long.MIN_VALUE, Long.MAX_VALUE, what);
            case FLOAT32, FLOAT64 -> {
                if (!(v instanceof Number)) {
                    throw new IllegalArgumentException(what + ": not a number: " + v);
                }
            }
            case BOOL -> {
                if (!(v instanceof Boolean)) {
                    throw new IllegalArgumentException(what + ": not a Boolean: " + v);
                }
            }
            case STRING -> {
                if (!(v instanceof String)) {
                    throw new IllegalArgumentException(what + ": not a String: " + v);
                }
            }
            case ARRAY -> {
                GgufArray a = asArray(v, what);
                for (Object e : a.values()) {
                    checkValue(a.elementType(), e, key);
                }
            }
        }
    }

    private static GgufArray asArray(Object v, String what) {
        if (v instanceof GgufArray a) {
            return a;
        }
        if (v instanceof PrimitiveList.Typed<?> l) {
            return new GgufArray(l.elementType, l);
        }
        throw new IllegalArgumentException(what + ": not a GgufArray: " + v);
    }

    private static void range(Object v, long lo, long hi, String what) {
        if (!(v instanceof Byte || v instanceof Short || v instanceof Integer || v instanceof Long)) {
            throw new IllegalArgumentException(what + ": not an integer: " + v);
        }
        long x = ((Number) v).longValue();
        if (x < lo || x > hi) {
            throw new IllegalArgumentException(what + ": " + x + " out of range " + lo + ".." + hi);
        }
    }

    private static void value(Buf b, GgufValueType t, Object v) {
        switch (t) {
            case UINT8, INT8 -> b.u8(((Number) v).intValue());
            case UINT16, INT16 -> b.i16(((Number) v).intValue());
            case UINT32, INT32 -> b.i32(((Number) v).intValue());
            case UINT64, INT64 -> b.i64(((Number) v).longValue());
            case FLOAT32 -> b.i32(Float.floatToRawIntBits(((Number) v).floatValue()));
            case FLOAT64 -> b.i64(Double.doubleToRawLongBits(((Number) v).doubleValue()));
            case BOOL -> b.u8((Boolean) v ? 1 : 0);
            case STRING -> b.string((String) v);
            case ARRAY -> {
                GgufArray a = asArray(v, "array");
                b.i32(a.elementType().id());
                b.i64(a.values().size());
                for (Object e : a.values()) {
                    value(b, a.elementType(), e);
                }
            }
        }
    }

    /** A growable little-endian byte buffer for the header. */
    private static final class Buf {
        private ByteBuffer buf = ByteBuffer.allocate(1 << 12).order(ByteOrder.LITTLE_ENDIAN);

        private void room(int n) {
            if (buf.remaining() < n) {
                long cap = Math.max((long) buf.capacity() * 2, (long) buf.position() + n);
                if (cap > Integer.MAX_VALUE - 8) {
                    throw new IllegalStateException("GGUF header larger than 2 GiB");
                }
                ByteBuffer nb = ByteBuffer.allocate((int) cap).order(ByteOrder.LITTLE_ENDIAN);
                nb.put(buf.flip());
                buf = nb;
            }
        }

        void u8(int v) {
            room(1);
            buf.put((byte) v);
        }

        void i16(int v) {
            room(2);
            buf.putShort((short) v);
        }

        void i32(int v) {
            room(4);
            buf.putInt(v);
        }

        void i64(long v) {
            room(8);
            buf.putLong(v);
        }

        void string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            i64(b.length);
            room(b.length);
            buf.put(b);
        }

        int size() {
            return buf.position();
        }

        ByteBuffer buffer() {
            return buf.duplicate().flip();
        }
    }
}
