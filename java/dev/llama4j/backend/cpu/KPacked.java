package dev.llama4j.backend.cpu;

import dev.llama4j.gguf.GgmlType;
import dev.llama4j.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * A Q4_K, Q5_K or Q6_K weight matrix repacked at load with its rows across vector lanes, for the integer mat-vecs
 * of {@link KLaneKernels} (activations quantized to 8 bits per super-block, {@link Q8Activations}). Rows in groups
 * of {@link #H} (one float vector's lanes; the kernels keep one group's sums in one vector), row {@code k} of group
 * {@code g} being row {@code g·H + k}; two groups make a {@link Tiles} panel of {@link #R} rows, and the rows are
 * padded with zero rows to a whole number of panels.
 *
 * <p>Quants ({@link #qs}), per group:
 * <ul>
 *   <li>Q4_K, nibbles in Q4_0's order (so the Q4_0 kernel's loop and activations serve it): sub-block {@code s} of
 *       32 weights (8 per super-block) takes 16 bytes per row, byte {@code p} holding its weight {@code p} in the low
 *       nibble and {@code p + 16} in the high one; for pair {@code i < 8} of bytes and {@code j < 2},
 *       {@code qs[(s·8 + i)·2H + 2k + j]} is byte {@code 2i + j}. 128 bytes per row and super-block.</li>
 *   <li>Q5_K, Q6_K, the unsigned quant {@code q} (0..31, 0..63) in a byte per weight, four weights of a row after
 *       each other: {@code qs[(e/4)·4H + 4k + e%4]} is weight {@code e} of the row, so one load fills {@code 2H}
 *       short lanes with two weights each, weights {@code 4t, 4t+1} of the group's row {@code k} in lane
 *       {@code 2k} and {@code 4t+2, 4t+3} in lane {@code 2k+1} (unwidened: measured 11% faster than a byte widened
 *       per lane). 256 bytes per row and super-block.</li>
 * </ul>
 * Scales ({@link #meta}), per group and super-block, {@link #metaBytes} · H bytes apart: Q4_K and Q5_K
 * {@code d[H]} and {@code dmin[H]} (floats, the halves' exact values), then the unsigned 6-bit scales
 * {@code sc[8][H]} and mins {@code m[8][H]} (bytes): 24 bytes per row and super-block; Q6_K {@code d[H]} (floats)
 * and the signed scales {@code sc[16][H]} (bytes): 20 bytes. Bytes per weight: Q4_K 152/256 (the GGUF's 144/256),
 * Q5_K 280/256 (176/256), Q6_K 276/256 (210/256). Both segments live off the Java heap ({@link OffHeap}); a group's
 * parts are {@link #groupQuantBytes()} and {@link #groupMetaBytes()} long, addressed with {@code int} offsets.
 *
 * @param type Q4_K, Q5_K or Q6_K
 * @param rows rows of the matrix
 * @param cols row length (a multiple of 256)
 * @param nb   super-blocks per row
 */
record KPacked(GgmlType type, int rows, int cols, int nb, MemorySegment qs, MemorySegment meta) {
    /** Rows per group: one float vector's lanes. */
    static final int H = Vec.L;
    /** Rows per {@link Tiles} panel: two groups. */
    static final int R = 2 * H;
    private static final int QK = KBlocks.QK;

    /** Groups, padding included (two per panel). */
    int groups() {
        return (rows + R - 1) / R * 2;
    }

    int groupQuantBytes() {
        return nb * quantBytes(type) * H;
    }

    int groupMetaBytes() {
        return nb * metaBytes(type) * H;
    }

    MemorySegment groupQuants(int g) {
        return qs.asSlice((long) g * groupQuantBytes(), groupQuantBytes());
    }

    MemorySegment groupMeta(int g) {
        return meta.asSlice((long) g * groupMetaBytes(), groupMetaBytes());
    }

    /** Quant bytes per row and super-block. */
    static int quantBytes(GgmlType t) {
        return t == GgmlType.Q4_K ? QK / 2 : QK;
    }

    /** Scale bytes per row and super-block. */
    static int metaBytes(GgmlType t) {
        return t == GgmlType.Q6_K ? Float.BYTES + 16 : 2 * Float.BYTES + 16;
    }

    /** Bytes a repacked copy of {@code t} takes ({@link #supports} must hold). */
    static long bytes(Tensor t) {
        long groups = (t.ne()[1] + R - 1) / R;
        return groups * R * (t.ne()[0] / QK) * (quantBytes(t.type()) + metaBytes(t.type()));
    }

    /** Whether {@code t} can be repacked and run by {@link KLaneKernels} here (256-bit vectors or wider). */
    static boolean supports(Tensor t) {
        return KBlocks.decodes(t.type()) && t.ne().length == 2 && Vec.L >= 8 && Vec.B != null
                && t.ne()[0] % QK == 0 && t.ne()[1] <= Integer.MAX_VALUE
                && t.ne()[0] * R * (quantBytes(t.type()) + metaBytes(t.type())) / QK <= Integer.MAX_VALUE;
    }

    /** Repacks {@code t} on {@code workers} into memory of {@code arena} ({@link OffHeap}); {@link #supports} first. */
    static KPacked of(Tensor t, Workers workers, Arena arena) {
        if (!supports(t)) {
            throw new IllegalArgumentException("tensor " + t.name() + " (" + t.type() + ") cannot be lane-packed");
        }
        GgmlType type = t.type();
        int cols = (int) t.ne()[0];
        int rows = (int) t.ne()[1];
        int nb = cols / QK;
        int groups = (rows + R - 1) / R * 2;
        int qBytes = nb * quantBytes(type) * H;
        int mBytes = nb * metaBytes(type) * H;
        MemorySegment qs = OffHeap.allocate(arena, (long) groups * qBytes, "tensor " + t.name());
        MemorySegment meta = OffHeap.allocate(arena, (long) groups * mBytes, "tensor " + t.name());
        MemorySegment src = t.data();
        long rowBytes = t.rowBytes();
        workers.forRange(groups, 1, (g0, g1) -> {
            byte[] q = new byte[qBytes];
            byte[] m = new byte[mBytes];
            MemorySegment mm = MemorySegment.ofArray(m);
            int[] w = new int[QK];
            int[] sc = new int[16];
            int[] mins = new int[16];
            for (int g = g0; g < g1; g++) {
                Arrays.fill(q, (byte) 0);
                Arrays.fill(m, (byte) 0);
                for (int k = 0; k < H && g * H + k < rows; k++) {
                    for (int b = 0; b < nb; b++) {
                        long o = (long) (g * H + k) * rowBytes + (long) b * type.typeSize();
                        KBlocks.quants(type, src, o, w);
                        KBlocks.scales(type, src, o, sc, mins);
                        int base = b * metaBytes(type) * H;
                        mm.set(Vec.FLOAT_LE, base + 4L * k, KBlocks.d(type, src, o));
                        if (type == GgmlType.Q6_K) {
                            for (int j = 0; j < 16; j++) {
                                m[base + 4 * H + j * H + k] = (byte) sc[j];
                            }
                            bytes(w, b, k, q);
                            continue;
                        }
                        mm.set(Vec.FLOAT_LE, base + 4L * H + 4L * k, KBlocks.dmin(src, o));
                        for (int j = 0; j < 8; j++) {
                            m[base + 8 * H + j * H + k] = (byte) sc[j];
                            m[base + 16 * H + j * H + k] = (byte) mins[j];
                        }
                        if (type == GgmlType.Q5_K) {
                            bytes(w, b, k, q);
                        } else {
                            nibbles(w, b, k, q);
                        }
                    }
                }
                MemorySegment.copy(q, 0, qs, ValueLayout.JAVA_BYTE, (long) g * qBytes, qBytes);
                MemorySegment.copy(m, 0, meta, ValueLayout.JAVA_BYTE, (long) g * mBytes, mBytes);
            }
        });
        return new KPacked(type, rows, cols, nb, qs, meta);
    }

    /** Super-block {@code b}'s quants {@code w} of the group's row {@code k} as Q4_0-order nibbles into {@code q}. */
    private static void nibbles(int[] w, int b, int k, byte[] q) {
        for (int j = 0; j < 8; j++) {
            int s = 8 * b + j;
            for (int p = 0; p < 16; p++) {
                q[(s * 8 + p / 2) * 2 * H + 2 * k + p % 2] = (byte) (w[32 * j + p] | (w[32 * j + p + 16] << 4));
            }
        }
    }

    /** Super-block {@code b}'s quants {@code w} of the group's row {@code k} as bytes, four after each other. */
    private static void bytes(int[] w, int b, int k, byte[] q) {
        for (int e = 0; e < QK; e++) {
            q[(b * QK + e) / 4 * 4 * H + 4 * k + e % 4] = (byte) w[e];
        }
    }
}
