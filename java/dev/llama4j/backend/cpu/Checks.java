package dev.llama4j.backend.cpu;

import dev.llama4j.Llama4jException;
import dev.llama4j.tensor.Tensor;

/** Argument checks shared by the {@link CpuOps} implementations; each error names the tensor or array. */
final class Checks {
    private Checks() {}

    /** Checks a matmul and returns {@code {rows, cols}}. */
    static int[] matmul(float[] out, Tensor w, float[] x, int nTokens) {
        long[] ne = w.ne();
        if (ne.length < 1 || ne.length > 2 && w.rows() != ne[1]) {
            throw new Llama4jException("matmul: tensor " + w.name() + " has shape " + w
                    + "; a matrix [cols, rows] is required");
        }
        long cols = w.cols();
        long rows = w.rows();
        if (cols > Integer.MAX_VALUE || rows > Integer.MAX_VALUE) {
            throw new Llama4jException("matmul: tensor " + w + " is too large (rows and cols must fit an int)");
        }
        if (cols % w.type().blockSize() != 0) {
            throw new Llama4jException("matmul: tensor " + w + " has rows of " + cols
                    + " weights, not a multiple of the " + w.type() + " block size " + w.type().blockSize());
        }
        if (nTokens < 1) {
            throw new Llama4jException("matmul: nTokens must be >= 1, got " + nTokens);
        }
        if ((long) nTokens * cols > x.length) {
            throw new Llama4jException("matmul " + w.name() + ": input has " + x.length + " floats, "
                    + nTokens + " tokens × " + cols + " cols needed");
        }
        if ((long) nTokens * rows > out.length) {
            throw new Llama4jException("matmul " + w.name() + ": output has " + out.length + " floats, "
                    + nTokens + " tokens × " + rows + " rows needed");
        }
        if (w.data().byteSize() < rows * w.rowBytes()) {
            throw new Llama4jException("matmul: tensor " + w + " has " + w.data().byteSize() + " bytes of data, "
                    + rows * w.rowBytes() + " needed");
        }
        return new int[] {(int) rows, (int) cols};
    }

    static void length(String op, String what, float[] a, long needed) {
        if (a.length < needed) {
            throw new Llama4jException(op + ": " + what + " has " + a.length + " floats, " + needed + " needed");
        }
    }

    static void embed(float[] out, Tensor table, int[] tokens, int dim) {
        if (table.cols() != dim) {
            throw new Llama4jException("embed: table " + table + " has rows of " + table.cols() + ", dim is " + dim);
        }
        length("embed", "out", out, (long) tokens.length * dim);
        long vocab = table.rows();
        for (int t : tokens) {
            if (t < 0 || t >= vocab) {
                throw new Llama4jException("embed: token id " + t + " is outside the vocabulary 0.." + (vocab - 1)
                        + " of " + table.name());
            }
        }
    }

    static void rope(float[] v, int nTokens, int width, int headSize, int ropeDim) {
        if (headSize <= 0 || width % headSize != 0) {
            throw new Llama4jException("rope: width " + width + " is not a multiple of the head size " + headSize);
        }
        if (ropeDim < 0 || ropeDim > headSize || ropeDim % 2 != 0) {
            throw new Llama4jException("rope: rotary dimension count " + ropeDim
                    + " must be even and at most the head size " + headSize);
        }
        length("rope", "v", v, (long) nTokens * width);
    }

    static void attention(float[] out, float[] q, KvCache cache, int layer, int nTokens, int startPos,
                          int nHeads, int nKvHeads, int headSize) {
        if (nKvHeads <= 0 || nHeads % nKvHeads != 0) {
            throw new Llama4jException("attention: " + nHeads + " heads is not a multiple of " + nKvHeads
                    + " KV heads");
        }
        if (nKvHeads * headSize != cache.kvDim()) {
            throw new Llama4jException("attention: " + nKvHeads + " KV heads × head size " + headSize
                    + " != cache kvDim " + cache.kvDim());
        }
        cache.checkPosition(startPos);
        cache.checkPosition(startPos + nTokens - 1);
        long dim = (long) nHeads * headSize;
        length("attention", "q", q, nTokens * dim);
        length("attention", "out", out, nTokens * dim);
    }
}
