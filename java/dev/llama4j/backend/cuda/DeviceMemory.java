package dev.llama4j.backend.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import jcuda.Pointer;
import jcuda.driver.JCudaDriver;

/** Device allocations of one backend (freed together) and host-device copies, on the JCuda driver API. */
final class DeviceMemory implements AutoCloseable {
    private static final long COPY_CHUNK = 1L << 30;
    private final List<DevicePointer> owned = new ArrayList<>();

    /** Free and total bytes of the current device. */
    static long[] info() {
        long[] free = {0};
        long[] total = {0};
        Cu.check(JCudaDriver.cuMemGetInfo(free, total), "cuMemGetInfo");
        return new long[] {free[0], total[0]};
    }

    /** A zeroed allocation of {@code bytes} (at least 1). */
    DevicePointer alloc(long bytes) {
        DevicePointer p = new DevicePointer(Math.max(bytes, 1));
        Cu.check(JCudaDriver.cuMemAlloc(p, p.bytes()), "cuMemAlloc(" + p.bytes() + " bytes)");
        owned.add(p);
        Cu.check(JCudaDriver.cuMemsetD8(p, (byte) 0, p.bytes()), "cuMemsetD8");
        return p;
    }

    void free(DevicePointer p) {
        if (owned.remove(p)) {
            Cu.check(JCudaDriver.cuMemFree(p), "cuMemFree");
        }
    }

    /** Copies host bytes to {@code dst} (synchronously, in chunks; any segment, mapped or heap). */
    static void upload(DevicePointer dst, MemorySegment src) {
        long size = src.byteSize();
        for (long off = 0; off < size; off += COPY_CHUNK) {
            long n = Math.min(COPY_CHUNK, size - off);
            MemorySegment part = src.asSlice(off, n);
            if (part.isNative()) {
                ByteBuffer bb = part.asByteBuffer();
                Cu.check(JCudaDriver.cuMemcpyHtoD(dst.withByteOffset(off), Pointer.to(bb), n), "cuMemcpyHtoD");
            } else {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment tmp = arena.allocate(n, 256);
                    tmp.copyFrom(part);
                    Cu.check(JCudaDriver.cuMemcpyHtoD(dst.withByteOffset(off), Pointer.to(tmp.asByteBuffer()), n),
                            "cuMemcpyHtoD");
                }
            }
        }
    }

    @Override
    public void close() {
        for (DevicePointer p : owned) {
            JCudaDriver.cuMemFree(p);
        }
        owned.clear();
    }
}
