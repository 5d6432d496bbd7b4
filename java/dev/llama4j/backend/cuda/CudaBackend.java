package dev.llama4j.backend.cuda;

import static dev.llama4j.backend.cuda.CudaKernels.check;

import dev.llama4j.Llama4jException;
import dev.llama4j.backend.Backend;
import dev.llama4j.backend.BandwidthProbe;
import dev.llama4j.backend.DeviceSampling;
import dev.llama4j.sampling.SamplingParams;
import dev.llama4j.gguf.GgmlType;
import dev.llama4j.tensor.Tensor;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUstream_flags;
import jcuda.driver.JCudaDriver;

/**
 * The CUDA backend: weights uploaded once, float32 activations and an F16 KV cache in device memory, ops run by
 * the llama4j kernels (JavaCPP binding) on one stream of the device's primary context (JCuda driver API).
 *
 * <p>A step's token ids and start position live in device memory. A one-token (decode) step is captured once as
 * a CUDA graph and replayed (see {@link CudaGraphStep}); prompt steps run eagerly. Open with {@link #open(int)}.
 */
public final class CudaBackend implements Backend, DeviceSampling, BandwidthProbe {
    /** Positions per attention split in decode. */
    static final int SPLIT_LEN = 256;
    /** Device memory kept free for the runtime, graphs and scratch. */
    static final long RESERVE = 512L << 20;

    private final CudaDevice device;
    private final CUdevice dev;
    private final CUcontext ctx = new CUcontext();
    private final CudaStream stream = new CudaStream();
    private final DeviceMemory mem = new DeviceMemory();
    private final CudaGraphStep graph = new CudaGraphStep();
    private final DevicePointer pos;
    private final DevicePointer argmaxOut;
    private DevicePointer tokens;
    private DevicePointer q8;
    private DevicePointer attScratch;

    /** Address of the buffer whose q8_1 copy {@link #q8} holds (0: none); see {@link #matmul}. */
    private long q8Of;
    /** Row length {@link #q8} was quantized with. */
    private int q8Cols;
    private double bandwidth;
    private int nTokens = 1;
    private int startPos;
    private boolean dry;
    private long sig;
    private boolean closed;

