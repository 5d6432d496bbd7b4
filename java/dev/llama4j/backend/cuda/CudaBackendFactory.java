package dev.llama4j.backend.cuda;

import dev.llama4j.backend.Backend;
import dev.llama4j.backend.Backends;
import dev.llama4j.backend.MemoryEstimate;
import dev.llama4j.backend.MemoryInfo;
import dev.llama4j.backend.ModelShape;
import dev.llama4j.backend.Workload;
import dev.llama4j.model.ModelFile;
import dev.llama4j.tensor.Tensor;

/**
 * What {@link Backends#select} asks about CUDA, reached by reflection so that nothing hard-links the CUDA classes:
 * whether this model can run on the GPU here (library, driver, device, tensor types, memory) and, if so, the
 * backend.
 */
public final class CudaBackendFactory {
    private CudaBackendFactory() {}

    /** Why {@code model} cannot run on CUDA here, or null when it can. */
    public static String unavailableReason(ModelFile model) {
        CudaAvailability a = CudaAvailability.check(0);
        if (!a.ok()) {
            return a.reason();
        }
        long bytes = 0;
        for (Tensor t : model.tensors()) {
            if (CudaKernels.l4j_type_supported(t.type().id()) == 0) {
                return "tensor '" + t.name() + "' has type " + t.type()
                        + ", which the CUDA backend lacks (it has F32, F16, BF16, Q4_0, Q8_0, Q4_K, Q6_K)";
            }
            bytes += t.data().byteSize();
        }
        long total = a.device().totalMemory();
        if (bytes > total) {
            return String.format("the model's weights (%d MiB) exceed the memory of %s (%d MiB)", bytes >> 20,
                    a.device().name(), total >> 20);
        }
        return null;
    }

    /**
     * What {@link CudaBackend} will hold on the device for {@code model} doing {@code work}: every tensor as
     * uploaded, an F16 KV cache per context, the activation buffers; against the device's memory (capped at
     * {@code limit} bytes when positive), or "unknown" without a device.
     */
    public static MemoryEstimate estimate(ModelShape model, Workload work, long limit) {
        long weights = 0;
        for (Tensor t : model.matrices()) {
            weights += t.data().byteSize();
        }
        for (Tensor t : model.tables()) {
            weights += t.data().byteSize();
        }
        long kvOne = 2L * 2 * model.nLayers() * work.contextLength() * model.kvDim();
        long batch = work.batch();
        long state = 4L * (batch * (5L * model.dim() + 2L * model.hiddenDim() + 2L * model.kvDim()) + model.dim()
                + model.vocabSize());
        CudaAvailability a = CudaAvailability.check(0);
        MemoryInfo available = a.ok() ? new MemoryInfo(a.device().totalMemory(), a.device().name())
                : new MemoryInfo(-1, a.reason());
        return new MemoryEstimate("cuda", weights, "as in the file", false, kvOne * work.contexts(),
                "F16, " + work.contextLength() + " positions × " + work.contexts() + " context"
                        + (work.contexts() == 1 ? "" : "s"),
                state * work.contexts(), 0, work.contextLength(),
                4L * model.nLayers() * model.kvDim() * work.contexts(), available.capped(limit, "--memory-limit"));
    }

    /** The CUDA backend on the first device. */
    public static Backend create(ModelFile model, Backends.Options options) {
        return CudaBackend.open(0);
    }
}
