package dev.llama4j.gguf;

import dev.llama4j.model.ModelFileException;
import dev.llama4j.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses a GGUF image (versions 2 and 3) following the spec's layout:
 * <pre>
 * gguf_header:  uint32 magic "GGUF"; uint32 version; uint64 tensor_count; uint64 metadata_kv_count;
 *               gguf_metadata_kv[metadata_kv_count] { gguf_string key; uint32 value_type; value }
 * tensor infos: { gguf_string name; uint32 n_dimensions; uint64 dimensions[n]; uint32 type; uint64 offset }
 * padding to general.alignment (default 32), then the tensor data; each offset is relative to the data start.
 * </pre>
 * Every count and length is checked against the bytes left before allocating; every problem is a
 * {@link ModelFileException} naming the file and the field or tensor.
 */
public final class GgufReader {
    private GgufReader() {}

    /** "GGUF" read as a little-endian uint32. */
    public static final int MAGIC = 0x46554747;
    public static final String ALIGNMENT_KEY = "general.alignment";
    public static final int DEFAULT_ALIGNMENT = 32;
    /** Most dimensions a ggml tensor has. */
    public static final int MAX_DIMS = 4;
    /** Deepest nesting of arrays accepted (arrays of arrays of ...). */
    static final int MAX_ARRAY_DEPTH = 8;
    /** Smallest tensor info: name length, n_dims, one dimension, type, offset. */
    private static final int MIN_TENSOR_INFO = 8 + 4 + 8 + 4 + 8;
    /** Smallest metadata kv: key length, value type, a one-byte value. */
    private static final int MIN_KV = 8 + 4 + 1;

    /** What a parse yields; {@link GgufFile} wraps it. */
    record Parsed(int version, Map<String, Object> metadata, Map<String, GgufValueType> types, List<Tensor> tensors,
                  int alignment, long dataOffset) {}

    static Parsed parse(Path path, MemorySegment seg) {
        GgufCursor c = new GgufCursor(path, seg);
        int magic = c.i32("magic");
        if (magic != MAGIC) {
            throw c.error(String.format("not a GGUF file: magic is 0x%08x, expected 0x%08x (\"GGUF\")", magic, MAGIC));
        }
        int version = c.i32("version");
        if (version != 2 && version != 3) {
            throw c.error("unsupported GGUF version " + Integer.toUnsignedString(version) + " (supported: 2, 3)");
        }
        long nTensors = c.count(c.i64("tensor_count"), MIN_TENSOR_INFO, "tensor_count");
        long nKv = c.count(c.i64("metadata_kv_count"), MIN_KV, "metadata_kv_count");

        Map<String, Object> meta = new LinkedHashMap<>();
        Map<String, GgufValueType> types = new HashMap<>();
        for (long i = 0; i < nKv; i++) {
            String key = c.string("key of metadata kv #" + i);
            if (meta.containsKey(key)) {
                throw c.error("duplicate metadata key '" + key + "'");
            }
            GgufValueType t = valueType(c, c.i32("value type of '" + key + "'"), "metadata key '" + key + "'");
            meta.put(key, value(c, t, key, 0));
            types.put(key, t);
        }

        int alignment = DEFAULT_ALIGNMENT;
        if (meta.containsKey(ALIGNMENT_KEY)) {
            Object a = meta.get(ALIGNMENT_KEY);
            long v = a instanceof Integer n ? n : a instanceof Long n ? n : -1;
            if (!types.get(ALIGNMENT_KEY).isInteger() || v <= 0 || v > (1 << 30) || Long.bitCount(v) != 1) {
                throw c.error(ALIGNMENT_KEY + " = " + a + " is invalid (allowed: a power of two, 1.." + (1 << 30) + ")");
            }
            alignment = (int) v;
        }

        record Info(String name, long[] ne, GgmlType type, long offset, long bytes) {}
        List<Info> infos = new ArrayList<>();
        Map<String, Info> byName = new HashMap<>();
        for (long i = 0; i < nTensors; i++) {
            String name = c.string("name of tensor info #" + i);
            if (byName.containsKey(name)) {
                throw c.error("duplicate tensor name '" + name + "'");
            }
            String tn = "tensor '" + name + "'";
            int nDims = c.i32("n_dimensions of " + tn);
            if (nDims < 1 || nDims > MAX_DIMS) {
                throw c.error(tn + " has n_dimensions " + Integer.toUnsignedString(nDims) + " (allowed: 1.." + MAX_DIMS
                        + ")");
            }
            long[] ne = new long[nDims];
            long elements = 1;
            for (int d = 0; d < nDims; d++) {
                ne[d] = c.i64("ne[" + d + "] of " + tn);
                if (ne[d] <= 0) {
                    throw c.error(tn + " has dimension ne[" + d + "] = " + Long.toUnsignedString(ne[d])
                            + " (allowed: 1.." + Long.MAX_VALUE + ")");
                }
                try {
                    elements = Math.multiplyExact(elements, ne[d]);
                } catch (ArithmeticException e) {
                    throw c.error(tn + " has dimensions whose product overflows 64 bits: " + dims(ne, d + 1));
                }
            }
            int typeId = c.i32("type of " + tn);
            GgmlType type = GgmlType.byId(typeId);
            if (type == null) {
                throw c.error(tn + " has unknown ggml type " + Integer.toUnsignedString(typeId));
            }
            if (ne[0] % type.blockSize() != 0) {
                throw c.error(tn + " of type " + type + " has ne[0] = " + ne[0] + ", not a multiple of its block size "
                        + type.blockSize());
            }
            long bytes;
            try {
                bytes = type.bytesFor(elements);
            } catch (ArithmeticException e) {
                throw c.error(tn + " of type " + type + " with dimensions " + dims(ne, nDims) + " overflows 64 bits");
            }
            long offset = c.i64("offset of " + tn);
            if (offset < 0 || offset % alignment != 0) {
                throw c.error(tn + " has data offset " + Long.toUnsignedString(offset) + ", not a multiple of "
                        + ALIGNMENT_KEY + " = " + alignment);
            }
            Info info = new Info(name, ne, type, offset, bytes);
            infos.add(info);
            byName.put(name, info);
        }

        long dataOffset = alignUp(c.pos, alignment);
        List<Tensor> tensors = new ArrayList<>(infos.size());
        for (Info t : infos) {
            long start = dataOffset + t.offset;
            if (start < 0 || start > c.size || t.bytes > c.size - start) {
                throw c.error("tensor '" + t.name + "' data [" + Long.toUnsignedString(start) + ", +" + t.bytes
                        + ") lies outside the file (size " + c.size + ")");
            }
            tensors.add(new Tensor(t.name, t.type, t.ne, seg.asSlice(start, t.bytes)));
        }
        return new Parsed(version, Collections.unmodifiableMap(meta), types, List.copyOf(tensors), alignment,
                dataOffset);
    }

