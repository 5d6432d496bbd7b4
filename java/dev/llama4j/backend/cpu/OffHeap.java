package dev.llama4j.backend.cpu;

import dev.llama4j.Llama4jException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;
import java.util.Optional;

/**
 * Off-heap memory for what the CPU backend holds for a model's lifetime: repacked weights and KV caches. Off the
 * Java heap, so no model size needs {@code -Xmx}, and the memory is returned to the OS when its arena closes.
 *
 * <p>On Linux each allocation is its own anonymous {@code mmap}: pages are zero-filled lazily by the kernel (no
 * extra pass to clear them), and a region of 2 MiB or more starts on a 2 MiB boundary and is marked
 * {@code MADV_HUGEPAGE}, so that where transparent huge pages are offered (the {@code always} or {@code madvise}
 * modes) the kernel backs it with huge pages: a decode step streams gigabytes through these pages and 4 KiB pages
 * cost a TLB miss per page. The length is not rounded up to a huge page, so at most the tail's 4 KiB pages are
 * added. Elsewhere (or when the C library cannot be reached) memory comes from the arena itself, 4 KiB aligned.
 */
final class OffHeap {
    private OffHeap() {}

    static final long HUGE_PAGE = 2L << 20;
    private static final long PAGE = 4096;
    private static final int PROT_READ_WRITE = 0x1 | 0x2;
    private static final int MAP_PRIVATE_ANONYMOUS = 0x02 | 0x20;
    private static final int MADV_HUGEPAGE = 14;
    private static final Libc LIBC = Libc.load().orElse(null);

    /** Whether allocations are anonymous mappings with the huge-page advice (Linux), rather than arena memory. */
    static boolean mapsPages() {
        return LIBC != null;
    }

    /**
     * {@code bytes} of zeroed memory, at least 64-byte aligned, freed when {@code arena} closes.
     *
     * @param what what the memory is for, named in the error if the OS refuses it
     */
    static MemorySegment allocate(Arena arena, long bytes, String what) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("allocation of " + bytes + " bytes for " + what);
        }
        if (arena instanceof SlabArena slabs) {
            return slabs.allocate(bytes, what);
        }
        if (LIBC == null) {
            return arena.allocate(bytes, PAGE);
        }
        long len = roundUp(bytes, PAGE);
        boolean huge = len >= HUGE_PAGE;
        long mapped = huge ? len + HUGE_PAGE : len;
        long base = LIBC.mmap(mapped);
        if (base == -1L || base == 0L) {
            throw new Llama4jException(String.format(Locale.ROOT,
                    "the OS refused %.1f MiB of memory for %s (mmap failed): not enough memory", bytes / 1048576.0,
                    what));
        }
        long start = base;
        if (huge) {
            // Trim the mapping to a 2 MiB-aligned start; the slack before and after goes back at once.
            start = roundUp(base, HUGE_PAGE);
            if (start > base) {
                LIBC.munmap(base, start - base);
            }
            long end = start + len;
            if (base + mapped > end) {
                LIBC.munmap(end, base + mapped - end);
            }
            LIBC.madviseHugePages(start, len);
        }
        long address = start;
        return MemorySegment.ofAddress(address).reinterpret(bytes, arena, s -> LIBC.munmap(address, len));
    }

    /**
     * An arena whose allocations are packed into large mappings ({@value #SLAB_BYTES} bytes each, from
     * {@link #allocate(Arena, long, String)}), so that small repacked tensors and scale arrays sit on huge pages too
     * instead of each having a mapping of its own whose 4 KiB tail and any mapping under 2 MiB get no huge page; an
     * allocation of a quarter slab or more still gets its own mapping. Allocations are 64-byte aligned and zeroed;
     * everything is returned when the arena closes. Allocation is synchronized; the segments may be used from any
     * thread.
     */
    static final class SlabArena implements Arena {
        static final long SLAB_BYTES = 64L << 20;
        private static final long ALIGN = 64;
        private final Arena inner = Arena.ofShared();
        private MemorySegment slab;
        private long used;

        @Override
        public MemorySegment allocate(long bytes, long alignment) {
            if (alignment > ALIGN || Long.bitCount(alignment) != 1) {
                throw new IllegalArgumentException("alignment " + alignment + " (at most " + ALIGN + ")");
            }
            return bytes == 0 ? MemorySegment.NULL.reinterpret(0) : allocate(bytes, "memory");
        }

        synchronized MemorySegment allocate(long bytes, String what) {
            if (bytes >= SLAB_BYTES / 4) {
                return OffHeap.allocate(inner, bytes, what);
            }
            long at = roundUp(used, ALIGN);
            if (slab == null || at + bytes > slab.byteSize()) {
                slab = OffHeap.allocate(inner, SLAB_BYTES, what);
                at = 0;
            }
            used = at + bytes;
            return slab.asSlice(at, bytes);
        }

        @Override
        public MemorySegment.Scope scope() {
            return inner.scope();
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    private static long roundUp(long v, long to) {
        return (v + to - 1) / to * to;
    }

    /** The three libc calls, bound once; absent off Linux. */
    private record Libc(MethodHandle mmap, MethodHandle munmap, MethodHandle madvise) {
        static Optional<Libc> load() {
            if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
                return Optional.empty();
            }
            try {
                Linker linker = Linker.nativeLinker();
                var lookup = linker.defaultLookup();
                MethodHandle mmap = linker.downcallHandle(lookup.find("mmap").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                                ValueLayout.JAVA_LONG));
                MethodHandle munmap = linker.downcallHandle(lookup.find("munmap").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
                MethodHandle madvise = linker.downcallHandle(lookup.find("madvise").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                                ValueLayout.JAVA_INT));
                return Optional.of(new Libc(mmap, munmap, madvise));
            } catch (RuntimeException | Error e) {
                // No native access (or no such symbols): arena memory instead.
                return Optional.empty();
            }
        }

        long mmap(long len) {
            try {
                return (long) mmap.invokeExact(0L, len, PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS, -1, 0L);
            } catch (Throwable t) {
                throw new IllegalStateException("mmap", t);
            }
        }

        void munmap(long address, long len) {
            try {
                int rc = (int) munmap.invokeExact(address, len);
                if (rc != 0) {
                    throw new IllegalStateException("munmap(" + address + ", " + len + ") returned " + rc);
                }
            } catch (RuntimeException e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException("munmap", t);
            }
        }

        /** Advice only: a kernel without transparent huge pages refuses it, which changes nothing else. */
        void madviseHugePages(long address, long len) {
            try {
                int ignored = (int) madvise.invokeExact(address, len, MADV_HUGEPAGE);
            } catch (Throwable t) {
                throw new IllegalStateException("madvise", t);
            }
        }
    }
}
