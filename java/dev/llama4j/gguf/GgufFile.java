package dev.llama4j.gguf;

import dev.llama4j.model.Config;
import dev.llama4j.model.ModelFileException;
import dev.llama4j.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * An open GGUF file (versions 2 and 3): its metadata in file order, its tensors as slices of one read-only memory
 * mapping of the whole file (files larger than 2 GiB work), and the typed, validated {@link Config} of a LLaMA model.
 * Closing it releases the mapping; tensor segments must not be used afterwards.
 */
public final class GgufFile implements AutoCloseable {
    private final Path path;
    private final Arena arena;
    private final GgufReader.Parsed p;
    private final Map<String, Tensor> byName;

    private GgufFile(Path path, Arena arena, GgufReader.Parsed p) {
        this.path = path;
        this.arena = arena;
        this.p = p;
        this.byName = new HashMap<>();
        for (Tensor t : p.tensors()) {
            byName.put(t.name(), t);
        }
    }

    /**
     * Memory-maps and parses a GGUF file.
     *
     * @throws ModelFileException if the file cannot be read or is not a valid GGUF v2/v3 file
     */
    public static GgufFile open(Path path) {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            return new GgufFile(path, arena, GgufReader.parse(path, seg));
        } catch (NoSuchFileException e) {
            arena.close();
            throw new ModelFileException(path, "no such file", e);
        } catch (IOException e) {
            arena.close();
            throw new ModelFileException(path, "cannot read: " + e, e);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /**
     * Parses a GGUF image already in memory (for tools and tests). {@code path} only names it in messages; the caller
     * owns {@code image} and {@link #close()} does nothing to it.
     */
    public static GgufFile of(Path path, MemorySegment image) {
        return new GgufFile(path, null, GgufReader.parse(path, image));
    }

    /** The file this was read from. */
    public Path path() {
        return path;
    }

    /** The GGUF version, 2 or 3. */
    public int version() {
        return p.version();
    }

    /** The data alignment ({@code general.alignment}, default 32). */
    public int alignment() {
        return p.alignment();
    }

    /** File offset where the tensor data section starts. */
    public long dataOffset() {
        return p.dataOffset();
    }

    /**
     * All metadata in file order, unmodifiable. Values: UINT8, INT8, UINT16, INT16, INT32 as {@link Integer};
     * UINT32, INT64, UINT64 as {@link Long} (UINT64 keeps its bits: values above 2^63 read negative); FLOAT32 as
     * {@link Float}; FLOAT64 as {@link Double}; BOOL as {@link Boolean}; STRING as {@link String}; ARRAY as an
     * unmodifiable {@link List} of such values (nested arrays as lists of lists).
     */
    public Map<String, Object> metadata() {
        return p.metadata();
    }

    /** The GGUF value type of a metadata key, if present. */
    public Optional<GgufValueType> typeOf(String key) {
        return Optional.ofNullable(p.types().get(key));
    }

    /** The element type of an array value ({@code metadata().get(key)} or an element of one). */
    public static Optional<GgufValueType> elementTypeOf(Object arrayValue) {
        return arrayValue instanceof PrimitiveList.Typed<?> t ? Optional.of(t.elementType) : Optional.empty();
    }

    /** Whether a metadata key is present. */
    public boolean has(String key) {
        return p.metadata().containsKey(key);
    }

    private ModelFileException error(String problem) {
        return new ModelFileException(path, problem);
    }

    private Object require(String key) {
        Object v = p.metadata().get(key);
        if (v == null) {
            throw error("missing metadata key '" + key + "'");
        }
        return v;
    }

    private ModelFileException wrongType(String key, String expected) {
        return error("metadata key '" + key + "' has type " + p.types().get(key) + ", expected " + expected);
    }

    /** A STRING value. */
    public String getString(String key) {
        if (require(key) instanceof String s) {
            return s;
        }
        throw wrongType(key, "STRING");
    }

    /** A STRING value, or empty when the key is absent (wrong type still throws). */
    public Optional<String> findString(String key) {
        return has(key) ? Optional.of(getString(key)) : Optional.empty();
    }

    /** An integer value of any integer type, as long (UINT64 above 2^63 is rejected). */
    public long getLong(String key) {
        Object v = require(key);
        if (v instanceof Integer i && p.types().get(key).isInteger()) {
            return i;
        }
        if (v instanceof Long l && p.types().get(key).isInteger()) {
            if (l < 0 && p.types().get(key) == GgufValueType.UINT64) {
                throw error("metadata key '" + key + "' = " + Long.toUnsignedString(l) + " is out of range");
            }
            return l;
        }
        throw wrongType(key, "an integer");
    }

    /** An integer value of any integer type that fits in an int. */
    public int getInt(String key) {
        long v = getLong(key);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw error("metadata key '" + key + "' = " + v + " is out of range for a 32-bit int");
        }
        return (int) v;
    }

