package dev.llama4j.backend.cpu;

import dev.llama4j.backend.MemoryEstimate;
import dev.llama4j.backend.MemoryInfo;
import dev.llama4j.backend.ModelShape;
import dev.llama4j.backend.Workload;
import dev.llama4j.gguf.GgmlType;
import dev.llama4j.tensor.Tensor;
import java.util.EnumMap;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The CPU backend's memory estimate ({@link MemoryEstimate}): what {@link CpuBackend} will hold for a model,
 * counted from the same decisions it makes at load (which matrices are lane-packed, their copies' size) without
 * loading anything.
 */
public final class CpuMemory {
    private CpuMemory() {}

    /** Rows of a {@link Tiles} panel at the widest vectors (Tiles itself is not touched: it needs the Vector API). */
    private static final int PANEL = 32;

    /**
     * The estimate for {@code model} on a vector backend of {@code threads} threads ({@code q8Activations},
     * {@code mapped}, {@code kvF16} as in {@link CpuBackend#vector(int, boolean, boolean, boolean)}) doing
     * {@code work}, against {@code available}.
     */
    public static MemoryEstimate estimate(ModelShape model, int threads, boolean q8Activations, boolean mapped,
                                          boolean kvF16, Workload work, MemoryInfo available) {
        Map<GgmlType, long[]> byType = new EnumMap<>(GgmlType.class); // {repacked, mapped}
        long weights = 0;
        long transientBytes = 0;
        for (Tensor t : model.matrices()) {
            long repacked = mapped || !VectorSupport.available() ? 0 : VectorOps.repackedBytes(t, q8Activations);
            long[] b = byType.computeIfAbsent(t.type(), k -> new long[2]);
            if (repacked > 0) {
                b[0] += repacked;
                weights += repacked;
                transientBytes = Math.max(transientBytes, t.data().byteSize());
            } else {
                b[1] += t.data().byteSize();
                weights += t.data().byteSize();
            }
        }
        StringJoiner form = new StringJoiner(", ");
        byType.forEach((type, b) -> {
            if (b[0] > 0) {
                form.add(type + " lane-packed " + MemoryEstimate.gb(b[0]));
            }
            if (b[1] > 0) {
                form.add(type + " mapped " + MemoryEstimate.gb(b[1]));
            }
        });
        long kvOne = KvCache.bytes(model.nLayers(), work.contextLength(), model.kvDim(), kvF16);
        long kvPerPosition = (KvCache.bytes(model.nLayers(), work.contextLength() + KvCache.KB, model.kvDim(), kvF16)
                - kvOne) / KvCache.KB * work.contexts();
        return new MemoryEstimate("cpu", weights, form.toString(), mapped, kvOne * work.contexts(),
                (kvF16 ? "F16" : "F32") + ", " + work.contextLength() + " positions × " + work.contexts()
                        + " context" + (work.contexts() == 1 ? "" : "s"),
                scratch(model, threads, work), transientBytes, work.contextLength(), kvPerPosition, available);
    }

    /**
     * Activation buffers per context ({@link dev.llama4j.model.State}: x, xb, xb2, q, hb, hb2, k, v for a batch,
     * the last token's row and the logits) and the ops' scratch per thread (a {@link Tiles} panel of the widest
     * matrix twice, its accumulators, attention scores over the context) plus the interleaved batch, all floats.
     */
    static long scratch(ModelShape m, int threads, Workload w) {
        long batch = w.batch();
        long state = batch * (5L * m.dim() + 2L * m.hiddenDim() + 2L * m.kvDim()) + m.dim() + m.vocabSize();
        long cols = m.maxCols();
        long perThread = 2L * PANEL * cols + (long) PANEL * batch + (long) m.nHeads() * (w.contextLength() + 16);
        return Float.BYTES * (w.contexts() * state + threads * perThread + batch * cols);
    }
}