    static long alignUp(long x, int alignment) {
        return (x + alignment - 1) / alignment * alignment;
    }

    private static String dims(long[] ne, int n) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
            sb.append(i > 0 ? ", " : "").append(Long.toUnsignedString(ne[i]));
        }
        return sb.append(']').toString();
    }

    private static GgufValueType valueType(GgufCursor c, int id, String what) {
        GgufValueType t = GgufValueType.byId(id);
        if (t == null) {
            throw c.error(what + " has unknown value type " + Integer.toUnsignedString(id) + " (allowed: 0..12)");
        }
        return t;
    }

    /** Reads one value of type {@code t} (Java mapping documented on {@link GgufFile#metadata()}). */
    private static Object value(GgufCursor c, GgufValueType t, String key, int depth) {
        String what = "value of '" + key + "'";
        return switch (t) {
            case UINT8 -> c.u8(what);
            case INT8 -> (int) (byte) c.u8(what);
            case UINT16 -> c.i16(what) & 0xFFFF;
            case INT16 -> (int) c.i16(what);
            case INT32 -> c.i32(what);
            case UINT32 -> c.i32(what) & 0xFFFFFFFFL;
            case INT64, UINT64 -> c.i64(what);
            case FLOAT32 -> Float.intBitsToFloat(c.i32(what));
            case FLOAT64 -> Double.longBitsToDouble(c.i64(what));
            case BOOL -> bool(c, c.u8(what), what);
            case STRING -> c.string(what);
            case ARRAY -> array(c, key, depth);
        };
    }

    private static boolean bool(GgufCursor c, int b, String what) {
        if (b > 1) {
            throw c.error(what + ": bool byte " + b + " at offset " + (c.pos - 1) + " (allowed: 0, 1)");
        }
        return b == 1;
    }

    private static List<?> array(GgufCursor c, String key, int depth) {
        if (depth >= MAX_ARRAY_DEPTH) {
            throw c.error("metadata key '" + key + "': arrays nested deeper than " + MAX_ARRAY_DEPTH);
        }
        String what = "array '" + key + "'";
        GgufValueType et = valueType(c, c.i32("element type of " + what), what);
        int n = (int) Math.min(Integer.MAX_VALUE - 8,
                c.count(c.i64("length of " + what), et.minBytes(), "length of " + what));
        String ew = "element of " + what;
        switch (et) {
            case UINT8, INT8, UINT16, INT16, INT32 -> {
                int[] a = new int[n];
                for (int i = 0; i < n; i++) {
                    a[i] = (Integer) value(c, et, key, depth);
                }
                return new PrimitiveList.Ints(et, a);
            }
            case UINT32, INT64, UINT64 -> {
                long[] a = new long[n];
                for (int i = 0; i < n; i++) {
                    a[i] = (Long) value(c, et, key, depth);
                }
                return new PrimitiveList.Longs(et, a);
            }
            case FLOAT32 -> {
                float[] a = new float[n];
                for (int i = 0; i < n; i++) {
                    a[i] = Float.intBitsToFloat(c.i32(ew));
                }
                return new PrimitiveList.Floats(et, a);
            }
            case FLOAT64 -> {
                double[] a = new double[n];
                for (int i = 0; i < n; i++) {
                    a[i] = Double.longBitsToDouble(c.i64(ew));
                }
                return new PrimitiveList.Doubles(et, a);
            }
            case BOOL -> {
                boolean[] a = new boolean[n];
                for (int i = 0; i < n; i++) {
                    a[i] = bool(c, c.u8(ew), ew);
                }
                return new PrimitiveList.Bools(et, a);
            }
            default -> {
                Object[] a = new Object[n];
                for (int i = 0; i < n; i++) {
                    a[i] = value(c, et, key, depth + 1);
                }
                return new PrimitiveList.Objects(et, a);
            }
        }
    }
}
