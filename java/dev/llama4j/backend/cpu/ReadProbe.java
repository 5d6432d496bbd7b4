package dev.llama4j.backend.cpu;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Measures how fast the CPU streams a set of memory segments: the segments are cut into pieces (up to 1 MiB, at
 * least 8 per thread where the data allows), each thread sums its contiguous share of the pieces as 64-bit lanes
 * with the Vector API (four accumulators), and the best of a few timed runs gives bytes per second. A run reads the
 * data as many times as it takes to read at least 256 MiB, so small models are timed over more than thread start-up;
 * their weights then sit in the caches, and so does the roofline — as they do for decoding.
 */
final class ReadProbe {
    private static final VectorSpecies<Long> S = LongVector.SPECIES_PREFERRED;
    private static final long MAX_PIECE = 1 << 20;
    private static final long MIN_PIECE = 4096;
    private static final long MIN_RUN_BYTES = 256L << 20;

    private ReadProbe() {}

    private record Piece(MemorySegment seg, long off, long len) {}

    /** The best bytes/s of {@code runs} passes over {@code segs} on {@code workers}. */
    static double bytesPerSecond(List<MemorySegment> segs, Workers workers, int runs) {
        long total = segs.stream().mapToLong(MemorySegment::byteSize).sum();
        if (total == 0) {
            return 0;
        }
        long piece = Math.clamp(total / (8L * workers.threads()), MIN_PIECE, MAX_PIECE);
        List<Piece> pieces = new ArrayList<>();
        for (MemorySegment s : segs) {
            for (long off = 0; off < s.byteSize(); off += piece) {
                pieces.add(new Piece(s, off, Math.min(piece, s.byteSize() - off)));
            }
        }
        int passes = (int) Math.min(1 << 20, (MIN_RUN_BYTES + total - 1) / total);
        LongAdder sink = new LongAdder();
        double best = 0;
        for (int r = 0; r < runs; r++) {
            long t0 = System.nanoTime();
            workers.forRange(pieces.size(), 1, (from, to) -> {
                long acc = 0;
                for (int k = 0; k < passes; k++) {
                    for (int i = from; i < to; i++) {
                        Piece p = pieces.get(i);
                        acc += sum(p.seg, p.off, p.len);
                    }
                }
                sink.add(acc);
            });
            long dt = System.nanoTime() - t0;
            best = Math.max(best, (double) total * passes / (dt / 1e9));
        }
        return best;
    }

    /** Sum of the 64-bit little-endian words of {@code [off, off+len)}, the tail byte by byte. */
    static long sum(MemorySegment s, long off, long len) {
        int step = S.vectorByteSize();
        long end = off + len;
        LongVector a0 = LongVector.zero(S);
        LongVector a1 = a0;
        LongVector a2 = a0;
        LongVector a3 = a0;
        long i = off;
        for (; i + 4L * step <= end; i += 4L * step) {
            a0 = a0.add(LongVector.fromMemorySegment(S, s, i, ByteOrder.LITTLE_ENDIAN));
            a1 = a1.add(LongVector.fromMemorySegment(S, s, i + step, ByteOrder.LITTLE_ENDIAN));
            a2 = a2.add(LongVector.fromMemorySegment(S, s, i + 2L * step, ByteOrder.LITTLE_ENDIAN));
            a3 = a3.add(LongVector.fromMemorySegment(S, s, i + 3L * step, ByteOrder.LITTLE_ENDIAN));
        }
        long acc = a0.add(a1).add(a2).add(a3).reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
        for (; i < end; i++) {
            acc += s.get(java.lang.foreign.ValueLayout.JAVA_BYTE, i);
        }
        return acc;
    }
}