    /** {@link #getInt(String)}, or {@code def} when the key is absent. */
    public int getInt(String key, int def) {
        return has(key) ? getInt(key) : def;
    }

    /** {@link #getInt(String)}, or empty when the key is absent. */
    public OptionalInt findInt(String key) {
        return has(key) ? OptionalInt.of(getInt(key)) : OptionalInt.empty();
    }

    /** A FLOAT32 or FLOAT64 value as float. */
    public float getFloat(String key) {
        Object v = require(key);
        if (v instanceof Float f) {
            return f;
        }
        if (v instanceof Double d) {
            return d.floatValue();
        }
        throw wrongType(key, "FLOAT32 or FLOAT64");
    }

    /** {@link #getFloat(String)}, or {@code def} when the key is absent. */
    public float getFloat(String key, float def) {
        return has(key) ? getFloat(key) : def;
    }

    /** A BOOL value, or {@code def} when the key is absent. */
    public boolean getBoolean(String key, boolean def) {
        if (!has(key)) {
            return def;
        }
        if (require(key) instanceof Boolean b) {
            return b;
        }
        throw wrongType(key, "BOOL");
    }

    /** An ARRAY value. */
    public List<?> getArray(String key) {
        if (require(key) instanceof List<?> l) {
            return l;
        }
        throw wrongType(key, "ARRAY");
    }

    /** An ARRAY of STRING. */
    @SuppressWarnings("unchecked")
    public List<String> getStringArray(String key) {
        List<?> l = getArray(key);
        if (l instanceof PrimitiveList.Objects o && o.elementType == GgufValueType.STRING) {
            return (List<String>) l;
        }
        throw error("metadata key '" + key + "' is not an array of STRING");
    }

    /** An ARRAY of FLOAT32, copied. */
    public float[] getFloatArray(String key) {
        if (getArray(key) instanceof PrimitiveList.Floats f) {
            return f.a.clone();
        }
        throw error("metadata key '" + key + "' is not an array of FLOAT32");
    }

    /** An ARRAY of UINT8/INT8/UINT16/INT16/INT32, copied. */
    public int[] getIntArray(String key) {
        if (getArray(key) instanceof PrimitiveList.Ints f) {
            return f.a.clone();
        }
        throw error("metadata key '" + key + "' is not an array of a 32-bit-or-smaller integer type");
    }

    /** All tensors, in file order. */
    public List<Tensor> tensors() {
        return p.tensors();
    }

    /** The tensor with this name. */
    public Tensor tensor(String name) {
        Tensor t = byName.get(name);
        if (t == null) {
            throw error("missing tensor '" + name + "'");
        }
        return t;
    }

    /** The tensor with this name, if present. */
    public Optional<Tensor> findTensor(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /**
     * The LLaMA hyperparameters from {@code general.architecture} (must be "llama") and the {@code llama.*} keys.
     *
     * @throws ModelFileException naming the key that is missing, of the wrong type or out of range
     */
    public Config config() {
        return GgufConfig.read(this);
    }

    /** Releases the memory mapping (no-op for {@link #of} images). */
    @Override
    public void close() {
        if (arena != null) {
            arena.close();
        }
    }

    @Override
    public String toString() {
        return path + " (GGUF v" + version() + ", " + p.metadata().size() + " metadata keys, " + p.tensors().size()
                + " tensors)";
    }
}
