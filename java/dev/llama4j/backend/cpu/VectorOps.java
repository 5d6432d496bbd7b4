package dev.llama4j.backend.cpu;

import dev.llama4j.gguf.GgmlType;
import dev.llama4j.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fast {@link CpuOps}: Java Vector API ({@link Vec#F}: the preferred species, any lane count) on a small
 * fixed pool of threads, rows of a matrix split across them. Matrix products go through one row loop over a
 * per-type {@link RowDot}: fast paths that dot the quantized blocks directly for F32, F16, BF16, Q8_0, Q4_0, Q4_K
 * and Q6_K, and a generic block-dot (dequantize, dot) for every other type; weights repacked at load
 * ({@link LanePacked}, {@link KPacked}) have their own kernels. Batches of tokens ({@code nTokens > 1}) dequantize
 * panels of 32 rows once and multiply them with the tokens in {@link Tiles}. Attention over a float32 cache
 * scores 16 positions per vector from its transposed key blocks, the query heads of a KV head sharing them.
 *
 * <p>Every output element is computed by one thread with the same code whatever the thread count, so results do
 * not depend on it. Holds no mutable state besides its pool; {@link #close()} stops the pool.
 */
public final class VectorOps implements CpuOps, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(VectorOps.class);
    /** Below about this many multiply-adds, an op stays on the calling thread. */
    private static final int GRAIN_WORK = 1 << 15;

    private final Workers workers;
    private final Map<GgmlType, RowDot> dots;
    private final boolean q8Activations;

    /** One thread per available processor. */
    public VectorOps() {
        this(Runtime.getRuntime().availableProcessors());
    }

    /** {@code threads} worker threads (including the caller), 8-bit activations for the repacked types. */
    public VectorOps(int threads) {
        this(threads, true, true);
    }

    /**
     * {@code threads} worker threads (including the caller). With {@code q8Activations}, Q4_0, Q8_0, Q4_K, Q5_K and
     * Q6_K matrices are lane-packed at load ({@link #matrix}) and a product with one token's activations quantizes
     * them to 8 bits (per block of 32, or per super-block of 256 for the K-quants) and runs an integer kernel
     * (llama.cpp's way); without, every product keeps float32 activations on the mapped tensor (the results a
     * float32 reference gives).
     */
    public VectorOps(int threads, boolean q8Activations) {
        this(threads, true, q8Activations);
    }

    /** With {@code fastPaths == false} every type goes through the generic block-dot (for tests). */
    VectorOps(int threads, boolean fastPaths, boolean q8Activations) {
        this.workers = new Workers(threads);
        this.dots = Dots.all(fastPaths);
        this.q8Activations = q8Activations;
        if (log.isDebugEnabled()) {
            List<GgmlType> generic = new ArrayList<>();
            for (GgmlType t : List.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0,
                    GgmlType.Q4_K, GgmlType.Q6_K)) {
                if (!(dots.get(t) instanceof GenericDot) || !fastPaths) {
                    continue;
                }
                generic.add(t);
            }
            log.debug("VectorOps: {} threads, {} float lanes; fast paths {}{}", threads, Vec.L,
                    fastPaths ? "on" : "off",
                    generic.isEmpty() ? "" : " except " + generic + " (vector shape unsupported: generic dot)");
        }
    }

    /** Worker threads in use. */
    @Override
    public int threads() {
        return workers.threads();
    }

    Workers workers() {
        return workers;
    }

    /** Whether {@code type} has a fast block-dot on this hardware (else the generic block-dot serves it). */
    public boolean hasFastPath(GgmlType type) {
        return !(dots.get(type) instanceof GenericDot);
    }

    @Override
    public void close() {
        workers.close();
    }

    /**
     * Lane-packed ({@link LanePacked} for Q4_0 and Q8_0, {@link KPacked} for Q4_K, Q5_K and Q6_K) where
     * {@code q8Activations} and the type and vector shape allow it.
     */
    @Override
    public CpuMatrix matrix(Tensor w, java.lang.foreign.Arena repackInto) {
        if (repackInto != null && repackedBytes(w) > 0) {
            return LanePacked.supports(w) ? new CpuMatrix.Lanes(this, LanePacked.of(w, workers, repackInto), w)
                    : new CpuMatrix.KLanes(this, KPacked.of(w, workers, repackInto), w);
        }
        return new CpuMatrix.Mapped(this, w);
    }

    @Override
    public long repackedBytes(Tensor w) {
        return repackedBytes(w, q8Activations);
    }

    /** Bytes {@link #matrix} allocates for {@code w} on ops with {@code q8Activations} (0: it stays mapped). */
    static long repackedBytes(Tensor w, boolean q8Activations) {
        if (!q8Activations) {
            return 0;
        }
        return LanePacked.supports(w) ? LanePacked.bytes(w) : KPacked.supports(w) ? KPacked.bytes(w) : 0;
    }

    /** {@link JitWarmUp} in the background. */
    @Override
    public Runnable startWarmUp(List<CpuMatrix> matrices, boolean kvF16) {
        return JitWarmUp.start(this, matrices, kvF16)::join;
    }

    @Override
    public double readBytesPerSecond(List<java.lang.foreign.MemorySegment> data, int runs) {
        return ReadProbe.bytesPerSecond(data, workers, runs);
    }

    /** The ops in words: vector width, threads and the activation type of the repacked products. */
    public String describe() {
        return "CPU, Java Vector API (" + Vec.F.vectorBitSize() + "-bit), " + threads() + " thread"
                + (threads() == 1 ? "" : "s")
                + (q8Activations ? ", Q4_0/Q8_0/K-quant decode on 8-bit activations" : ", f32 activations");
    }

    @Override
    public void matmul(float[] out, Tensor w, float[] x, int nTokens) {
        int[] rc = Checks.matmul(out, w, x, nTokens);
        int rows = rc[0];
        int cols = rc[1];
        GgmlType type = w.type();
        RowDot dot = dots.get(type);
        MemorySegment data = w.data();
        long rowBytes = w.rowBytes();
        int grain = (int) Math.max(1, GRAIN_WORK / ((long) cols * nTokens));
        if (nTokens == 1) {
            float[] prep = dot.prepare(x, cols);
            workers.forRange(rows, grain, (r0, r1) -> {
                float[] scratch = new float[dot.scratchSize()];
                dot.rows(data, rowBytes, r0, r1, x, cols, prep, out, scratch);
            });
        } else {
            panels(out, rows, cols, x, nTokens, () -> {
                float[] tile = new float[Tiles.P * cols];
                return (r, nr, tileT) -> {
                    for (int k = 0; k < nr; k++) {
                        dot.dequantize(type, data, (r + k) * rowBytes, tile, k * cols, cols);
                    }
                    Tiles.transpose(tile, nr, cols, tileT);
                };
            });
        }
    }

    /** Fills the column-major {@link Tiles} panel of weight rows {@code r .. r+nr}; one per worker range. */
    @FunctionalInterface
    private interface PanelFill {
        void fill(int r, int nr, float[] tileT);
    }

    /**
     * The prompt-batch product shared by every weight layout: panels of {@link Tiles#P} rows, each filled by its
     * worker range's {@link PanelFill} (which may hold scratch arrays), then multiplied with every token.
     */
    private void panels(float[] out, int rows, int cols, float[] x, int nTokens, Supplier<PanelFill> fills) {
        float[] x8 = Tiles.interleave(x, cols, nTokens, workers);
        int panels = (rows + Tiles.P - 1) / Tiles.P;
        int grain = (int) Math.max(1, GRAIN_WORK / ((long) cols * nTokens * Tiles.P));
        workers.forRange(panels, grain, (p0, p1) -> {
            PanelFill fill = fills.get();
            float[] tileT = new float[Tiles.P * cols];
            float[] acc = new float[Tiles.P * nTokens];
            for (int q = p0; q < p1; q++) {
                int r = q * Tiles.P;
                int nr = Math.min(Tiles.P, rows - r);
                fill.fill(r, nr, tileT);
                Tiles.mulPanel(tileT, nr, x, x8, cols, nTokens, out, rows, r, acc);
            }
        });
    }

    /**
     * {@link #matmul(float[], Tensor, float[], int)} on a Q4_0 or Q8_0 weight {@code w} also repacked with its rows
     * across lanes ({@link LanePacked} {@code p}). One token: the activations are quantized to 8 bits
     * ({@link Q8Activations}) and the integer kernel runs ({@link ScalarOps#matVecQ8}'s results, bit for bit);
     * several: each group of rows dequantized column by column ({@link LaneKernels#dequantize}) and multiplied in
     * float, the same bits as the other layouts' batched path.
     */
    void matmul(float[] out, LanePacked p, Tensor w, float[] x, int nTokens) {
        int[] rc = Checks.matmul(out, w, x, nTokens);
        int rows = rc[0];
        int cols = rc[1];
        if (nTokens == 1) {
            int grain = (int) Math.max(1, GRAIN_WORK / ((long) cols * LanePacked.R));
            Q8Activations a = Q8Activations.of(x, 0, cols, p.type());
            workers.forRange(p.groups(), grain, (g0, g1) ->
                    LaneKernels.matVec(p, g0, g1, a, out));
        } else {
            // A group is a panel (LanePacked.R == Tiles.P).
            panels(out, rows, cols, x, nTokens, () -> (r, nr, tileT) -> LaneKernels.dequantize(p, r / Tiles.P, tileT));
        }
    }

    /**
     * {@link #matmul(float[], Tensor, float[], int)} on a Q4_K, Q5_K or Q6_K weight {@code w} also repacked with its
     * rows across lanes ({@link KPacked} {@code p}). One token: the activations are quantized to 8 bits per
     * super-block ({@link Q8Activations}) and the integer kernel runs ({@link ScalarOps#matVecQ8K}'s results, bit
     * for bit); several: each group of rows dequantized column by column ({@link KLaneKernels#dequantize}) and
     * multiplied in float, the same bits as the other layouts' batched path.
     */
    void matmul(float[] out, KPacked p, Tensor w, float[] x, int nTokens) {
        int[] rc = Checks.matmul(out, w, x, nTokens);
        int rows = rc[0];
        int cols = rc[1];
        if (nTokens == 1) {
            int grain = (int) Math.max(1, GRAIN_WORK / ((long) cols * KPacked.H));
            Q8Activations a = Q8Activations.of(x, 0, cols, p.type());
            workers.forRange((rows + KPacked.H - 1) / KPacked.H, grain, (g0, g1) ->
                    KLaneKernels.matVec(p, g0, g1, a, out));
        } else {
            // A panel is two groups (KPacked.R == Tiles.P).
            panels(out, rows, cols, x, nTokens, () -> (r, nr, tileT) -> KLaneKernels.dequantize(p, r / Tiles.P, tileT));
        }
    }

    @Override
    public void rmsNorm(float[] out, float[] x, float[] weight, int dim, int nTokens, float eps) {
        Checks.length("rmsNorm", "x", x, (long) nTokens * dim);
        Checks.length("rmsNorm", "out", out, (long) nTokens * dim);
        Checks.length("rmsNorm", "weight", weight, dim);
        for (int t = 0; t < nTokens; t++) {
            int o = t * dim;
            float ss = Vec.dot(x, o, x, o, dim);
            ss /= dim;
            ss += eps;
            ss = 1.0f / (float) Math.sqrt(ss);
            FloatVector s = FloatVector.broadcast(Vec.F, ss);
            int j = 0;
            for (int end = dim - Vec.L; j <= end; j += Vec.L) {
                FloatVector.fromArray(Vec.F, x, o + j).mul(s).mul(FloatVector.fromArray(Vec.F, weight, j))
                        .intoArray(out, o + j);
            }
            for (; j < dim; j++) {
                out[o + j] = weight[j] * (ss * x[o + j]);
            }
        }
    }

    @Override
    public void rope(float[] v, int nTokens, int startPos, int width, int headSize, int ropeDim, float theta) {
        Checks.rope(v, nTokens, width, headSize, ropeDim);
        float[] cos = new float[ropeDim / 2];
        float[] sin = new float[ropeDim / 2];
        for (int t = 0; t < nTokens; t++) {
            Rope.table(startPos + t, ropeDim, theta, cos, sin);
            for (int h = 0; h < width; h += headSize) {
                int base = t * width + h;
                for (int i = 0; i < ropeDim; i += 2) {
                    float fcr = cos[i / 2];
                    float fci = sin[i / 2];
                    float v0 = v[base + i];
                    float v1 = v[base + i + 1];
                    v[base + i] = v0 * fcr - v1 * fci;
                    v[base + i + 1] = v0 * fci + v1 * fcr;
                }
            }
        }
    }

    @Override
    public void attention(float[] out, float[] q, KvCache cache, int layer, int nTokens, int startPos,
                          int nHeads, int nKvHeads, int headSize) {
        Checks.attention(out, q, cache, layer, nTokens, startPos, nHeads, nKvHeads, headSize);
        int dim = nHeads * headSize;
        int kvDim = cache.kvDim();
        int kvMul = nHeads / nKvHeads;
        float scale = (float) Math.sqrt(headSize);
        int n = nTokens * nHeads;
        long work = (long) n * (startPos + nTokens) * headSize;
        int grain = work < GRAIN_WORK ? n : 1;
        if (cache instanceof KvCache.F32 c && Vec.L == KvCache.KB) {
            int items = nTokens * nKvHeads;
            int attLen = startPos + nTokens + KvCache.KB;
            workers.forRange(items, work < GRAIN_WORK ? items : 1, (i0, i1) -> {
                float[] att = new float[kvMul * attLen];
                for (int i = i0; i < i1; i++) {
                    int t = i / nKvHeads;
                    int kvh = i % nKvHeads;
                    attendGroupF32(out, q, c, layer, t * dim + kvh * kvMul * headSize, kvh * headSize, kvMul,
                            startPos + t, headSize, scale, att, attLen);
                }
            });
            return;
        }
        workers.forRange(n, grain, (i0, i1) -> {
            float[] att = new float[startPos + nTokens];
            float[] kb = new float[headSize];
            float[] vb = cache instanceof KvCache.F16 ? new float[headSize] : null;
            for (int i = i0; i < i1; i++) {
                int t = i / nHeads;
                int h = i % nHeads;
                int pos = startPos + t;
                int qo = t * dim + h * headSize;
                int ko = (h / kvMul) * headSize;
                for (int p = 0; p <= pos; p++) {
                    switch (cache) {
                        case KvCache.F32 c -> {
                            for (int j = 0; j < headSize; j++) {
                                kb[j] = c.key(layer, p, ko + j);
                            }
                        }
                        case KvCache.F16 c -> halves(c.k[layer], (long) p * kvDim + ko, kb, headSize);
                    }
                    att[p] = Vec.dot(q, qo, kb, 0, headSize) / scale;
                }
                softmax(att, 0, pos + 1);
                java.util.Arrays.fill(out, qo, qo + headSize, 0.0f);
                for (int p = 0; p <= pos; p++) {
                    switch (cache) {
                        case KvCache.F32 c -> Vec.axpy(att[p], c.v[layer], (long) p * kvDim + ko, out, qo, headSize);
                        case KvCache.F16 c -> {
                            halves(c.v[layer], (long) p * kvDim + ko, vb, headSize);
                            Vec.axpy(att[p], vb, 0, out, qo, headSize);
                        }
                    }
                }
            }
        });
    }

    /** Positions per block of the values pass of {@link #attendGroupF32} (64 × a 64-float head: 16 KiB, L1). */
    private static final int VB = 64;

    /**
     * The {@code kvMul} query heads of one KV head (at {@code q[qo..]}, one after the other; position {@code pos})
     * over a float32 cache. Scores {@value KvCache#KB} positions per vector from the transposed key blocks (one FMA
     * per head dimension, in dimension order), a key block serving every head of the group while it is in L1;
     * softmax per head; then each output vector accumulated over the positions in order, in blocks of {@link #VB}
     * positions that serve every head of the group. Per output the operations are those of one head alone.
     */
    private void attendGroupF32(float[] out, float[] q, KvCache.F32 c, int layer, int qo, int ko, int kvMul,
                                int pos, int headSize, float scale, float[] att, int attLen) {
        MemorySegment kl = c.k[layer];
        MemorySegment vl = c.v[layer];
        int kvDim = c.kvDim();
        for (int p0 = 0; p0 <= pos; p0 += KvCache.KB) {
            int base = c.keyIndex(p0, ko);
            for (int g = 0; g < kvMul; g++) {
                int qg = qo + g * headSize;
                FloatVector acc = FloatVector.zero(Vec.F);
                for (int d = 0; d < headSize; d++) {
                    acc = FloatVector.fromMemorySegment(Vec.F, kl, 4L * (base + d * KvCache.KB), Vec.LE)
                            .fma(FloatVector.broadcast(Vec.F, q[qg + d]), acc);
                }
                acc.div(scale).intoArray(att, g * attLen + p0);
            }
        }
        for (int g = 0; g < kvMul; g++) {
            softmax(att, g * attLen, pos + 1);
        }
        java.util.Arrays.fill(out, qo, qo + kvMul * headSize, 0.0f);
        for (int pb = 0; pb <= pos; pb += VB) {
            int pe = Math.min(pos + 1, pb + VB);
            for (int g = 0; g < kvMul; g++) {
                int og = qo + g * headSize;
                int ag = g * attLen;
                int j = 0;
                for (; j + Vec.L <= headSize; j += Vec.L) {
                    FloatVector acc = FloatVector.fromArray(Vec.F, out, og + j);
                    long vo = 4L * ((long) pb * kvDim + ko + j);
                    for (int p = pb; p < pe; p++, vo += 4L * kvDim) {
                        acc = FloatVector.fromMemorySegment(Vec.F, vl, vo, Vec.LE)
                                .fma(FloatVector.broadcast(Vec.F, att[ag + p]), acc);
                    }
                    acc.intoArray(out, og + j);
                }
                for (; j < headSize; j++) {
                    float s = out[og + j];
                    for (int p = pb; p < pe; p++) {
                        s = Math.fma(vl.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, (long) p * kvDim + ko + j),
                                att[ag + p], s);
                    }
                    out[og + j] = s;
                }
            }
        }
    }

    private static void halves(MemorySegment src, long off, float[] dst, int n) {
        for (int i = 0; i < n; i++) {
            dst[i] = Float.float16ToFloat(src.getAtIndex(java.lang.foreign.ValueLayout.JAVA_SHORT, off + i));
        }
    }

    @Override
    public void swiglu(float[] hb, float[] hb2, int n) {
        Checks.length("swiglu", "hb", hb, n);
        Checks.length("swiglu", "hb2", hb2, n);
        // sigmoid(h) = 1 / (1 + e) for h >= 0 and e / (1 + e) for h < 0, with e = exp(−|h|) from
        // Vec.expNonPositive (IEEE operations only: the same bits in the JIT, the interpreter and the scalar tail),
        // within a few ulp of ScalarOps' 1 / (1 + exp(−h)). Chunks of 1024 elements over the workers.
        int chunks = (n + 1023) / 1024;
        workers.forRange(chunks, 2, (c0, c1) -> {
            FloatVector one = FloatVector.broadcast(Vec.F, 1.0f);
            for (int k = c0; k < c1; k++) {
                int c = k * 1024;
                int end = Math.min(n, c + 1024);
                int i = c;
                for (; i <= end - Vec.L; i += Vec.L) {
                    FloatVector h = FloatVector.fromArray(Vec.F, hb, i);
                    FloatVector e = Vec.expNonPositive(h.abs().neg());
                    FloatVector r = one.div(one.add(e));
                    FloatVector sig = r.blend(e.mul(r), h.compare(VectorOperators.LT, 0.0f));
                    h.mul(sig).mul(FloatVector.fromArray(Vec.F, hb2, i)).intoArray(hb, i);
                }
                for (; i < end; i++) {
                    float h = hb[i];
                    float e = Vec.expNonPositive(-Math.abs(h));
                    float r = 1.0f / (1.0f + e);
                    float sig = h < 0.0f ? e * r : r;
                    hb[i] = h * sig * hb2[i];
                }
            }
        });
    }

    @Override
    public void add(float[] x, float[] y, int n) {
        Checks.length("add", "x", x, n);
        Checks.length("add", "y", y, n);
        int i = 0;
        for (int end = n - Vec.L; i <= end; i += Vec.L) {
            FloatVector.fromArray(Vec.F, x, i).add(FloatVector.fromArray(Vec.F, y, i)).intoArray(x, i);
        }
        for (; i < n; i++) {
            x[i] += y[i];
        }
    }

    @Override
    public void softmax(float[] x, int off, int n) {
        final int l = Vec.L;
        int i = 0;
        float max = Float.NEGATIVE_INFINITY;
        if (n >= l) {
            FloatVector m = FloatVector.broadcast(Vec.F, Float.NEGATIVE_INFINITY);
            for (int end = n - l; i <= end; i += l) {
                m = m.max(FloatVector.fromArray(Vec.F, x, off + i));
            }
            max = m.reduceLanes(VectorOperators.MAX);
        }
        for (; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        // e^(x - max) with Vec.expNonPositive (vectorized, a few ulp from Math.exp, the same bits in any JIT
        // state); the sum in lane order then the tail, so results do not depend on the thread or the warm-up.
        FloatVector acc = FloatVector.zero(Vec.F);
        i = 0;
        for (int end = n - l; i <= end; i += l) {
            FloatVector e = Vec.expNonPositive(FloatVector.fromArray(Vec.F, x, off + i).sub(max));
            e.intoArray(x, off + i);
            acc = acc.add(e);
        }
        float sum = Vec.sum(acc);
        for (; i < n; i++) {
            x[off + i] = Vec.expNonPositive(x[off + i] - max);
            sum += x[off + i];
        }
        FloatVector s = FloatVector.broadcast(Vec.F, sum);
        i = 0;
        for (int end = n - l; i <= end; i += l) {
            FloatVector.fromArray(Vec.F, x, off + i).div(s).intoArray(x, off + i);
        }
        for (; i < n; i++) {
            x[off + i] /= sum;
        }
    }
}
