package dev.llama4j.backend.cpu;

import dev.llama4j.Llama4jException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Cleaner;
import java.util.Objects;

/**
 * The attention key/value cache: for each layer and each position of the context, {@code kvDim} keys and
 * {@code kvDim} values. Stored as float32 ({@link #f32}) or, to halve its memory, as IEEE half floats
 * ({@link #f16}; values are rounded to nearest half on {@link #store}). Preallocated for the whole context;
 * a position outside {@code 0 .. contextLength-1} is an error that names the context length.
 *
 * <p>Layout per layer: values {@code [contextLength][kvDim]}; keys the same in the half-float cache, and in the
 * float32 cache in blocks of {@value #KB} positions, transposed ({@link F32#keyIndex}), so that one vector load
 * holds one key dimension of {@value #KB} consecutive positions: attention scores {@value #KB} positions at a time
 * with one FMA per dimension and no horizontal sums.
 *
 * <p>The memory lives off the Java heap ({@link OffHeap}: a 7B model's cache at 4096 positions is 4 GiB, which no
 * default heap holds) and is returned by {@link #close}; a cache that becomes unreachable unclosed is freed when
 * the garbage collector notices. Using a closed cache is an error.
 */
public abstract sealed class KvCache implements AutoCloseable permits KvCache.F32, KvCache.F16 {
    /** Positions per transposed key block of the float32 cache. */
    static final int KB = 16;
    private static final Cleaner CLEANER = Cleaner.create();
    final int nLayers;
    final int contextLength;
    final int kvDim;
    private final Arena arena;
    private final Cleaner.Cleanable cleanable;
    /** The highest position stored so far, -1 before the first: pages above it have not been touched. */
    private volatile int highWater = -1;

    private KvCache(int nLayers, int contextLength, int kvDim) {
        if (nLayers <= 0 || contextLength <= 0 || kvDim <= 0) {
            throw new Llama4jException("KV cache: layers (" + nLayers + "), context length (" + contextLength
                    + ") and kvDim (" + kvDim + ") must all be positive");
        }
        if ((long) (contextLength + KB) * kvDim > Integer.MAX_VALUE - 16) {
            throw new Llama4jException("KV cache: context length " + contextLength + " × kvDim " + kvDim
                    + " exceeds " + (Integer.MAX_VALUE - 16) + " entries per layer; use a shorter context");
        }
        this.nLayers = nLayers;
        this.contextLength = contextLength;
        this.kvDim = kvDim;
        this.arena = Arena.ofShared();
        Arena a = arena;
        this.cleanable = CLEANER.register(this, a::close);
    }

    /** {@code layers} zeroed per-layer segments of {@code bytes} each, in this cache's arena. */
    final MemorySegment[] allocate(String what, long bytes) {
        MemorySegment all = OffHeap.allocate(arena, bytes * nLayers, "the KV cache's " + what);
        MemorySegment[] layers = new MemorySegment[nLayers];
        for (int l = 0; l < nLayers; l++) {
            layers[l] = all.asSlice(l * bytes, bytes);
        }
        return layers;
    }

    /** Bytes a cache of this shape holds: keys and values of every layer, float32 or half floats. */
    public static long bytes(int nLayers, int contextLength, int kvDim, boolean f16) {
        long blocks = (contextLength + KB - 1) / KB;
        return f16 ? 2L * nLayers * contextLength * kvDim * Short.BYTES
                : (long) nLayers * (blocks * KB + contextLength) * kvDim * Float.BYTES;
    }

    /**
     * Bytes of this cache the OS has not had to provide yet: its pages are zero-filled on first touch, and positions
     * above the highest one stored have not been touched (0 once closed).
     */
    public long untouchedBytes() {
        if (!arena.scope().isAlive()) {
            return 0;
        }
        return bytes() / contextLength * (contextLength - 1 - highWater);
    }

    /** Returns the memory to the OS; idempotent. */
    @Override
    public void close() {
        cleanable.clean();
    }

    /** A float32 cache (the default). */
    public static KvCache f32(int nLayers, int contextLength, int kvDim) {
        return new F32(nLayers, contextLength, kvDim);
    }

    /** A half-float cache: half the memory, keys and values rounded to F16. */
    public static KvCache f16(int nLayers, int contextLength, int kvDim) {
        return new F16(nLayers, contextLength, kvDim);
    }

    public int nLayers() {
        return nLayers;
    }

    public int contextLength() {
        return contextLength;
    }

    public int kvDim() {
        return kvDim;
    }

    /** Bytes the cache holds (keys and values of every layer). */
    public abstract long bytes();

    /** Stores {@code kvDim} keys from {@code k[kOff..]} and values from {@code v[vOff..]} at {@code (layer, pos)}. */
    public abstract void store(int layer, int pos, float[] k, int kOff, float[] v, int vOff);

    /** Key {@code i} ({@code < kvDim}) at {@code (layer, pos)}. */
    public abstract float key(int layer, int pos, int i);

