package dev.llama4j.backend.cpu;

import dev.llama4j.gguf.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Mat-vec and dequantization over {@link Packed} weights, 16 float lanes, one row group ({@link Packed#G} rows)
 * per pass sharing the activation loads. Per row, the float operations and their order are those of
 * {@link Q4_0Dot#rows} and {@link Q8_0Dot#rows} (and of their {@code dequantize}), so the results are the same
 * bits; what changes is where the data comes from: one contiguous stream of quants, nibbles zero-extended (no
 * mask for the high half), and the block scales already floats (widened at the repack), not one scalar half
 * conversion per block.
 */
final class PackedKernels {
    private PackedKernels() {}

    private static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;

    /** {@code out[r] = row r · x} for the rows of groups {@code [g0, g1)}; {@code c} from {@link Q4_0Dot#prepare}. */
    static void q4(Packed p, int g0, int g1, float[] x, float[] c, float[] out) {
        byte[] qs = p.qs();
        float[] ds = p.d();
        int nb = p.nb();
        int rows = p.rows();
        for (int g = g0; g < g1; g++) {
            int ko = g * nb * Packed.G;
            int o = g * nb * 64;
            FloatVector a0 = FloatVector.zero(Vec.F);
            FloatVector a1 = FloatVector.zero(Vec.F);
            FloatVector a2 = FloatVector.zero(Vec.F);
            FloatVector a3 = FloatVector.zero(Vec.F);
            for (int b = 0; b < nb; b++, o += 64) {
                FloatVector cv = FloatVector.fromArray(Vec.F, c, b * 16);
                FloatVector x0 = FloatVector.fromArray(Vec.F, x, b * 32);
                FloatVector x1 = FloatVector.fromArray(Vec.F, x, b * 32 + 16);
                IntVector q0 = (IntVector) ByteVector.fromArray(B128, qs, o).convertShape(VectorOperators.ZERO_EXTEND_B2I, Vec.I, 0);
                IntVector q1 = (IntVector) ByteVector.fromArray(B128, qs, o + 16).convertShape(VectorOperators.ZERO_EXTEND_B2I, Vec.I, 0);
                IntVector q2 = (IntVector) ByteVector.fromArray(B128, qs, o + 32).convertShape(VectorOperators.ZERO_EXTEND_B2I, Vec.I, 0);
                IntVector q3 = (IntVector) ByteVector.fromArray(B128, qs, o + 48).convertShape(VectorOperators.ZERO_EXTEND_B2I, Vec.I, 0);
                FloatVector s0 = ((FloatVector) q0.and(0x0F).convert(VectorOperators.I2F, 0)).fma(x0, cv);
                FloatVector s1 = ((FloatVector) q1.and(0x0F).convert(VectorOperators.I2F, 0)).fma(x0, cv);
                FloatVector s2 = ((FloatVector) q2.and(0x0F).convert(VectorOperators.I2F, 0)).fma(x0, cv);
                FloatVector s3 = ((FloatVector) q3.and(0x0F).convert(VectorOperators.I2F, 0)).fma(x0, cv);
                s0 = ((FloatVector) q0.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(x1, s0);
                s1 = ((FloatVector) q1.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(x1, s1);
                s2 = ((FloatVector) q2.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(x1, s2);
                s3 = ((FloatVector) q3.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(x1, s3);
                int k = ko + b * 4;
                a0 = s0.fma(FloatVector.broadcast(Vec.F, ds[k]), a0);
                a1 = s1.fma(FloatVector.broadcast(Vec.F, ds[k + 1]), a1);
                a2 = s2.fma(FloatVector.broadcast(Vec.F, ds[k + 2]), a2);
                a3 = s3.fma(FloatVector.broadcast(Vec.F, ds[k + 3]), a3);
            }
            // No helper taking the accumulators: a vector passed to a method C2 does not inline is boxed, and the
            // box is then allocated on every iteration of the loop above.
            float f0 = Vec.sum(a0);
            float f1 = Vec.sum(a1);
            float f2 = Vec.sum(a2);
            float f3 = Vec.sum(a3);
            store(out, rows, g, f0, f1, f2, f3);
        }
    }

    /** {@code out[r] = row r · x} for the rows of groups {@code [g0, g1)}. */
    static void q8(Packed p, int g0, int g1, float[] x, float[] out) {
        byte[] qs = p.qs();
        float[] ds = p.d();
        int nb = p.nb();
        int rows = p.rows();
        for (int g = g0; g < g1; g++) {
            int ko = g * nb * Packed.G;
            int o = g * nb * 128;
            FloatVector a0 = FloatVector.zero(Vec.F);
            FloatVector a1 = FloatVector.zero(Vec.F);
            FloatVector a2 = FloatVector.zero(Vec.F);
            FloatVector a3 = FloatVector.zero(Vec.F);
            for (int b = 0; b < nb; b++, o += 128) {
                FloatVector x0 = FloatVector.fromArray(Vec.F, x, b * 32);
                FloatVector x1 = FloatVector.fromArray(Vec.F, x, b * 32 + 16);
                int k = ko + b * 4;
                FloatVector s0 = ((FloatVector) ByteVector.fromArray(B128, qs, o)
                        .convertShape(VectorOperators.B2F, Vec.F, 0)).mul(x0);
                s0 = ((FloatVector) ByteVector.fromArray(B128, qs, o + 16)
                        .convertShape(VectorOperators.B2F, Vec.F, 0)).fma(x1, s0);
                a0 = s0.fma(FloatVector.broadcast(Vec.F, ds[k]), a0);
                FloatVector s1 = ((FloatVector) ByteVector.fromArray(B128, qs, o + 32)
                        .convertShape(VectorOperators.B2F, Vec.F, 0)).mul(x0);
                s1 = ((FloatVector) ByteVector.fromArray(B128, qs, o + 48)
                        .convertShape(VectorOperators.B2F, Vec.F, 0)).fma(x1, s1);
                a1 = s1.fma(FloatVector.broadcast(Vec.F, ds[k + 1]), a1);
                FloatVector s2 = ((FloatVector) ByteVector.fromArray(B128, qs, o + 64)
                        .convertShape(VectorOperators.B2F, Vec.F, 0)).mul(x0);
                s2 = ((FloatVector) ByteVector.fromArray(B128, qs, o + 80)
                        .convertShape(VectorOperators.B2F, Vec.F, 0)).fma(x1, s2);
                a2 = s2.fma(FloatVector.broadcast(Vec.F, ds[k + 2]), a2);
                FloatVector s3 = ((FloatVector) ByteVector.fromArray(B128, qs, o + 96)
                        .convertShape(VectorOperators.B2F, Vec.F, 0)).mul(x0);
                s3 = ((FloatVector) ByteVector.fromArray(B128, qs, o + 112)
                        .convertShape(VectorOperators.B2F, Vec.F, 0)).fma(x1, s3);
                a3 = s3.fma(FloatVector.broadcast(Vec.F, ds[k + 3]), a3);
            }
            // No helper taking the accumulators: a vector passed to a method C2 does not inline is boxed, and the
            // box is then allocated on every iteration of the loop above.
            float f0 = Vec.sum(a0);
            float f1 = Vec.sum(a1);
            float f2 = Vec.sum(a2);
            float f3 = Vec.sum(a3);
            store(out, rows, g, f0, f1, f2, f3);
        }
    }

    private static void store(float[] out, int rows, int g, float f0, float f1, float f2, float f3) {
        int r = g * Packed.G;
        out[r] = f0;
        if (r + 1 < rows) {
            out[r + 1] = f1;
        }
        if (r + 2 < rows) {
            out[r + 2] = f2;
        }
        if (r + 3 < rows) {
            out[r + 3] = f3;
        }
    }

    /**
     * The {@code nr} rows of group {@code g} dequantized into {@code tile[tileOff + k·cols ..]}, the same products as
     * {@link dev.llama4j.tensor.Dequant}; {@code ds} holds the group's {@link #scales}.
     */
    static void dequantize(Packed p, int g, int nr, float[] tile, int tileOff) {
        byte[] qs = p.qs();
        float[] ds = p.d();
        int nb = p.nb();
        int cols = p.cols();
        boolean q4 = p.type() == GgmlType.Q4_0;
        int qb = p.qb();
        int base = g * nb * Packed.G * qb;
        for (int b = 0; b < nb; b++) {
            for (int k = 0; k < nr; k++) {
                int o = base + (b * Packed.G + k) * qb;
                FloatVector d = FloatVector.broadcast(Vec.F, ds[(g * nb + b) * Packed.G + k]);
                int t = tileOff + k * cols + b * 32;
                if (q4) {
                    IntVector q = (IntVector) ByteVector.fromArray(B128, qs, o)
                            .convertShape(VectorOperators.B2I, Vec.I, 0);
                    ((FloatVector) q.and(0x0F).sub(8).convert(VectorOperators.I2F, 0)).mul(d).intoArray(tile, t);
                    ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).and(0x0F).sub(8).convert(VectorOperators.I2F, 0))
                            .mul(d).intoArray(tile, t + 16);
                } else {
                    ((FloatVector) ByteVector.fromArray(B128, qs, o)
                            .convertShape(VectorOperators.B2F, Vec.F, 0)).mul(d).intoArray(tile, t);
                    ((FloatVector) ByteVector.fromArray(B128, qs, o + 16)
                            .convertShape(VectorOperators.B2F, Vec.F, 0)).mul(d).intoArray(tile, t + 16);
                }
            }
        }
    }
}
