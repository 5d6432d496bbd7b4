package dev.llama4j.backend.cpu;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API constants and small kernels shared by the {@link VectorOps} code: the float species ({@link #L} lanes)
 * and the byte/short/int species with the same lane count, used to widen quantized data to float lanes. Written
 * once for any lane count; a block-dot that needs a lane count the hardware lacks falls back to {@link GenericDot}.
 *
 * <p>The float species is the hardware's preferred one, chosen once when this class loads; the system property
 * {@value #BITS_PROPERTY} ({@code 128}, {@code 256} or {@code 512}, at most the preferred width) picks a narrower
 * one, so that the paths other machines take (AVX2: 256 bits; NEON/SSE: 128) run and are tested here too. An
 * unusable value is logged once and ignored.
 */
final class Vec {
    private Vec() {}

    /** The system property that narrows the vectors: 128, 256 or 512 bits. */
    static final String BITS_PROPERTY = "llama4j.vectorBits";
    static final VectorSpecies<Float> F = floatSpecies(System.getProperty(BITS_PROPERTY));
    static final int L = F.length();
    /** Bytes with {@link #L} lanes, or {@code null} when no vector shape has {@code 8·L} bits. */
    static final VectorSpecies<Byte> B = species(byte.class, 8);
    /** Shorts with {@link #L} lanes, or {@code null}. */
    static final VectorSpecies<Short> S = species(short.class, 16);
    /** Ints with {@link #L} lanes (always exists: same shape as {@link #F}). */
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());

    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);

    /** The preferred float species, or the narrower one {@code bits} asks for. */
    static VectorSpecies<Float> floatSpecies(String bits) {
        VectorSpecies<Float> preferred = FloatVector.SPECIES_PREFERRED;
        if (bits == null || bits.isBlank()) {
            return preferred;
        }
        int n;
        try {
            n = Integer.parseInt(bits.trim());
        } catch (NumberFormatException e) {
            n = -1;
        }
        if ((n == 128 || n == 256 || n == 512) && n <= preferred.vectorBitSize()) {
            return VectorSpecies.of(float.class, VectorShape.forBitSize(n));
        }
        org.slf4j.LoggerFactory.getLogger(Vec.class).warn("-D{}={} ignored: use 128, 256 or 512, at most this CPU's {}"
                + " bits; vectors stay at {} bits", BITS_PROPERTY, bits, preferred.vectorBitSize(),
                preferred.vectorBitSize());
        return preferred;
    }

    private static <E> VectorSpecies<E> species(Class<E> type, int bits) {
        try {
            return VectorSpecies.of(type, VectorShape.forBitSize(L * bits));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * The sum of the lanes in lane order. Unlike {@code reduceLanes(ADD)}, whose float order differs between the
     * JIT intrinsic and the interpreter, this gives the same bits however the code is compiled, so results do
     * not depend on warm-up or on which thread ran a row.
     */
    static float sum(FloatVector v) {
        float[] a = new float[L];
        v.intoArray(a, 0);
        float s = 0.0f;
        for (int i = 0; i < L; i++) {
            s += a[i];
        }
        return s;
    }

    /** {@code Σ a[ao+i]·b[bo+i]} for {@code i < n}, vectorized with a scalar tail. */
    static float dot(float[] a, int ao, float[] b, int bo, int n) {
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        int i = 0;
        for (int end = n - 2 * L; i <= end; i += 2 * L) {
            acc0 = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), acc0);
            acc1 = FloatVector.fromArray(F, a, ao + i + L).fma(FloatVector.fromArray(F, b, bo + i + L), acc1);
        }
        if (i <= n - L) {
            acc0 = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), acc0);
            i += L;
        }
        float s = Vec.sum(acc0.add(acc1));
        for (; i < n; i++) {
            s += a[ao + i] * b[bo + i];
        }
        return s;
    }

    /** {@code y[yo+i] += a · x[xo+i]} for {@code i < n}, {@code x} being floats in a segment. */
    static void axpy(float a, java.lang.foreign.MemorySegment x, long xo, float[] y, int yo, int n) {
        FloatVector av = FloatVector.broadcast(F, a);
        int i = 0;
        for (int end = n - L; i <= end; i += L) {
            FloatVector.fromMemorySegment(F, x, 4L * (xo + i), LE).fma(av, FloatVector.fromArray(F, y, yo + i))
                    .intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] += a * x.getAtIndex(ValueLayout.JAVA_FLOAT, xo + i);
        }
    }

    /** {@code y[yo+i] += a · x[xo+i]} for {@code i < n}. */
    static void axpy(float a, float[] x, int xo, float[] y, int yo, int n) {
        FloatVector av = FloatVector.broadcast(F, a);
        int i = 0;
        for (int end = n - L; i <= end; i += L) {
            FloatVector.fromArray(F, x, xo + i).fma(av, FloatVector.fromArray(F, y, yo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] += a * x[xo + i];
        }
    }

    private static final float LOG2E = 1.44269504088896341f;
    /** ln 2 split in two (Cody–Waite): {@code LN2_HI} has few mantissa bits, so {@code n · LN2_HI} is exact. */
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    /** 1.5 · 2^23: adding it rounds a float to the nearest integer, which then sits in the low mantissa bits. */
    private static final float ROUND = 12582912.0f;
    /** Below this, {@link #expNonPositive} returns 0 (the true value is under 5e-38, a subnormal or zero). */
    static final float EXP_CUTOFF = -86.0f;

    /**
     * {@code e^x} for {@code x <= 0} lane by lane (softmax's argument), within a few ulp of {@link Math#exp}: range
     * reduction {@code x = n·ln2 + r}, a degree-6 polynomial for {@code e^r} (Cephes {@code expf}'s coefficients),
     * {@code 2^n} added to the exponent bits; 0 below {@link #EXP_CUTOFF}; NaN stays NaN. Only IEEE operations
     * ({@code fma}, add, multiply, bit moves), so the JIT and the interpreter give the same bits, and
     * {@link #expNonPositive(float)} gives them one lane at a time.
     */
    static FloatVector expNonPositive(FloatVector x) {
        FloatVector t = x.fma(LOG2E, ROUND);
        FloatVector n = t.sub(ROUND);
        FloatVector r = n.fma(FloatVector.broadcast(F, -LN2_HI), x);
        r = n.fma(FloatVector.broadcast(F, -LN2_LO), r);
        FloatVector p = r.fma(1.9875691500e-4f, 1.3981999507e-3f);
        p = p.fma(r, FloatVector.broadcast(F, 8.3334519073e-3f));
        p = p.fma(r, FloatVector.broadcast(F, 4.1665795894e-2f));
        p = p.fma(r, FloatVector.broadcast(F, 1.6666665459e-1f));
        p = p.fma(r, FloatVector.broadcast(F, 5.0000001201e-1f));
        FloatVector y = p.fma(r.mul(r), r).add(1.0f);
        IntVector shift = t.reinterpretAsInts().sub(Float.floatToRawIntBits(ROUND)).lanewise(VectorOperators.LSHL, 23);
        FloatVector e = y.reinterpretAsInts().add(shift).reinterpretAsFloats();
        e = e.blend(0.0f, x.compare(VectorOperators.LT, EXP_CUTOFF));
        return e.blend(x, x.test(VectorOperators.IS_NAN));
    }

    /** {@link #expNonPositive(FloatVector)} for one value: the same operations, the same bits. */
    static float expNonPositive(float x) {
        if (Float.isNaN(x)) {
            return x;
        }
        if (x < EXP_CUTOFF) {
            return 0.0f;
        }
        float t = Math.fma(x, LOG2E, ROUND);
        float n = t - ROUND;
        float r = Math.fma(n, -LN2_HI, x);
        r = Math.fma(n, -LN2_LO, r);
        float p = Math.fma(r, 1.9875691500e-4f, 1.3981999507e-3f);
        p = Math.fma(p, r, 8.3334519073e-3f);
        p = Math.fma(p, r, 4.1665795894e-2f);
        p = Math.fma(p, r, 1.6666665459e-1f);
        p = Math.fma(p, r, 5.0000001201e-1f);
        float y = Math.fma(p, r * r, r) + 1.0f;
        int shift = (Float.floatToRawIntBits(t) - Float.floatToRawIntBits(ROUND)) << 23;
        return Float.intBitsToFloat(Float.floatToRawIntBits(y) + shift);
    }

    /** Scale for the half-float widening below: 2^112 moves a half exponent to a float exponent. */
    private static final float TWO_112 = 0x1p112f;

    /**
     * Widens IEEE half floats (given as int lanes holding the 16 bits, upper bits ignored) to floats, exactly,
     * including zeros, subnormals, infinities and NaNs.
     */
    static FloatVector halfToFloat(IntVector h) {
        IntVector mag = h.and(0x7FFF).lanewise(VectorOperators.LSHL, 13);
        IntVector sign = h.and(0x8000).lanewise(VectorOperators.LSHL, 16);
        IntVector bits = mag.reinterpretAsFloats().mul(TWO_112).reinterpretAsInts();
        VectorMask<Integer> infNan = mag.compare(VectorOperators.GE, 0x1F << 23);
        bits = bits.blend(mag.or(0x7F800000), infNan);
        return bits.or(sign).reinterpretAsFloats();
    }

    /** Widens {@link #L} halves read at {@code off} to floats. Requires {@link #S}. */
    static FloatVector halves(java.lang.foreign.MemorySegment m, long off) {
        ShortVector s = ShortVector.fromMemorySegment(S, m, off, LE);
        return halfToFloat((IntVector) s.convertShape(VectorOperators.S2I, I, 0));
    }

    /**
     * {@link #L} signed bytes read at {@code off}, sign-extended to int lanes (bit twiddling on int lanes is
     * native on every vector ISA, unlike byte-lane shifts). Requires {@link #B}.
     */
    static IntVector bytes(java.lang.foreign.MemorySegment m, long off) {
        return (IntVector) ByteVector.fromMemorySegment(B, m, off, LE).convertShape(VectorOperators.B2I, I, 0);
    }

    /** Int lanes to float lanes. */
    static FloatVector toFloat(IntVector v) {
        return (FloatVector) v.convert(VectorOperators.I2F, 0);
    }

    /** Widens {@link #L} signed bytes read at {@code off} to floats. Requires {@link #B}. */
    static FloatVector int8(java.lang.foreign.MemorySegment m, long off) {
        return (FloatVector) ByteVector.fromMemorySegment(B, m, off, LE).convertShape(VectorOperators.B2F, F, 0);
    }
}