    private CudaBackend(CudaDevice device) {
        this.device = device;
        this.dev = CudaDevice.handle(device.ordinal());
        Cu.check(JCudaDriver.cuDevicePrimaryCtxRetain(ctx, dev), "cuDevicePrimaryCtxRetain");
        Cu.check(JCudaDriver.cuCtxSetCurrent(ctx), "cuCtxSetCurrent");
        Cu.check(JCudaDriver.cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING), "cuStreamCreate");
        pos = mem.alloc(Integer.BYTES);
        argmaxOut = mem.alloc(Integer.BYTES);
        tokens = mem.alloc(Integer.BYTES);
    }

    /** Opens device {@code ordinal}; a clear {@link Llama4jException} with the reason where CUDA cannot run. */
    public static CudaBackend open(int ordinal) {
        CudaAvailability a = CudaAvailability.check(ordinal);
        if (!a.ok()) {
            throw new Llama4jException("CUDA backend unavailable: " + a.reason());
        }
        return new CudaBackend(a.device());
    }

    /** The device in use. */
    public CudaDevice device() {
        return device;
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public String description() {
        return device.describe() + ", CUDA runtime " + CudaKernels.l4j_runtime_version();
    }

    // ---- placement ----------------------------------------------------------------------------------------

    @Override
    public Weight weight(Tensor t) {
        bind();
        if (CudaKernels.l4j_type_supported(t.type().id()) == 0) {
            throw new Llama4jException("tensor " + t.name() + " has type " + t.type()
                    + ", which the CUDA backend does not support (supported: F32, F16, BF16, Q4_0, Q8_0, Q4_K, Q6_K)");
        }
        if (t.cols() > Integer.MAX_VALUE || t.rows() > Integer.MAX_VALUE) {
            throw new Llama4jException("tensor " + t.name() + " is too large for the CUDA backend: " + t);
        }
        requireFree(t.data().byteSize(), "tensor " + t.name());
        DevicePointer p = mem.alloc(t.data().byteSize());
        DeviceMemory.upload(p, t.data());
        if (CudaKernels.l4j_type_uses_q8_1(t.type().id()) != 0) {
            ensureQ8((int) t.cols());
        }
        return new GpuWeight(t, p);
    }

    /** Throws a clear {@link Llama4jException} unless {@code bytes} (plus a reserve) fit in free device memory. */
    public void requireFree(long bytes, String what) {
        bind();
        long free = DeviceMemory.info()[0];
        if (bytes + RESERVE > free) {
            throw new Llama4jException(String.format(
                    "model does not fit on %s: %s needs %d MiB but only %d MiB of device memory are free"
                            + " (%d MiB kept in reserve)",
                    device.name(), what, bytes >> 20, free >> 20, RESERVE >> 20));
        }
    }

    @Override
    public Buf buffer(int floats) {
        bind();
        return new GpuBuf(mem.alloc(4L * floats), floats);
    }

    @Override
    public KvStore kvCache(int nLayers, int contextLength, int kvDim) {
        bind();
        long layerBytes = 2L * contextLength * kvDim;
        requireFree(2 * nLayers * layerBytes, "the KV cache");
        return new GpuKv(mem.alloc(nLayers * layerBytes), mem.alloc(nLayers * layerBytes), contextLength, kvDim);
    }

    // ---- steps --------------------------------------------------------------------------------------------

    @Override
    public void step(int[] ids, int n, int start, Runnable body) {
        if (n <= 0 || n > ids.length || start < 0) {
            throw new IllegalArgumentException("step of " + n + " tokens at " + start + " (ids: " + ids.length + ")");
        }
        bind();
        Cu.check(JCudaDriver.cuStreamSynchronize(stream), "cuStreamSynchronize");
        if (tokens.bytes() < 4L * n) {
            invalidate();
            mem.free(tokens);
            tokens = mem.alloc(4L * n);
        }
        Cu.check(JCudaDriver.cuMemcpyHtoD(tokens, Pointer.to(ids), 4L * n), "cuMemcpyHtoD(tokens)");
        Cu.check(JCudaDriver.cuMemcpyHtoD(pos, Pointer.to(new int[] {start}), 4), "cuMemcpyHtoD(pos)");
        nTokens = n;
        startPos = start;
        q8Of = 0;
        if (n > 1) {
            body.run();
            return;
        }
        long s = signature(body);
        if (graph.ready(s)) {
            graph.launch(stream);
        } else if (graph.capturable(s)) {
            graph.capture(stream, s, body);
            graph.launch(stream);
        } else {
            body.run();
            graph.ranEagerly(s);
        }
    }

    /** Runs {@code body} without launching anything, hashing its op calls. */
    private long signature(Runnable body) {
        dry = true;
        sig = 17;
        try {
            body.run();
        } finally {
            dry = false;
        }
        return sig;
    }

    /** Folds an op call into the signature; true in a dry run (the op then launches nothing). */
    private boolean record(int op, long... args) {
        if (!dry) {
            return false;
        }
        sig = sig * 31 + op;
        for (long a : args) {
            sig = sig * 1_000_003L + a;
        }
        return true;
    }

    private void invalidate() {
        graph.close();
        graph.ranEagerly(Long.MIN_VALUE);
    }

    private void ensureQ8(int cols) {
        long need = Math.max(CudaKernels.l4j_q8_1_bytes(cols, 1), 0);
        if (q8 == null || q8.bytes() < need) {
            invalidate();
            if (q8 != null) {
                mem.free(q8);
            }
            q8 = mem.alloc(need);
            q8Of = 0;
        }
    }

    private long attentionScratch(long need) {
        if (attScratch == null || attScratch.bytes() < need) {
            invalidate();
            if (attScratch != null) {
                mem.free(attScratch);
            }
            attScratch = mem.alloc(need);
        }
        return attScratch.address();
    }

    // ---- ops ----------------------------------------------------------------------------------------------

    @Override
    public void embed(Buf out, Weight table, int dim) {
        GpuWeight w = gpu(table);
        if (record(1, addr(out), w.addr(), dim, nTokens)) {
            return;
        }
        q8Of = 0;
        check(CudaKernels.l4j_embed(addr(out), w.addr(), w.type(), dim, (int) w.t.rows(), tokens.address(), nTokens,
                h()), "l4j_embed(" + w.t.name() + ")");
    }

    @Override
    public void rmsNorm(Buf out, Buf x, Weight weight, int dim, int n, float eps) {
        GpuWeight w = gpu(weight);
        if (w.t.type() != GgmlType.F32) {
            throw new Llama4jException("tensor " + w.t.name() + " has type " + w.t.type()
                    + "; the CUDA backend's RMSNorm needs F32 norm weights");
        }
        if (record(2, addr(out), addr(x), w.addr(), dim, n, Float.floatToIntBits(eps))) {
            return;
        }
        q8Of = 0;
        check(CudaKernels.l4j_rms_norm(addr(out), addr(x), w.addr(), dim, n, eps, h()), "l4j_rms_norm");
    }

    @Override
    public void matmul(Buf out, Weight weight, Buf x, int n) {
        GpuWeight w = gpu(weight);
        int rows = (int) w.t.rows();
        int cols = (int) w.t.cols();
        if (out.size() < (long) n * rows || x.size() < (long) n * cols) {
            throw new IllegalArgumentException("matmul " + w.t + " of " + n + " tokens: out " + out.size()
                    + " floats, x " + x.size() + " floats");
        }
        if (record(3, addr(out), w.addr(), addr(x), n)) {
            return;
        }
        String call = "(" + w.t.name() + ", " + w.t.type() + ")";
        if (n == 1) {
            long xq = 0;
            if (CudaKernels.l4j_type_uses_q8_1(w.type()) != 0) {
                ensureQ8(cols);
                xq = q8.address();
                // Q, K, V (and gate, up) read the same input: quantize it once and reuse the q8_1 copy until an
                // op other than a mat-vec runs (every other op may write the input) or a mat-vec writes it.
                if (q8Of != addr(x) || q8Cols != cols) {
                    check(CudaKernels.l4j_quantize_q8_1(xq, addr(x), cols, 1, h()), "l4j_quantize_q8_1" + call);
                    q8Of = addr(x);
                    q8Cols = cols;
                }
            }
            if (addr(out) == q8Of) {
                q8Of = 0;
            }
            check(CudaKernels.l4j_mmvq(addr(out), w.addr(), w.type(), rows, cols, addr(x), xq, h()),
                    "l4j_mmvq" + call);
        } else {
            q8Of = 0;
            check(CudaKernels.l4j_mmq(addr(out), w.addr(), w.type(), rows, cols, addr(x), n, h()), "l4j_mmq" + call);
        }
    }

    @Override
    public void rope(Buf v, int width, int headSize, int ropeDim, float theta) {
        if (record(4, addr(v), width, headSize, ropeDim, Float.floatToIntBits(theta), nTokens)) {
            return;
        }
        q8Of = 0;
        check(CudaKernels.l4j_rope(addr(v), nTokens, width, headSize, ropeDim, theta, pos.address(), h()),
                "l4j_rope");
    }

    @Override
    public void storeKv(KvStore cache, int layer, Buf k, Buf v) {
        GpuKv c = kv(cache);
        if (record(5, c.k.address(), layer, addr(k), addr(v), nTokens)) {
            return;
        }
        q8Of = 0;
        check(CudaKernels.l4j_kv_store(c.layer(c.k, layer), c.layer(c.v, layer), addr(k), addr(v), c.kvDim, nTokens,
                c.contextLength, pos.address(), h()), "l4j_kv_store");
    }

    @Override
    public void attention(Buf out, Buf q, KvStore cache, int layer, int nHeads, int nKvHeads, int headSize) {
        GpuKv c = kv(cache);
        if (record(6, addr(out), addr(q), c.k.address(), layer, nHeads, nKvHeads, headSize, nTokens)) {
            return;
        }
        q8Of = 0;
        int splitLen;
        int nSplits;
        if (nTokens == 1) {  // decode: fixed by the context, so a captured graph serves every position
            splitLen = SPLIT_LEN;
            nSplits = (c.contextLength + SPLIT_LEN - 1) / SPLIT_LEN;
        } else if (nTokens >= 8) {  // prefill: tokens x heads give enough blocks
            splitLen = startPos + nTokens;
            nSplits = 1;
        } else {
            splitLen = SPLIT_LEN;
            nSplits = (startPos + nTokens + SPLIT_LEN - 1) / SPLIT_LEN;
        }
        long scratch = attentionScratch(CudaKernels.l4j_attention_scratch_bytes(nTokens, nHeads, headSize, nSplits));
        check(CudaKernels.l4j_attention(addr(out), addr(q), c.layer(c.k, layer), c.layer(c.v, layer), nTokens, nHeads,
                nKvHeads, headSize, c.contextLength, pos.address(), splitLen, nSplits, scratch, h()),
                "l4j_attention");
    }

    @Override
    public void swiglu(Buf hb, Buf hb2, int n) {
        if (record(7, addr(hb), addr(hb2), n)) {
            return;
        }
        q8Of = 0;
        check(CudaKernels.l4j_swiglu(addr(hb), addr(hb2), n, h()), "l4j_swiglu");
    }

    @Override
    public void add(Buf x, Buf y, int n) {
        if (record(8, addr(x), addr(y), n)) {
            return;
        }
        q8Of = 0;
        check(CudaKernels.l4j_add(addr(x), addr(y), n, h()), "l4j_add");
    }

    @Override
    public void copy(Buf dst, int dstOff, Buf src, int srcOff, int n) {
        if (record(9, addr(dst), dstOff, addr(src), srcOff, n)) {
            return;
        }
        q8Of = 0;
        Cu.check(JCudaDriver.cuMemcpyDtoDAsync(gpu(dst).p.withByteOffset(4L * dstOff),
                gpu(src).p.withByteOffset(4L * srcOff), 4L * n, stream), "cuMemcpyDtoDAsync");
    }

    @Override
    public void read(Buf src, int offset, float[] dst, int n) {
        bind();
        Cu.check(JCudaDriver.cuStreamSynchronize(stream), "cuStreamSynchronize");
        Cu.check(JCudaDriver.cuMemcpyDtoH(Pointer.to(dst), gpu(src).p.withByteOffset(4L * offset), 4L * n),
                "cuMemcpyDtoH");
    }

    /** Copies {@code n} floats from the host into {@code dst} at {@code offset}. Waits for pending work. */
    public void write(Buf dst, int offset, float[] src, int n) {
        bind();
        q8Of = 0;
        Cu.check(JCudaDriver.cuStreamSynchronize(stream), "cuStreamSynchronize");
        Cu.check(JCudaDriver.cuMemcpyHtoD(gpu(dst).p.withByteOffset(4L * offset), Pointer.to(src), 4L * n),
                "cuMemcpyHtoD");
    }

    /** Greedy sampling on the device: the index of the largest of {@code x[0..n)} (lowest among equals). */
    @Override
    public int argmax(Buf x, int n) {
        bind();
        check(CudaKernels.l4j_argmax(argmaxOut.address(), addr(x), n, h()), "l4j_argmax");
        return readIndex();
    }

    @Override
    public int sample(Buf x, int n, SamplingParams p, float u) {
        if (!DeviceSampling.supports(p) || p.greedy()) {
            throw new IllegalArgumentException("the device draw needs top_k in 1.." + MAX_TOP_K
                    + ", temperature > 0 and no penalties: " + p);
        }
        bind();
        check(CudaKernels.l4j_sample(argmaxOut.address(), addr(x), n, p.topK(), p.topP(), p.minP(), p.temperature(),
                u, h()), "l4j_sample");
        return readIndex();
    }

    private int readIndex() {
        Cu.check(JCudaDriver.cuStreamSynchronize(stream), "cuStreamSynchronize");
        int[] id = {0};
        Cu.check(JCudaDriver.cuMemcpyDtoH(Pointer.to(id), argmaxOut, 4), "cuMemcpyDtoH");
        return id[0];
    }

    @Override
    public String method() {
        return "device-to-device copy";
    }

    /**
     * Device memory bandwidth: the best of several device-to-device copies of a 1 GiB buffer (a smaller one where
     * less is free), counting the bytes read plus the bytes written. Measured once, then remembered.
     */
    @Override
    public double bytesPerSecond() {
        if (bandwidth == 0) {
            bandwidth = BandwidthMeter.copy(stream, mem);
        }
        return bandwidth;
    }

    /** The stream's raw handle (for tests that call the kernel binding directly). */
    long streamHandle() {
        return h();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        JCudaDriver.cuCtxSetCurrent(ctx);
        JCudaDriver.cuStreamSynchronize(stream);
        graph.close();
        mem.close();
        JCudaDriver.cuStreamDestroy(stream);
        JCudaDriver.cuDevicePrimaryCtxRelease(dev);
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    private void bind() {
        if (closed) {
            throw new IllegalStateException("CUDA backend is closed");
        }
        Cu.check(JCudaDriver.cuCtxSetCurrent(ctx), "cuCtxSetCurrent");
    }

    private long h() {
        return stream.handle();
    }

    private static GpuBuf gpu(Buf b) {
        if (b instanceof GpuBuf g) {
            return g;
        }
        throw new IllegalArgumentException("not a CUDA buffer: " + b);
    }

    private static long addr(Buf b) {
        return gpu(b).p.address();
    }

    private static GpuWeight gpu(Weight w) {
        if (w instanceof GpuWeight g) {
            return g;
        }
        throw new IllegalArgumentException("not a CUDA weight: " + w);
    }

    private static GpuKv kv(KvStore s) {
        if (s instanceof GpuKv g) {
            return g;
        }
        throw new IllegalArgumentException("not a CUDA KV cache: " + s);
    }

    private record GpuBuf(DevicePointer p, int size) implements Buf {}

    private record GpuWeight(Tensor t, DevicePointer p) implements Weight {
        @Override
        public Tensor tensor() {
            return t;
        }

        long addr() {
            return p.address();
        }

        int type() {
            return t.type().id();
        }
    }

    /** Per layer [contextLength][kvDim] F16 keys and values. */
    private record GpuKv(DevicePointer k, DevicePointer v, int contextLength, int kvDim) implements KvStore {
        long layer(DevicePointer base, int layer) {
            return base.address() + 2L * layer * contextLength * kvDim;
        }
    }
}
