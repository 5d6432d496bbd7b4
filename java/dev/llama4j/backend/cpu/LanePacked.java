package dev.llama4j.backend.cpu;

import dev.llama4j.gguf.GgmlType;
import dev.llama4j.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * A Q4_0 or Q8_0 weight matrix repacked at load with its rows across vector lanes, for the integer mat-vecs of
 * {@link LaneKernels} (activations quantized to 8 bits, {@link Q8Activations}). Rows in groups of {@link #R}
 * ({@link Tiles#P}, two halves of {@link #H} = one float vector's lanes; the last group padded with zero rows).
 * A block has {@code qb} quant bytes ({@link #qb()}: 16 for Q4_0, whose byte {@code p} holds element {@code p} in
 * its low nibble and {@code p + 16} in its high one; 32 for Q8_0, one signed element each). For group {@code g},
 * block {@code b}, pair of bytes {@code i < qb/2}, half {@code h} and row {@code k} of the half,
 * {@code qs[(((g·nb + b)·qb/2 + i)·2 + h)·2H + 2k + j]} is byte {@code p = 2i + j} of row {@code g·R + h·H + k}:
 * one widening load fills {@code 2H} short lanes with the bytes of two positions of {@code H} rows, alternating,
 * which one 32-bit broadcast of a coefficient pair multiplies ({@link Q8Activations#px}, {@link Q8Activations#py},
 * {@link Q8Activations#xp}). The block scales, widened to float at the repack (the halves' exact values; widening
 * them per call cost more than the 2 extra bytes per block), by group, block and row: {@code d[(g·nb + b)·R + r]}.
 * Otherwise the same bytes as the GGUF data, the padding aside.
 *
 * @param type Q4_0 or Q8_0
 * @param rows rows of the matrix
 * @param cols row length (a multiple of 32)
 * @param nb   blocks per row
 */
record LanePacked(GgmlType type, int rows, int cols, int nb, byte[] qs, float[] d) {
    /** Rows per half group: one float vector's lanes. */
    static final int H = Vec.L;
    /** Rows per group: a {@link Tiles} panel. */
    static final int R = 2 * H;
    private static final int QK = 32;

    int groups() {
        return (rows + R - 1) / R;
    }

    /** Quant bytes per block. */
    int qb() {
        return qb(type);
    }

    private static int qb(GgmlType type) {
        return type == GgmlType.Q4_0 ? QK / 2 : QK;
    }

    /** Whether {@code t} can be repacked and run by {@link LaneKernels} on this hardware (256-bit vectors or wider). */
    static boolean supports(Tensor t) {
        return (t.type() == GgmlType.Q4_0 || t.type() == GgmlType.Q8_0) && t.ne().length == 2 && Vec.L >= 8
                && t.ne()[0] % QK == 0 && t.ne()[1] <= Integer.MAX_VALUE;
    }

    /**
     * Repacks {@code t} on {@code workers}, or returns {@code null} when it cannot (see {@link #supports}) or when
     * the heap lacks room for the copy (with a margin); then the caller uses another path. On heap for the same
     * reason as {@link Packed#of}: int array offsets keep the range checks out of the loops.
     */
    static LanePacked of(Tensor t, Workers workers) {
        if (!supports(t)) {
            return null;
        }
        int cols = (int) t.ne()[0];
        int rows = (int) t.ne()[1];
        int nb = cols / QK;
        int qb = qb(t.type());
        int groups = (rows + R - 1) / R;
        long blocks = (long) groups * R * nb;
        if (!Packed.fits(blocks, qb)) {
            return null;
        }
        byte[] qs = new byte[(int) (blocks * qb)];
        float[] d = new float[(int) blocks];
        MemorySegment src = t.data();
        long rowBytes = t.rowBytes();
        workers.forRange(groups, 1, (g0, g1) -> {
            for (int g = g0; g < g1; g++) {
                for (int k = 0; k < R && g * R + k < rows; k++) {
                    long s = (long) (g * R + k) * rowBytes;
                    for (int b = 0; b < nb; b++, s += 2 + qb) {
                        int base = (g * nb + b) * qb * R + (k / H) * 2 * H + 2 * (k % H);
                        d[(g * nb + b) * R + k] = Float.float16ToFloat(src.get(Vec.SHORT_LE, s));
                        for (int p = 0; p < qb; p++) {
                            qs[base + (p / 2) * 2 * R + p % 2] =
                                    src.get(java.lang.foreign.ValueLayout.JAVA_BYTE, s + 2 + p);
                        }
                    }
                }
            }
        });
        return new LanePacked(t.type(), rows, cols, nb, qs, d);
    }
}
