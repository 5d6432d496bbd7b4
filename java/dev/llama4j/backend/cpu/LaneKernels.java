package dev.llama4j.backend.cpu;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The integer mat-vec of {@link LanePacked} Q4_0 weights against {@link Q8Activations}.
 *
 * <p>Mat-vec, per group of 32 rows and block of 32 columns: each of the 16 quant bytes is one widening load of the
 * 32 rows' nibble pairs into short lanes; the low nibbles times the broadcast {@code xq[p]} and the high ones times
 * {@code xq[p + 16]} accumulate in two short vectors (each sums 16 products of at most 15 · 127, so no overflow).
 * At the block's end the lanes widen to int, {@code t = (Σ − sx8) · dx} in float (the integer part is exact), and
 * {@code acc = t · d + acc} with the rows' block scales {@code d} (widened a group at a time, outside the loop).
 * The float operations of a row are thus exactly those of {@link ScalarOps#matVecQ8}, whatever the lane or thread
 * a row falls in.
 */
final class LaneKernels {
    private LaneKernels() {}

    private static final VectorSpecies<Byte> B256 = ByteVector.SPECIES_256;
    private static final VectorSpecies<Short> S512 = ShortVector.SPECIES_512;
    private static final int R = LanePacked.R;

    /** {@code out[r] = row r · x} for the rows of groups {@code [g0, g1)}, {@code x} given as {@code a}. */
    static void matVec(LanePacked w, int g0, int g1, Q8Activations a, float[] out, float[] ds) {
        byte[] qs = w.qs();
        short[] d = w.d();
        short[] xq = a.xq();
        float[] dx = a.dx();
        float[] sx8 = a.sx8();
        int nb = w.nb();
        for (int g = g0; g < g1; g++) {
            PackedKernels.halves(d, g * nb * R, nb * R, ds);
            FloatVector f0 = FloatVector.zero(Vec.F);
            FloatVector f1 = FloatVector.zero(Vec.F);
            int o = g * nb * 16 * R;
            for (int b = 0, so = 0; b < nb; b++, so += R) {
                ShortVector lo = ShortVector.zero(S512);
                ShortVector hi = ShortVector.zero(S512);
                int xb = b * 32;
                for (int p = 0; p < 16; p++, o += R) {
                    ShortVector q = (ShortVector) ByteVector.fromArray(B256, qs, o)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S512, 0);
                    lo = q.and((short) 0x0F).mul(xq[xb + p]).add(lo);
                    hi = q.lanewise(VectorOperators.LSHR, 4).mul(xq[xb + p + 16]).add(hi);
                }
                IntVector i0 = ((IntVector) lo.convertShape(VectorOperators.S2I, Vec.I, 0))
                        .add((IntVector) hi.convertShape(VectorOperators.S2I, Vec.I, 0));
                IntVector i1 = ((IntVector) lo.convertShape(VectorOperators.S2I, Vec.I, 1))
                        .add((IntVector) hi.convertShape(VectorOperators.S2I, Vec.I, 1));
                FloatVector t0 = ((FloatVector) i0.convert(VectorOperators.I2F, 0)).sub(sx8[b]).mul(dx[b]);
                FloatVector t1 = ((FloatVector) i1.convert(VectorOperators.I2F, 0)).sub(sx8[b]).mul(dx[b]);
                f0 = t0.fma(FloatVector.fromArray(Vec.F, ds, so), f0);
                f1 = t1.fma(FloatVector.fromArray(Vec.F, ds, so + 16), f1);
            }
            int r = g * R;
            if (r + R <= w.rows()) {
                f0.intoArray(out, r);
                f1.intoArray(out, r + 16);
            } else {
                float[] tail = new float[R];
                f0.intoArray(tail, 0);
                f1.intoArray(tail, 16);
                System.arraycopy(tail, 0, out, r, w.rows() - r);
            }
        }
    }

    /**
     * Group {@code g} dequantized column by column into {@code tileT[c·32 + k]} (row {@code k} of the group, the
     * {@link Tiles} panel layout; padding rows are zero): the products {@code (q − 8) · d} of
     * {@link dev.llama4j.tensor.Dequant}, the same bits. {@code ds} is scratch for the group's scales.
     */
    static void dequantize(LanePacked w, int g, float[] ds, float[] tileT) {
        byte[] qs = w.qs();
        int nb = w.nb();
        PackedKernels.halves(w.d(), g * nb * R, nb * R, ds);
        int o = g * nb * 16 * R;
        for (int b = 0; b < nb; b++) {
            FloatVector d0 = FloatVector.fromArray(Vec.F, ds, b * R);
            FloatVector d1 = FloatVector.fromArray(Vec.F, ds, b * R + 16);
            for (int p = 0; p < 16; p++, o += R) {
                IntVector q0 = (IntVector) ByteVector.fromArray(ByteVector.SPECIES_128, qs, o)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, Vec.I, 0);
                IntVector q1 = (IntVector) ByteVector.fromArray(ByteVector.SPECIES_128, qs, o + 16)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, Vec.I, 0);
                int lo = (b * 32 + p) * R;
                int hi = lo + 16 * R;
                ((FloatVector) q0.and(0x0F).sub(8).convert(VectorOperators.I2F, 0)).mul(d0).intoArray(tileT, lo);
                ((FloatVector) q1.and(0x0F).sub(8).convert(VectorOperators.I2F, 0)).mul(d1).intoArray(tileT, lo + 16);
                ((FloatVector) q0.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0)).mul(d0)
                        .intoArray(tileT, hi);
                ((FloatVector) q1.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0)).mul(d1)
                        .intoArray(tileT, hi + 16);
            }
        }
    }
}
