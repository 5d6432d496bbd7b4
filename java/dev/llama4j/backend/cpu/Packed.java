package dev.llama4j.backend.cpu;

import dev.llama4j.gguf.GgmlType;
import dev.llama4j.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * A Q4_0 or Q8_0 weight matrix repacked at load into a kernel-friendly layout ("runtime repack"): rows in groups of
 * {@link #G} (the last group padded with zero rows), and within a group block by block, the {@value #G} rows'
 * quants of one block next to each other, 64-byte aligned ({@code qs[((g·nb + b)·G + k)·qb ..]}, {@code qb} = 16
 * nibble bytes for Q4_0, 32 int8 for Q8_0), the block scales (IEEE halves) in a separate array in the same order
 * ({@code d[(g·nb + b)·G + k]}). One pass over a group then reads one contiguous stream of quants and one of
 * scales, and the scales of a whole group widen to float with a few vector ops instead of one scalar conversion
 * per block. Same bytes as the GGUF data (18 or 34 per block), the padding aside; the values are unchanged, so
 * the kernels in {@link PackedKernels} give the same bits as {@link Q4_0Dot} and {@link Q8_0Dot}.
 *
 * @param rows rows of the matrix
 * @param cols row length (a multiple of 32)
 * @param nb   blocks per row
 */
record Packed(GgmlType type, int rows, int cols, int nb, byte[] qs, float[] d) {
    /** Rows per group. */
    static final int G = 4;
    private static final int QK = 32;

    /**
     * Whether a copy of {@code blocks} blocks of {@code qb} quant bytes and a float scale each (the repacked
     * layouts' form) fits in one array and in half the heap still free.
     */
    static boolean fits(long blocks, int qb) {
        Runtime rt = Runtime.getRuntime();
        long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        return blocks * qb <= Integer.MAX_VALUE - 64 && blocks * (qb + Float.BYTES) <= free / 2;
    }

    /** Quant bytes of one block. */
    int qb() {
        return type == GgmlType.Q4_0 ? QK / 2 : QK;
    }

    int groups() {
        return (rows + G - 1) / G;
    }

    /** Whether {@code t} can be repacked and run by {@link PackedKernels} on this hardware. */
    static boolean supports(Tensor t) {
        return (t.type() == GgmlType.Q4_0 || t.type() == GgmlType.Q8_0) && t.ne().length == 2
                && Vec.L == 16 && Vec.B != null && Vec.S != null && t.ne()[0] % QK == 0
                && t.ne()[1] <= Integer.MAX_VALUE;
    }

    /**
     * Repacks {@code t} on {@code workers}, or returns {@code null} when it cannot (see {@link #supports}) or when
     * the heap lacks room for the copy (with a margin), in which case the kernels read the mapped tensor. On
     * heap, not off-heap: array offsets are {@code int}s, whose range checks C2 hoists out of the loops, where
     * the {@code long} offsets of a memory segment cost a chain of compares per vector load.
     */
    static Packed of(Tensor t, Workers workers) {
        if (!supports(t)) {
            return null;
        }
        int cols = (int) t.ne()[0];
        int rows = (int) t.ne()[1];
        int nb = cols / QK;
        int qb = t.type() == GgmlType.Q4_0 ? QK / 2 : QK;
        int bs = qb + 2;
        int groups = (rows + G - 1) / G;
        long blocks = (long) groups * G * nb;
        if (!fits(blocks, qb)) {
            return null;
        }
        byte[] qs = new byte[(int) (blocks * qb)];
        float[] d = new float[(int) blocks];
        MemorySegment src = t.data();
        MemorySegment dst = MemorySegment.ofArray(qs);
        long rowBytes = t.rowBytes();
        workers.forRange(rows, 16, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int g = r / G;
                int k = r % G;
                long s = r * rowBytes;
                for (int b = 0; b < nb; b++, s += bs) {
                    int i = (g * nb + b) * G + k;
                    d[i] = Float.float16ToFloat(src.get(Vec.SHORT_LE, s));
                    MemorySegment.copy(src, s + 2, dst, (long) i * qb, qb);
                }
            }
        });
        return new Packed(t.type(), rows, cols, nb, qs, d);
    }
}
