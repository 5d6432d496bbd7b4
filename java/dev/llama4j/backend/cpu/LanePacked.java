package dev.llama4j.backend.cpu;

import dev.llama4j.gguf.GgmlType;
import dev.llama4j.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

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
 * Otherwise the same bytes as the GGUF data, the padding aside. Both live off the Java heap ({@link OffHeap}); a
 * group's quants are {@link #groupQuantBytes()} bytes from {@code qs} offset {@code g · groupQuantBytes()}, its
 * scales {@code nb · R} floats, so the kernels address within a group with {@code int} offsets.
 *
 * @param type Q4_0 or Q8_0
 * @param rows rows of the matrix
 * @param cols row length (a multiple of 32)
 * @param nb   blocks per row
 */
record LanePacked(GgmlType type, int rows, int cols, int nb, MemorySegment qs, MemorySegment d) {
    /** Rows per half group: one float vector's lanes. */
    static final int H = Vec.L;
    /** Rows per group: a {@link Tiles} panel. */
    static final int R = 2 * H;
    private static final int QK = 32;

    int groups() {
        return (rows + R - 1) / R;
    }

    /** Quant bytes of one group. */
    int groupQuantBytes() {
        return nb * qb() * R;
    }

    /** The quants of group {@code g}. */
    MemorySegment groupQuants(int g) {
        return qs.asSlice((long) g * groupQuantBytes(), groupQuantBytes());
    }

    /** The block scales of group {@code g}: {@code nb · R} floats, block by block. */
    MemorySegment groupScales(int g) {
        return d.asSlice((long) g * nb * R * Float.BYTES, (long) nb * R * Float.BYTES);
    }

    /** Bytes a repacked copy of {@code t} takes ({@link #supports} must hold). */
    static long bytes(Tensor t) {
        long cols = t.ne()[0];
        long groups = (t.ne()[1] + R - 1) / R;
        return groups * R * (cols / QK) * (qb(t.type()) + Float.BYTES);
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
     * Repacks {@code t} on {@code workers} into memory of {@code arena} ({@link OffHeap}). The caller checks
     * {@link #supports} first.
     */
    static LanePacked of(Tensor t, Workers workers, Arena arena) {
        if (!supports(t)) {
            throw new IllegalArgumentException("tensor " + t.name() + " (" + t.type() + ") cannot be lane-packed");
        }
        int cols = (int) t.ne()[0];
        int rows = (int) t.ne()[1];
        int nb = cols / QK;
        int qb = qb(t.type());
        int groups = (rows + R - 1) / R;
        long blocks = (long) groups * R * nb;
        MemorySegment qs = OffHeap.allocate(arena, blocks * qb, "tensor " + t.name());
        MemorySegment d = OffHeap.allocate(arena, blocks * Float.BYTES, "tensor " + t.name());
        MemorySegment src = t.data();
        long rowBytes = t.rowBytes();
        workers.forRange(groups, 1, (g0, g1) -> {
            byte[] q = new byte[nb * qb * R];
            float[] s = new float[nb * R];
            for (int g = g0; g < g1; g++) {
                java.util.Arrays.fill(q, (byte) 0);
                java.util.Arrays.fill(s, 0.0f);
                for (int k = 0; k < R && g * R + k < rows; k++) {
                    long at = (long) (g * R + k) * rowBytes;
                    for (int b = 0; b < nb; b++, at += 2 + qb) {
                        int base = b * qb * R + (k / H) * 2 * H + 2 * (k % H);
                        s[b * R + k] = Float.float16ToFloat(src.get(Vec.SHORT_LE, at));
                        for (int p = 0; p < qb; p++) {
                            q[base + (p / 2) * 2 * R + p % 2] = src.get(ValueLayout.JAVA_BYTE, at + 2 + p);
                        }
                    }
                }
                MemorySegment.copy(q, 0, qs, ValueLayout.JAVA_BYTE, (long) g * q.length, q.length);
                MemorySegment.copy(s, 0, d, Vec.FLOAT_LE, (long) g * s.length * Float.BYTES, s.length);
            }
        });
        return new LanePacked(t.type(), rows, cols, nb, qs, d);
    }
}
