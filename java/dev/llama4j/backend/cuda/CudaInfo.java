package dev.llama4j.backend.cuda;

/** Prints whether CUDA is usable here and the device properties (used by the GPU bundle's runner). */
public final class CudaInfo {
    private CudaInfo() {}

    public static void main(String[] args) {
        CudaAvailability a = CudaAvailability.check(0);
        if (!a.ok()) {
            System.out.println("CUDA: skipped: " + a.reason());
            return;
        }
        System.out.println("CUDA runtime of the kernels: " + CudaKernels.l4j_runtime_version());
        for (CudaDevice d : CudaDevice.discover()) {
            System.out.println("device " + d.ordinal() + ": " + d.describe());
        }
        try (CudaBackend b = CudaBackend.open(0)) {
            long[] mem = DeviceMemory.info();
            System.out.printf("backend: %s; free %d MiB of %d MiB%n", b.description(), mem[0] >> 20, mem[1] >> 20);
        }
    }
}
