package dev.llama4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link OffHeap}: alignment, zeroed memory, slab packing, and memory that ends with its arena. */
class OffHeapTest {
    private static boolean allZero(MemorySegment m) {
        for (long o = 0; o < m.byteSize(); o += 4093) {
            if (m.get(ValueLayout.JAVA_BYTE, o) != 0) {
                return false;
            }
        }
        return m.get(ValueLayout.JAVA_BYTE, m.byteSize() - 1) == 0;
    }

    @Test
    void largeAllocationsAreHugePageAlignedZeroedAndEndWithTheArena() {
        MemorySegment big;
        try (Arena arena = Arena.ofShared()) {
            big = OffHeap.allocate(arena, (5L << 20) + 123, "test");
            assertEquals((5L << 20) + 123, big.byteSize());
            if (OffHeap.mapsPages()) {
                assertEquals(0, big.address() % OffHeap.HUGE_PAGE, "2 MiB aligned");
            }
            assertTrue(allZero(big));
            big.set(ValueLayout.JAVA_LONG, 8, 42L);
            assertEquals(42L, big.get(ValueLayout.JAVA_LONG, 8));
        }
        MemorySegment closed = big;
        assertThrows(IllegalStateException.class, () -> closed.get(ValueLayout.JAVA_BYTE, 0));
    }

    @Test
    void slabsPackSmallAllocationsAlignedAndApart() {
        List<MemorySegment> all = new ArrayList<>();
        try (OffHeap.SlabArena slabs = new OffHeap.SlabArena()) {
            long[] sizes = {1, 100, 4096, 3 << 20, 17, OffHeap.SlabArena.SLAB_BYTES / 4, 1 << 20};
            for (int round = 0; round < 30; round++) {
                for (long n : sizes) {
                    MemorySegment m = OffHeap.allocate(slabs, n, "test");
                    assertEquals(n, m.byteSize());
                    assertEquals(0, m.address() % 64, "64-byte aligned");
                    assertTrue(allZero(m));
                    m.fill((byte) 7);
                    all.add(m);
                }
            }
            // Filled segments never overlap: every byte written is still 7 (a later overlap would have re-filled it,
            // so check the ends, and that no two ranges intersect).
            all.sort((a, b) -> Long.compare(a.address(), b.address()));
            for (int i = 1; i < all.size(); i++) {
                MemorySegment p = all.get(i - 1);
                assertTrue(p.address() + p.byteSize() <= all.get(i).address(), "overlap at " + i);
            }
            MemorySegment viaArena = slabs.allocate(10, 16);
            assertEquals(10, viaArena.byteSize());
            assertThrows(IllegalArgumentException.class, () -> slabs.allocate(10, 4096));
        }
        assertFalse(all.get(0).scope().isAlive());
    }
}
