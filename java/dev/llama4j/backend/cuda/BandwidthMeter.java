package dev.llama4j.backend.cuda;

import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.JCudaDriver;

/** Times device-to-device copies: the memory bandwidth roofline of batch-1 decoding (see CudaBackend). */
final class BandwidthMeter {
    private static final long MAX_BYTES = 1L << 30;
    private static final int RUNS = 5;

    private BandwidthMeter() {}

    /**
     * Best of {@value #RUNS} timed copies of one buffer into another (1 GiB each, less where memory is short), after
     * one untimed copy; bytes read plus bytes written per second.
     */
    static double copy(CudaStream stream, DeviceMemory mem) {
        long free = DeviceMemory.info()[0];
        long bytes = Math.min(MAX_BYTES, Math.max(free - CudaBackend.RESERVE, 0) / 2) & ~((1L << 20) - 1);
        if (bytes < (16L << 20)) {
            throw new dev.llama4j.Llama4jException("too little free device memory to measure bandwidth ("
                    + (free >> 20) + " MiB free)");
        }
        DevicePointer a = mem.alloc(bytes);
        DevicePointer b = mem.alloc(bytes);
        CUevent start = new CUevent();
        CUevent stop = new CUevent();
        Cu.check(JCudaDriver.cuEventCreate(start, CUevent_flags.CU_EVENT_DEFAULT), "cuEventCreate");
        Cu.check(JCudaDriver.cuEventCreate(stop, CUevent_flags.CU_EVENT_DEFAULT), "cuEventCreate");
        try {
            Cu.check(JCudaDriver.cuMemcpyDtoDAsync(b, a, bytes, stream), "cuMemcpyDtoDAsync");
            float best = Float.MAX_VALUE;
            float[] ms = {0};
            for (int i = 0; i < RUNS; i++) {
                Cu.check(JCudaDriver.cuEventRecord(start, stream), "cuEventRecord");
                Cu.check(JCudaDriver.cuMemcpyDtoDAsync(i % 2 == 0 ? a : b, i % 2 == 0 ? b : a, bytes, stream),
                        "cuMemcpyDtoDAsync");
                Cu.check(JCudaDriver.cuEventRecord(stop, stream), "cuEventRecord");
                Cu.check(JCudaDriver.cuEventSynchronize(stop), "cuEventSynchronize");
                Cu.check(JCudaDriver.cuEventElapsedTime(ms, start, stop), "cuEventElapsedTime");
                best = Math.min(best, ms[0]);
            }
            return 2.0 * bytes / (best / 1e3);
        } finally {
            JCudaDriver.cuEventDestroy(start);
            JCudaDriver.cuEventDestroy(stop);
            mem.free(a);
            mem.free(b);
        }
    }
}
