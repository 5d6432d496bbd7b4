package dev.llama4j.gguf;

import java.util.AbstractList;
import java.util.RandomAccess;

/**
 * Unmodifiable list views over primitive arrays: a numeric GGUF array (token scores, token types) is held in
 * 4 or 8 bytes per element, boxed only when read.
 */
final class PrimitiveList {
    private PrimitiveList() {}

    /** A list that knows the GGUF element type it was read as. */
    abstract static class Typed<E> extends AbstractList<E> implements RandomAccess {
        final GgufValueType elementType;

        Typed(GgufValueType elementType) {
            this.elementType = elementType;
        }
    }

    static final class Objects extends Typed<Object> {
        final Object[] a;

        Objects(GgufValueType t, Object[] a) {
            super(t);
            this.a = a;
        }

        @Override
        public Object get(int i) {
            return a[i];
        }

        @Override
        public int size() {
            return a.length;
        }
    }

    static final class Ints extends Typed<Integer> {
        final int[] a;

        Ints(GgufValueType t, int[] a) {
            super(t);
            this.a = a;
        }

        @Override
        public Integer get(int i) {
            return a[i];
        }

        @Override
        public int size() {
            return a.length;
        }
    }

    static final class Longs extends Typed<Long> {
        final long[] a;

        Longs(GgufValueType t, long[] a) {
            super(t);
            this.a = a;
        }

        @Override
        public Long get(int i) {
            return a[i];
        }

        @Override
        public int size() {
            return a.length;
        }
    }

    static final class Floats extends Typed<Float> {
        final float[] a;

        Floats(GgufValueType t, float[] a) {
            super(t);
            this.a = a;
        }

        @Override
        public Float get(int i) {
            return a[i];
        }

        @Override
        public int size() {
            return a.length;
        }
    }

    static final class Doubles extends Typed<Double> {
        final double[] a;

        Doubles(GgufValueType t, double[] a) {
            super(t);
            this.a = a;
        }

        @Override
        public Double get(int i) {
            return a[i];
        }

        @Override
        public int size() {
            return a.length;
        }
    }

    static final class Bools extends Typed<Boolean> {
        final boolean[] a;

        Bools(GgufValueType t, boolean[] a) {
            super(t);
            this.a = a;
        }

        @Override
        public Boolean get(int i) {
            return a[i];
        }

        @Override
        public int size() {
            return a.length;
        }
    }
}
