package dev.llama4j.backend.cpu;

import dev.llama4j.backend.BandwidthProbe;
import dev.llama4j.Llama4jException;
import dev.llama4j.backend.Backend;
import dev.llama4j.backend.MemoryEstimate;
import dev.llama4j.backend.MemoryInfo;
import dev.llama4j.gguf.GgmlType;
import dev.llama4j.tensor.Dequant;
import dev.llama4j.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * The CPU backend: computes through a {@link CpuOps} implementation — {@link VectorOps} (Java Vector API,
 * multithreaded) in normal use, {@link ScalarOps} (the reference) in tests. Each weight matrix takes the form the
 * ops multiply fastest ({@link CpuOps#matrix}): Q4_0, Q8_0, Q4_K, Q5_K and Q6_K are lane-packed off the Java heap at
 * load, and then the mapped file's pages of that tensor are released (the OS keeps them in its page cache, outside
 * this process); other types are computed on the mapped file in place. With {@code mapped}, nothing is repacked: every product
 * reads the mapped file (any model size runs, slowly when it exceeds memory). KV caches live off the heap too.
 */
public final class CpuBackend implements Backend, BandwidthProbe {
    private static final int PROBE_RUNS = 3;
    private final CpuOps ops;
    private final String description;
    private final boolean kvF16;
    private final boolean mapped;
    private final Arena weightMemory = new OffHeap.SlabArena();
    private int[] tokens = new int[0];
    private int nTokens;
    private int startPos;
    /** The KV caches handed out and not yet collected (closed ones count 0). */
    private final Map<KvCache, Boolean> liveCaches = new WeakHashMap<>();
    private long weightBytes;
    /** Below this many weight bytes the first steps are cheap enough without a JIT warm-up (tests' tiny models). */
    private static final long WARM_UP_FROM_BYTES = 64L << 20;
    private final List<CpuMatrix> matrices = new ArrayList<>();
    /** Waits for the background JIT warm-up the first big matrix started, or null. */
    private Runnable warming;
    /** Mapped tensors whose pages were released while loading, released once more before the first step. */
    private final List<MemorySegment> released = new ArrayList<>();
    /** What the products stream: repacked copies and mapped tensors. */
    private final List<MemorySegment> streamed = new ArrayList<>();

    /** The fast backend on {@code threads} threads, Q4_0/Q8_0/K-quant decode on 8-bit activations (the default). */
    public static CpuBackend vector(int threads, boolean kvF16) {
        return vector(threads, kvF16, true);
    }

    /**
     * The fast backend on {@code threads} threads. With {@code q8Activations}, a Q4_0 or Q8_0 matrix times one token's
     * activations quantizes them to 8 bits per block of 32 (a Q4_K, Q5_K or Q6_K matrix: per super-block of 256) and
     * runs an integer kernel (llama.cpp's way, about twice as fast); without, every product keeps float32
     * activations (the results a float32 reference gives).
     */
    public static CpuBackend vector(int threads, boolean kvF16, boolean q8Activations) {
        return vector(threads, kvF16, q8Activations, false);
    }

    /**
     * As {@link #vector(int, boolean, boolean)}; with {@code mapped}, every product reads the mapped file (with float32
     * activations: the 8-bit kernels run on the repacked layout only).
     */
    public static CpuBackend vector(int threads, boolean kvF16, boolean q8Activations, boolean mapped) {
        VectorOps ops = new VectorOps(threads, q8Activations && !mapped);
        return new CpuBackend(ops, ops.describe() + (mapped ? ", weights read from the mapped file" : ""), kvF16,
                mapped);
    }

    /**
     * The fast backend, or where the JVM lacks the Vector API module ({@link VectorSupport}) the scalar reference
     * (one thread, many times slower) after one warning that names the flag to add.
     */
    public static CpuBackend create(int threads, boolean kvF16, boolean q8Activations, boolean mapped) {
        if (VectorSupport.available()) {
            return vector(threads, kvF16, q8Activations, mapped);
        }
        warnNoVectors();
        return new CpuBackend(new ScalarOps(), "CPU, scalar reference (no Vector API: start the JVM with --add-modules "
                + VectorSupport.MODULE + ")", kvF16, true);
    }

    private static volatile boolean warnedNoVectors;

    private static void warnNoVectors() {
        if (!warnedNoVectors) {
            warnedNoVectors = true;
            org.slf4j.LoggerFactory.getLogger(CpuBackend.class).warn("the Java Vector API is not available: start the"
                    + " JVM with --add-modules {} (bin/llama4j does); running the scalar reference path, one thread,"
                    + " many times slower", VectorSupport.MODULE);
        }
    }

    /** The scalar reference backend (single thread). */
    public static CpuBackend scalar() {
        return new CpuBackend(new ScalarOps(), "CPU, scalar reference", false);
    }

    public CpuBackend(CpuOps ops, String description, boolean kvF16) {
        this(ops, description, kvF16, false);
    }

    private CpuBackend(CpuOps ops, String description, boolean kvF16, boolean mapped) {
        this.ops = ops;
        this.description = description;
        this.kvF16 = kvF16;
        this.mapped = mapped;
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public String description() {
        return description;
    }

    /** A norm vector (one row) is kept as floats; a matrix in the form {@link CpuOps#matrix} picks. */
    @Override
    public Weight weight(Tensor tensor) {
        if (tensor.rows() == 1) {
            CpuWeight norm = new CpuWeight(tensor, null);
            if (tensor.type() == GgmlType.F32 || tensor.type() == GgmlType.F16 || tensor.type() == GgmlType.BF16) {
                norm.floats(); // now, while loading, so that no later read of its pages undoes a release
            }
            return norm;
        }
        CpuMatrix m = ops.matrix(tensor, mapped ? null : weightMemory);
        matrices.add(m);
        streamed.addAll(m.data());
        if (warming == null && tensor.data().byteSize() >= WARM_UP_FROM_BYTES / 256) {
            // A big model's first matrix: its kind compiles in the background while the rest loads.
            warming = ops.startWarmUp(List.of(m), kvF16);
        }
        if (m.repacked()) {
            weightBytes += m.data().stream().mapToLong(MemorySegment::byteSize).sum();
            release(tensor.data());
            released.add(tensor.data());
        }
        return new CpuWeight(tensor, m);
    }

    /**
     * Compiles the kernels of the matrices placed so far before the first step ({@link JitWarmUp}), big models only:
     * waits for the background warm-up the first big matrix started, then warms the kinds it did not cover.
     */
    @Override
    public void warmUp() {
        if (warming != null) {
            warming.run();
        }
        long bytes = streamed.stream().mapToLong(MemorySegment::byteSize).sum();
        if (bytes >= WARM_UP_FROM_BYTES) {
            ops.startWarmUp(matrices, kvF16).run();
        }
    }

    /** A table is only looked up by rows: it stays mapped, and only the rows used are ever read. */
    @Override
    public Weight table(Tensor tensor) {
        return new CpuWeight(tensor, null);
    }

    /** Bytes of the repacked copies made so far (the weights this backend holds off the heap). */
    public long repackedBytes() {
        return weightBytes;
    }

    /** The mapped pages of a tensor whose copy the products read leave this process (a no-op off a mapping). */
    private static void release(MemorySegment m) {
        if (m.isMapped()) {
            m.unload();
        }
    }

    /** A sequential read of every weight placed on this backend, on its threads, best of three passes. */
    @Override
    public String method() {
        long bytes = streamed.stream().mapToLong(MemorySegment::byteSize).sum();
        return "vectorized sequential read of the " + bytes + " weight bytes, " + threads() + " thread"
                + (threads() == 1 ? "" : "s") + ", best of " + PROBE_RUNS;
    }

    @Override
    public double bytesPerSecond() {
        return ops.readBytesPerSecond(streamed, PROBE_RUNS);
    }

    /** Threads the ops run on. */
    public int threads() {
        return ops.threads();
    }

    @Override
    public Buf buffer(int floats) {
        return new CpuBuf(new float[floats]);
    }

    /**
     * A KV cache, after checking that the OS can provide it on top of the parts of the live caches not touched yet
     * (their pages come on first use, so the OS does not count them yet): a cache that cannot fit is a
     * {@link Llama4jException} with the numbers, not an out-of-memory kill later.
     */
    @Override
    public KvStore kvCache(int nLayers, int contextLength, int kvDim) {
        long need = KvCache.bytes(nLayers, contextLength, kvDim, kvF16);
        long pending;
        synchronized (liveCaches) {
            pending = liveCaches.keySet().stream().mapToLong(KvCache::untouchedBytes).sum();
        }
        MemoryInfo available = MemoryInfo.available();
        if (available.bytes() >= 0 && need + pending > available.bytes()) {
            throw new Llama4jException(String.format(Locale.ROOT, "a KV cache of %s for %d positions does not fit: %s"
                            + " available (%s)%s; use a shorter context%s", MemoryEstimate.gb(need), contextLength,
                    MemoryEstimate.gb(available.bytes()), available.source(), pending > 0 ? ", and the open contexts"
                            + " will still take " + MemoryEstimate.gb(pending) + " as they fill" : "",
                    kvF16 ? " or close other contexts" : ", --kv-f16 (half the memory) or close other contexts"));
        }
        KvCache cache = kvF16 ? KvCache.f16(nLayers, contextLength, kvDim) : KvCache.f32(nLayers, contextLength, kvDim);
        synchronized (liveCaches) {
            liveCaches.put(cache, Boolean.TRUE);
        }
        return new CpuKv(cache, contextLength, kvDim);
    }

    @Override
    public void step(int[] tokens, int nTokens, int startPos, Runnable body) {
        if (!released.isEmpty()) {
            // Reading a mapped page maps its in-cache neighbours too (the kernel's fault-around, 64 KiB), so loading
            // the next tensor brought back a few pages of the one released before it: release them all once more.
            released.forEach(CpuBackend::release);
            released.clear();
        }
        this.tokens = tokens.length == nTokens ? tokens : Arrays.copyOf(tokens, nTokens);
        this.nTokens = nTokens;
        this.startPos = startPos;
        body.run();
    }

    @Override
    public void embed(Buf out, Weight table, int dim) {
        ops.embed(a(out), t(table), tokens, dim);
    }

    @Override
    public void rmsNorm(Buf out, Buf x, Weight weight, int dim, int n, float eps) {
        ops.rmsNorm(a(out), a(x), ((CpuWeight) weight).floats(), dim, n, eps);
    }

    @Override
    public void matmul(Buf out, Weight w, Buf x, int n) {
        CpuWeight cw = (CpuWeight) w;
        if (cw.matrix == null) {
            throw new IllegalStateException("tensor " + cw.tensor().name() + " was placed as a table, not a matrix");
        }
        cw.matrix.matmul(a(out), a(x), n);
    }

    @Override
    public void rope(Buf v, int width, int headSize, int ropeDim, float theta) {
        ops.rope(a(v), nTokens, startPos, width, headSize, ropeDim, theta);
    }

    @Override
    public void storeKv(KvStore cache, int layer, Buf k, Buf v) {
        CpuKv kv = (CpuKv) cache;
        for (int t = 0; t < nTokens; t++) {
            kv.cache.store(layer, startPos + t, a(k), t * kv.kvDim, a(v), t * kv.kvDim);
        }
    }

    @Override
    public void attention(Buf out, Buf q, KvStore cache, int layer, int nHeads, int nKvHeads, int headSize) {
        ops.attention(a(out), a(q), ((CpuKv) cache).cache, layer, nTokens, startPos, nHeads, nKvHeads, headSize);
    }

    @Override
    public void swiglu(Buf hb, Buf hb2, int n) {
        ops.swiglu(a(hb), a(hb2), n);
    }

    @Override
    public void add(Buf x, Buf y, int n) {
        ops.add(a(x), a(y), n);
    }

    @Override
    public void copy(Buf dst, int dstOff, Buf src, int srcOff, int n) {
        System.arraycopy(a(src), srcOff, a(dst), dstOff, n);
    }

    @Override
    public void read(Buf src, int offset, float[] dst, int n) {
        System.arraycopy(a(src), offset, dst, 0, n);
    }

    /** Stops the threads and frees the repacked weights (contexts' caches are freed by their owners). */
    @Override
    public void close() {
        if (weightMemory.scope().isAlive()) {
            weightMemory.close();
        }
        if (ops instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing CPU ops", e);
            }
        }
    }

    private static float[] a(Buf b) {
        return ((CpuBuf) b).a;
    }

    private static Tensor t(Weight w) {
        return ((CpuWeight) w).tensor();
    }

    record CpuBuf(float[] a) implements Buf {
        @Override
        public int size() {
            return a.length;
        }
    }

    /**
     * A tensor placed on the CPU: a matrix with the form its products run on, or a table or norm vector computed on
     * as mapped (a norm is also kept as float[], the way the ops take it).
     */
    static final class CpuWeight implements Weight {
        private final Tensor tensor;
        private float[] floats;
        /** The form the products run on, or {@code null} for a table or a norm vector. */
        final CpuMatrix matrix;

        CpuWeight(Tensor tensor, CpuMatrix matrix) {
            this.tensor = tensor;
            this.matrix = matrix;
        }

        @Override
        public Tensor tensor() {
            return tensor;
        }

        float[] floats() {
            if (floats == null) {
                if (tensor.type() != GgmlType.F32 && tensor.type() != GgmlType.F16 && tensor.type() != GgmlType.BF16) {
                    throw new IllegalStateException("tensor " + tensor.name() + " is not a float vector");
                }
                floats = Dequant.dequantize(tensor);
            }
            return floats;
        }
    }

    record CpuKv(KvCache cache, int contextLength, int kvDim) implements KvStore {
        @Override
        public void close() {
            cache.close();
        }
    }
}
