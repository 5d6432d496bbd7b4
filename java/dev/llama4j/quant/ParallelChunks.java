package dev.llama4j.quant;

import dev.llama4j.gguf.GgufWriter;
import java.nio.ByteBuffer;
import java.util.function.LongConsumer;
import java.util.stream.IntStream;

/**
 * A tensor's data made in chunks of whole rows (about {@link #CHUNK} weights each): as many chunks as there are
 * processors are made in parallel, then written in order, so memory stays at a few chunks whatever the tensor size
 * and the bytes do not depend on the number of threads.
 */
public final class ParallelChunks {
    private ParallelChunks() {}

    /** Weights per chunk, about (whole rows; at least one row). */
    public static final int CHUNK = 1 << 20;

    /** Makes the bytes of {@code nRows} rows from {@code firstRow}; {@code chunk} numbers the chunk from 0. */
    @FunctionalInterface
    public interface Maker {
        ByteBuffer make(long firstRow, int nRows, int chunk);
    }

    /** Rows per chunk for rows of {@code cols} weights. */
    public static int rowsPerChunk(long cols) {
        return (int) Math.max(1, CHUNK / cols);
    }

    /**
     * A source writing {@code rows} rows of {@code cols} weights made by {@code maker}; {@code written} hears the
     * bytes written after each group of chunks.
     */
    public static GgufWriter.TensorSource source(long rows, long cols, Maker maker, LongConsumer written) {
        return ch -> {
            int par = Math.max(1, Runtime.getRuntime().availableProcessors());
            int perChunk = rowsPerChunk(cols);
            long chunks = (rows + perChunk - 1) / perChunk;
            for (long c0 = 0; c0 < chunks; c0 += par) {
                int n = (int) Math.min(par, chunks - c0);
                long first = c0;
                ByteBuffer[] out = new ByteBuffer[n];
                IntStream.range(0, n).parallel().forEach(k -> {
                    long r0 = (first + k) * perChunk;
                    out[k] = maker.make(r0, (int) Math.min(perChunk, rows - r0), (int) (first + k));
                });
                long bytes = 0;
                for (ByteBuffer b : out) {
                    bytes += b.remaining();
                    while (b.hasRemaining()) {
                        ch.write(b);
                    }
                }
                written.accept(bytes);
            }
        };
    }
}
