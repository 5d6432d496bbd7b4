package dev.llama4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The spinning hand-off of {@link Workers}: every index is run exactly once per loop, over thousands of
 * back-to-back loops and after the workers have parked; a range's exception reaches the caller; loops started
 * from several threads at once, or from inside a range, still cover every index once.
 */
class WorkersTest {

    private static void assertOnce(AtomicIntegerArray hits, int expected) {
        for (int i = 0; i < hits.length(); i++) {
            assertEquals(expected, hits.get(i), "index " + i);
        }
    }

    @Test
    void everyIndexOnceOverManyLoopsAndAfterParking() throws Exception {
        try (Workers w = new Workers(3)) {
            AtomicIntegerArray hits = new AtomicIntegerArray(97);
            for (int loop = 0; loop < 5000; loop++) {
                w.forRange(97, 1, (a, b) -> {
                    for (int i = a; i < b; i++) {
                        hits.incrementAndGet(i);
                    }
                });
            }
            assertOnce(hits, 5000);
            Thread.sleep(3 * Workers.SPIN_NANOS / 1_000_000 + 20);
            w.forRange(97, 1, (a, b) -> {
                for (int i = a; i < b; i++) {
                    hits.incrementAndGet(i);
                }
            });
            assertOnce(hits, 5001);
        }
    }

    @Test
    void aRangesExceptionReachesTheCaller() {
        try (Workers w = new Workers(2)) {
            IllegalStateException boom = new IllegalStateException("boom");
            IllegalStateException got = assertThrows(IllegalStateException.class, () -> w.forRange(10, 1, (a, b) -> {
                if (a > 0) {
                    throw boom;
                }
            }));
            assertSame(boom, got);
            AtomicIntegerArray hits = new AtomicIntegerArray(10);
            w.forRange(10, 1, (a, b) -> {
                for (int i = a; i < b; i++) {
                    hits.incrementAndGet(i);
                }
            });
            assertOnce(hits, 1);
        }
    }

    @Test
    void concurrentAndNestedLoopsCoverEveryIndexOnce() throws Exception {
        try (Workers w = new Workers(2)) {
            AtomicIntegerArray hits = new AtomicIntegerArray(64 * 64);
            AtomicReference<Throwable> err = new AtomicReference<>();
            CountDownLatch go = new CountDownLatch(1);
            Thread[] callers = new Thread[3];
            for (int c = 0; c < callers.length; c++) {
                callers[c] = new Thread(() -> {
                    try {
                        go.await();
                        for (int loop = 0; loop < 200; loop++) {
                            w.forRange(64, 1, (a, b) -> {
                                for (int i = a; i < b; i++) {
                                    int row = i;
                                    w.forRange(64, 1, (x, y) -> {
                                        for (int j = x; j < y; j++) {
                                            hits.incrementAndGet(row * 64 + j);
                                        }
                                    });
                                }
                            });
                        }
                    } catch (Throwable t) {
                        err.compareAndSet(null, t);
                    }
                });
                callers[c].start();
            }
            go.countDown();
            for (Thread t : callers) {
                t.join();
            }
            assertEquals(null, err.get());
            assertOnce(hits, 600);
        }
    }
}
