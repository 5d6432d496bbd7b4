package dev.llama4j.backend.cpu;

import dev.llama4j.backend.BandwidthProbe;
import dev.llama4j.backend.Backend;
import dev.llama4j.gguf.GgmlType;
import dev.llama4j.tensor.Dequant;
import dev.llama4j.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CPU backend: computes on the memory-mapped weights in place through a {@link CpuOps} implementation —
 * {@link VectorOps} (Java Vector API, multithreaded) in normal use, {@link ScalarOps} (the reference) in tests.
 */
public final class CpuBackend implements Backend, BandwidthProbe {
    private static final int PROBE_RUNS = 3;
    private static final Logger LOG = LoggerFactory.getLogger(CpuBackend.class);
    private final CpuOps ops;
    private final String description;
    private final boolean kvF16;
    private final boolean q8Activations;
    private int[] tokens = new int[0];
    private int nTokens;
    private int startPos;
    private final List<MemorySegment> weights = new ArrayList<>();
    private boolean warnedNoRepack;

    /** The fast backend on {@code threads} threads, Q4_0/Q8_0 decode on 8-bit activations (the default). */
    public static CpuBackend vector(int threads, boolean kvF16) {
        return vector(threads, kvF16, true);
    }

    /**
     * The fast backend on {@code threads} threads. With {@code q8Activations}, a Q4_0 or Q8_0 matrix times one token's
     * activations quantizes them to 8 bits per block of 32 and runs an integer kernel (llama.cpp's way, about
     * twice as fast); without, every product keeps float32 activations (the results a float32 reference gives).
     */
    public static CpuBackend vector(int threads, boolean kvF16, boolean q8Activations) {
        return new CpuBackend(new VectorOps(threads), "CPU, Java Vector API ("
                + jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize() + "-bit), " + threads
                + " threads" + (q8Activations ? ", Q4_0/Q8_0 decode on 8-bit activations" : ", f32 activations"), kvF16,
                q8Activations);
    }

    /** The scalar reference backend (single thread). */
    public static CpuBackend scalar() {
        return new CpuBackend(new ScalarOps(), "CPU, scalar reference", false);
    }

    public CpuBackend(CpuOps ops, String description, boolean kvF16) {
        this(ops, description, kvF16, false);
    }

    private CpuBackend(CpuOps ops, String description, boolean kvF16, boolean q8Activations) {
        this.ops = ops;
        this.description = description;
        this.kvF16 = kvF16;
        this.q8Activations = q8Activations;
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public Weight weight(Tensor tensor) {
        weights.add(tensor.data());
        Packed packed = null;
        LanePacked lanes = null;
        if (ops instanceof VectorOps v && q8Activations && LanePacked.supports(tensor)) {
            lanes = LanePacked.of(tensor, v.workers());
            if (lanes == null) {
                warnNoRepack(tensor);
            }
        } else if (ops instanceof VectorOps v && Packed.supports(tensor)) {
            packed = Packed.of(tensor, v.workers());
            if (packed == null) {
                warnNoRepack(tensor);
            }
        }
        return new CpuWeight(tensor, packed, lanes);
    }

    private void warnNoRepack(Tensor tensor) {
        if (!warnedNoRepack) {
                warnedNoRepack = true;
                LOG.warn("not repacking {} and later tensors for the fast kernels: the Java heap has no room for the"
                        + " copy (raise it with -Xmx, e.g. LLAMA4J_JAVA_OPTS=-Xmx16g); they run from the mapped file,"
                        + " slower", tensor.name());
        }
    }

    /** A sequential read of every weight placed on this backend, on its threads, best of three passes. */
    @Override
    public String method() {
        long bytes = weights.stream().mapToLong(MemorySegment::byteSize).sum();
        return "vectorized sequential read of the " + bytes + " weight bytes, " + threads() + " thread"
                + (threads() == 1 ? "" : "s") + ", best of " + PROBE_RUNS;
    }

    @Override
    public double bytesPerSecond() {
        if (ops instanceof VectorOps v) {
            return ReadProbe.bytesPerSecond(weights, v.workers(), PROBE_RUNS);
        }
        try (Workers one = new Workers(1)) {
            return ReadProbe.bytesPerSecond(weights, one, PROBE_RUNS);
        }
    }

    /** Threads the ops run on. */
    public int threads() {
        return ops instanceof VectorOps v ? v.threads() : 1;
    }

    @Override
    public Buf buffer(int floats) {
        return new CpuBuf(new float[floats]);
    }

    @Override
    public KvStore kvCache(int nLayers, int contextLength, int kvDim) {
        return new CpuKv(kvF16 ? KvCache.f16(nLayers, contextLength, kvDim) : KvCache.f32(nLayers, contextLength, kvDim),
                contextLength, kvDim);
    }

    @Override
    public void step(int[] tokens, int nTokens, int startPos, Runnable body) {
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
        if (cw.lanes != null) {
            ((VectorOps) ops).matmul(a(out), cw.lanes, cw.tensor(), a(x), n);
        } else if (cw.packed != null) {
            ((VectorOps) ops).matmul(a(out), cw.packed, cw.tensor(), a(x), n);
        } else {
            ops.matmul(a(out), cw.tensor(), a(x), n);
        }
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

    @Override
    public void close() {
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
     * A mapped tensor, with its {@link Packed} copy for the fast matrix products where the type has one (the
     * mapping stays for the embedding lookup and the generic paths); a norm vector is also kept as float[] since
     * the ops take it that way.
     */
    static final class CpuWeight implements Weight {
        private final Tensor tensor;
        private float[] floats;
        /** The repacked form the matrix products read, or {@code null} (then they read the mapped tensor). */
        final Packed packed;
        /** The lane-packed Q4_0 form for the 8-bit-activation kernels, or {@code null}. */
        final LanePacked lanes;

        CpuWeight(Tensor tensor, Packed packed, LanePacked lanes) {
            this.tensor = tensor;
            this.packed = packed;
            this.lanes = lanes;
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

    record CpuKv(KvCache cache, int contextLength, int kvDim) implements KvStore {}
}
