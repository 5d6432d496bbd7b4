package dev.llama4j.gguf;

/**
 * A GGUF metadata value type ({@code gguf_type} in the spec), with its on-disk id and, for fixed-size types, its
 * byte size. {@link #minBytes()} is the least a value can take in a file, used to bound counts before allocating.
 */
public enum GgufValueType {
    UINT8(0, 1),
    INT8(1, 1),
    UINT16(2, 2),
    INT16(3, 2),
    UINT32(4, 4),
    INT32(5, 4),
    FLOAT32(6, 4),
    BOOL(7, 1),
    /** u64 byte length + UTF-8 bytes (no terminator). */
    STRING(8, -1),
    /** u32 element type + u64 count + elements. */
    ARRAY(9, -1),
    UINT64(10, 8),
    INT64(11, 8),
    FLOAT64(12, 8);

    private final int id;
    private final int size;

    GgufValueType(int id, int size) {
        this.id = id;
        this.size = size;
    }

    /** The id stored in the file. */
    public int id() {
        return id;
    }

    /** Bytes of one value, or -1 for STRING and ARRAY. */
    public int size() {
        return size;
    }

    /** The least number of bytes one value of this type takes in a file. */
    public int minBytes() {
        return switch (this) {
            case STRING -> 8;
            case ARRAY -> 12;
            default -> size;
        };
    }

    /** Whether this is one of the integer types. */
    public boolean isInteger() {
        return switch (this) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> true;
            default -> false;
        };
    }

    private static final GgufValueType[] BY_ID = values();

    /** The type with this id, or {@code null} if the id is not a GGUF value type. */
    public static GgufValueType byId(int id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[id] : null;
    }
}
