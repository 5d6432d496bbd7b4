package dev.llama4j.backend.cuda;

import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR;
import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR;
import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import jcuda.driver.CUdevice;
import jcuda.driver.JCudaDriver;

/**
 * A CUDA device as the driver reports it. {@link #discover()} needs an initialized driver (see
 * {@link CudaAvailability#check}).
 *
 * @param ordinal device number
 * @param name product name
 * @param major compute capability major
 * @param minor compute capability minor
 * @param totalMemory bytes of device memory
 * @param multiprocessors SM count
 */
public record CudaDevice(int ordinal, String name, int major, int minor, long totalMemory, int multiprocessors) {

    /** Devices the driver sees, in ordinal order. */
    public static List<CudaDevice> discover() {
        int[] count = {0};
        Cu.check(JCudaDriver.cuDeviceGetCount(count), "cuDeviceGetCount");
        List<CudaDevice> out = new ArrayList<>();
        for (int i = 0; i < count[0]; i++) {
            out.add(of(i));
        }
        return out;
    }

    /** The device with this ordinal. */
    public static CudaDevice of(int ordinal) {
        CUdevice dev = handle(ordinal);
        byte[] name = new byte[256];
        Cu.check(JCudaDriver.cuDeviceGetName(name, name.length, dev), "cuDeviceGetName");
        int n = 0;
        while (n < name.length && name[n] != 0) {
            n++;
        }
        long[] mem = {0};
        Cu.check(JCudaDriver.cuDeviceTotalMem(mem, dev), "cuDeviceTotalMem");
        return new CudaDevice(
                ordinal,
                new String(name, 0, n, StandardCharsets.UTF_8),
                attribute(dev, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR),
                attribute(dev, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR),
                mem[0],
                attribute(dev, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT));
    }

    static CUdevice handle(int ordinal) {
        CUdevice dev = new CUdevice();
        Cu.check(JCudaDriver.cuDeviceGet(dev, ordinal), "cuDeviceGet");
        return dev;
    }

    private static int attribute(CUdevice dev, int attr) {
        int[] v = {0};
        Cu.check(JCudaDriver.cuDeviceGetAttribute(v, attr, dev), "cuDeviceGetAttribute");
        return v[0];
    }

    /** e.g. {@code NVIDIA H100 80GB HBM3 (sm_90, 132 SMs, 79.1 GiB)}. */
    public String describe() {
        return String.format(
                "%s (sm_%d%d, %d SMs, %.1f GiB)", name, major, minor, multiprocessors, totalMemory / (double) (1L << 30));
    }
}