    /** Value {@code i} ({@code < kvDim}) at {@code (layer, pos)}. */
    public abstract float value(int layer, int pos, int i);

    /** Index of {@code (pos, 0)} inside the layer's array, after checking layer and position. */
    final int index(int layer, int pos) {
        if (layer < 0 || layer >= nLayers) {
            throw new Llama4jException("KV cache: layer " + layer + " out of range 0.." + (nLayers - 1));
        }
        checkPosition(pos);
        return pos * kvDim;
    }

    /** {@link #index}, for a store: also raises the high-water mark. */
    final int storeIndex(int layer, int pos) {
        int i = index(layer, pos);
        if (pos > highWater) {
            highWater = pos;
        }
        return i;
    }

    /** Throws a clear error for a position outside the context. */
    public final void checkPosition(int pos) {
        if (pos < 0 || pos >= contextLength) {
            throw new Llama4jException("position " + pos + " is beyond the context length " + contextLength
                    + " (positions 0.." + (contextLength - 1) + " are allowed)");
        }
    }

    /** Float32 storage; keys in transposed blocks of {@value #KB} positions. */
    static final class F32 extends KvCache {
        /** Per layer: keys in transposed blocks ({@link #keyIndex}), floats. */
        final MemorySegment[] k;
        /** Per layer: values {@code [contextLength][kvDim]}, floats. */
        final MemorySegment[] v;

        F32(int nLayers, int contextLength, int kvDim) {
            super(nLayers, contextLength, kvDim);
            long blocks = (contextLength + KB - 1) / KB;
            k = allocate("keys", blocks * KB * kvDim * Float.BYTES);
            v = allocate("values", (long) contextLength * kvDim * Float.BYTES);
        }

        /** Where key {@code i} of position {@code pos} lies in a layer's key array. */
        int keyIndex(int pos, int i) {
            return ((pos / KB) * kvDim + i) * KB + pos % KB;
        }

        @Override
        public long bytes() {
            return bytes(nLayers, contextLength, kvDim, false);
        }

        @Override
        public void store(int layer, int pos, float[] k, int kOff, float[] v, int vOff) {
            int i = storeIndex(layer, pos);
            MemorySegment kl = this.k[layer];
            long ki = keyIndex(pos, 0);
            for (int j = 0; j < kvDim; j++, ki += KB) {
                kl.setAtIndex(ValueLayout.JAVA_FLOAT, ki, k[kOff + j]);
            }
            MemorySegment.copy(v, vOff, this.v[layer], ValueLayout.JAVA_FLOAT, (long) i * Float.BYTES, kvDim);
        }

        @Override
        public float key(int layer, int pos, int i) {
            index(layer, pos);
            return k[layer].getAtIndex(ValueLayout.JAVA_FLOAT, keyIndex(pos, Objects.checkIndex(i, kvDim)));
        }

        @Override
        public float value(int layer, int pos, int i) {
            return v[layer].getAtIndex(ValueLayout.JAVA_FLOAT, index(layer, pos) + Objects.checkIndex(i, kvDim));
        }
    }

    /** Half-float storage (IEEE binary16 bits in {@code short}s). */
    static final class F16 extends KvCache {
        /** Per layer: keys {@code [contextLength][kvDim]}, halves. */
        final MemorySegment[] k;
        /** Per layer: values {@code [contextLength][kvDim]}, halves. */
        final MemorySegment[] v;

        F16(int nLayers, int contextLength, int kvDim) {
            super(nLayers, contextLength, kvDim);
            k = allocate("keys", (long) contextLength * kvDim * Short.BYTES);
            v = allocate("values", (long) contextLength * kvDim * Short.BYTES);
        }

        @Override
        public long bytes() {
            return bytes(nLayers, contextLength, kvDim, true);
        }

        @Override
        public void store(int layer, int pos, float[] k, int kOff, float[] v, int vOff) {
            long i = storeIndex(layer, pos);
            MemorySegment kl = this.k[layer];
            MemorySegment vl = this.v[layer];
            for (int j = 0; j < kvDim; j++) {
                kl.setAtIndex(ValueLayout.JAVA_SHORT, i + j, Float.floatToFloat16(k[kOff + j]));
                vl.setAtIndex(ValueLayout.JAVA_SHORT, i + j, Float.floatToFloat16(v[vOff + j]));
            }
        }

        @Override
        public float key(int layer, int pos, int i) {
            return Float.float16ToFloat(k[layer].getAtIndex(ValueLayout.JAVA_SHORT,
                    index(layer, pos) + Objects.checkIndex(i, kvDim)));
        }

        @Override
        public float value(int layer, int pos, int i) {
            return Float.float16ToFloat(v[layer].getAtIndex(ValueLayout.JAVA_SHORT,
                    index(layer, pos) + Objects.checkIndex(i, kvDim)));
        }
    }
}
