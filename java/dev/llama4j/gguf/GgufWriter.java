package dev.llama4j.gguf;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a GGUF v3 file in one pass, streaming: collect the metadata and the tensor infos, write the header
 * ({@link #writeHeader}), then each tensor's data in info order through {@link #writeData} (any number of chunks
 * per tensor) and {@link #endTensor}, which pads to the alignment. Offsets are known up front, so nothing is held
 * in memory but the header. Values use the {@link GgufFile#metadata()} Java mapping, so metadata read from one
 * file can be copied into another with {@link #copy}.
 */
public final class GgufWriter {
    private final int alignment;
    private final Map<String, Object> values = new LinkedHashMap<>();
    private final Map<String, GgufValueType> types = new LinkedHashMap<>();
    private final Map<String, GgufValueType> elementTypes = new LinkedHashMap<>();
    private final List<Info> infos = new ArrayList<>();
    private long dataBytes;
    private int next;
    private long writtenInTensor;

    /** A tensor's header entry and its data offset relative to the data section. */
    public record Info(String name, GgmlType type, long[] ne, long offset, long bytes) {}

    /** A writer whose tensor data is aligned to {@code alignment} bytes (a power of two; written as {@code general.alignment}). */
    public GgufWriter(int alignment) {
        if (alignment <= 0 || Integer.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("alignment " + alignment + " must be a power of two");
        }
        this.alignment = alignment;
        putU32(GgufReader.ALIGNMENT_KEY, alignment);
    }

    public GgufWriter putString(String key, String v) {
        return put(key, GgufValueType.STRING, v, null);
    }

    public GgufWriter putU32(String key, long v) {
        if (v < 0 || v > 0xFFFFFFFFL) {
            throw new IllegalArgumentException(key + " = " + v + " does not fit a uint32");
        }
        return put(key, GgufValueType.UINT32, v, null);
    }

    public GgufWriter putF32(String key, float v) {
        return put(key, GgufValueType.FLOAT32, v, null);
    }

    public GgufWriter putBool(String key, boolean v) {
        return put(key, GgufValueType.BOOL, v, null);
    }

    public GgufWriter putStrings(String key, List<String> v) {
        return put(key, GgufValueType.ARRAY, List.copyOf(v), GgufValueType.STRING);
    }

    public GgufWriter putFloats(String key, float[] v) {
        List<Float> l = new ArrayList<>(v.length);
        for (float f : v) {
            l.add(f);
        }
        return put(key, GgufValueType.ARRAY, l, GgufValueType.FLOAT32);
    }

    public GgufWriter putInts(String key, int[] v) {
        List<Integer> l = new ArrayList<>(v.length);
        for (int i : v) {
            l.add(i);
        }
        return put(key, GgufValueType.ARRAY, l, GgufValueType.INT32);
    }

    /** Copies key {@code key} of {@code from} with its value type (arrays keep their element type). */
    public GgufWriter copy(GgufFile from, String key) {
        GgufValueType t = from.typeOf(key).orElseThrow(() -> new IllegalArgumentException("no key " + key));
        Object v = from.metadata().get(key);
        return put(key, t, v, t == GgufValueType.ARRAY ? elementType(v) : null);
    }

    private static GgufValueType elementType(Object array) {
        return GgufFile.elementTypeOf(array).orElseThrow(
                () -> new IllegalArgumentException("array value without an element type: " + array));
    }

    private GgufWriter put(String key, GgufValueType t, Object v, GgufValueType elementType) {
        if (!infos.isEmpty()) {
            throw new IllegalStateException("metadata must come before the tensor infos");
        }
        values.put(key, v);
        types.put(key, t);
        if (elementType != null) {
            elementTypes.put(key, elementType);
        }
        return this;
    }

    /** Adds a tensor info; its data follows the previous tensor's, aligned. Returns its info. */
    public Info addTensor(String name, GgmlType type, long[] ne) {
        long n = 1;
        for (long d : ne) {
            n = Math.multiplyExact(n, d);
        }
        Info info = new Info(name, type, ne.clone(), dataBytes, type.bytesFor(n));
        infos.add(info);
        dataBytes = GgufReader.alignUp(dataBytes + info.bytes, alignment);
        return info;
    }

    public List<Info> tensors() {
        return List.copyOf(infos);
    }

    /** The header: magic, version, counts, metadata, tensor infos, padding to the data section. */
    public byte[] header() {
        Out o = new Out();
        o.i32(GgufReader.MAGIC);
        o.i32(3);
        o.i64(infos.size());
        o.i64(values.size());
        for (Map.Entry<String, Object> e : values.entrySet()) {
            o.str(e.getKey());
            GgufValueType t = types.get(e.getKey());
            o.i32(t.id());
            value(o, t, e.getValue(), elementTypes.get(e.getKey()));
        }
        for (Info t : infos) {
            o.str(t.name);
            o.i32(t.ne.length);
            for (long d : t.ne) {
                o.i64(d);
            }
            o.i32(t.type.id());
            o.i64(t.offset);
        }
        while (o.size() % alignment != 0) {
            o.write(0);
        }
        return o.toByteArray();
    }

    /** Bytes of the whole file: header plus aligned data. */
    public long totalBytes() {
        return header().length + dataBytes;
    }

    /** Writes the header; then write each tensor's data in order. */
    public void writeHeader(WritableByteChannel ch) throws IOException {
        writeFully(ch, ByteBuffer.wrap(header()));
    }

    /** Writes a chunk of the current tensor's data. */
    public void writeData(WritableByteChannel ch, ByteBuffer chunk) throws IOException {
        if (next >= infos.size()) {
            throw new IllegalStateException("all " + infos.size() + " tensors are written");
        }
        Info t = infos.get(next);
        if (writtenInTensor + chunk.remaining() > t.bytes) {
            throw new IllegalStateException("tensor " + t.name + " takes " + t.bytes + " bytes; got more");
        }
        writtenInTensor += chunk.remaining();
        writeFully(ch, chunk);
    }

    /** Ends the current tensor (all its bytes written) and pads to the alignment. */
    public void endTensor(WritableByteChannel ch) throws IOException {
        Info t = infos.get(next);
        if (writtenInTensor != t.bytes) {
            throw new IllegalStateException("tensor " + t.name + " takes " + t.bytes + " bytes; " + writtenInTensor
                    + " written");
        }
        long pad = GgufReader.alignUp(t.bytes, alignment) - t.bytes;
        writeFully(ch, ByteBuffer.allocate((int) pad));
        next++;
        writtenInTensor = 0;
    }

    private static void writeFully(WritableByteChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    /** A channel that writes sequentially into {@code seg} (for GGUF images built in memory). */
    public static WritableByteChannel into(MemorySegment seg) {
        return new WritableByteChannel() {
            private long pos;

            @Override
            public int write(ByteBuffer src) {
                int n = src.remaining();
                MemorySegment.copy(MemorySegment.ofBuffer(src), 0, seg, pos, n);
                src.position(src.position() + n);
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

    private static void value(Out o, GgufValueType t, Object v, GgufValueType et) {
        switch (t) {
            case UINT8, INT8, BOOL -> o.write(v instanceof Boolean b ? (b ? 1 : 0) : ((Number) v).intValue());
            case UINT16, INT16 -> o.i16(((Number) v).intValue());
            case UINT32, INT32 -> o.i32(((Number) v).intValue());
            case UINT64, INT64 -> o.i64(((Number) v).longValue());
            case FLOAT32 -> o.i32(Float.floatToRawIntBits(((Number) v).floatValue()));
            case FLOAT64 -> o.i64(Double.doubleToRawLongBits(((Number) v).doubleValue()));
            case STRING -> o.str((String) v);
            case ARRAY -> {
                List<?> l = (List<?>) v;
                o.i32(et.id());
                o.i64(l.size());
                for (Object e : l) {
                    value(o, et, e, et == GgufValueType.ARRAY ? elementType(e) : null);
                }
            }
        }
    }

    /** Little-endian byte sink. */
    private static final class Out extends ByteArrayOutputStream {
        private final ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);

        void i16(int v) {
            write(b.clear().putShort((short) v).array(), 0, 2);
        }

        void i32(int v) {
            write(b.clear().putInt(v).array(), 0, 4);
        }

        void i64(long v) {
            write(b.clear().putLong(v).array(), 0, 8);
        }

        void str(String s) {
            byte[] u = s.getBytes(StandardCharsets.UTF_8);
            i64(u.length);
            write(u, 0, u.length);
        }
    }
}
