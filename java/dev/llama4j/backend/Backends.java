package dev.llama4j.backend;

import dev.llama4j.Llama4jException;
import dev.llama4j.backend.cpu.CpuBackend;
import dev.llama4j.backend.cpu.CpuMemory;
import dev.llama4j.model.Config;
import dev.llama4j.model.ModelFile;
import dev.llama4j.model.TensorNames;
import dev.llama4j.tensor.Tensor;
import java.lang.reflect.Method;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that chooses a backend. {@code auto} tries CUDA (native library loads, driver present, a device,
 * enough memory, every tensor type supported) and falls back to the CPU; either way it logs one line saying what
 * it chose and, when it refused CUDA, why. The CUDA classes are reached by reflection so nothing hard-links them.
 */
public final class Backends {
    private static final Logger LOG = LoggerFactory.getLogger(Backends.class);
    private static final String CUDA_FACTORY = "dev.llama4j.backend.cuda.CudaBackendFactory";

    private Backends() {}

    /** Which backend the user asked for. */
    public enum Choice {
        AUTO, CPU, CUDA;

        public static Choice parse(String s) {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new Llama4jException("unknown backend '" + s + "' (allowed: auto, cpu, cuda)");
            }
        }
    }

    /**
     * Options that shape a backend.
     *
     * @param q8Activations CPU only: Q4_0 and Q8_0 matrix-vector products quantize the activations to 8 bits per block
     *                      of 32 (llama.cpp's way, the fast default); {@code false} keeps them float32
     * @param mapped        CPU only: compute on the mapped file without repacking anything (any model size runs, slowly
     *                      when it exceeds memory); otherwise a model whose repacked weights do not fit is an error
     * @param memoryLimit   bytes the model may use at most (0: what the OS says is available)
     */
    public record Options(Choice choice, int threads, boolean kvF16, boolean q8Activations, boolean mapped,
                          long memoryLimit) {
        public Options(Choice choice, int threads, boolean kvF16) {
            this(choice, threads, kvF16, true, false, 0);
        }

        public Options {
            if (threads < 1) {
                throw new Llama4jException("--threads " + threads + " must be >= 1");
            }
            if (memoryLimit < 0) {
                throw new Llama4jException("--memory-limit " + memoryLimit + " must be >= 0 (0: no limit)");
            }
        }

        public static Options defaults() {
            return new Options(Choice.AUTO, Runtime.getRuntime().availableProcessors(), false);
        }

        public Options withMemoryLimit(long bytes) {
            return new Options(choice, threads, kvF16, q8Activations, mapped, bytes);
        }

        public Options withMapped(boolean m) {
            return new Options(choice, threads, kvF16, q8Activations, m, memoryLimit);
        }
    }

    /** Picks and builds the backend for {@code model}, for one context of the model's length (capped at 4096). */
    public static Backend select(ModelFile model, Options options) {
        int ctx = Math.min(model.config().contextLength(), 4096);
        return select(model, options, new Workload(ctx, Math.min(512, ctx), 1));
    }

    /**
     * Picks and builds the backend for {@code model} doing {@code work}, after checking that it fits in memory
     * ({@link MemoryEstimate}): {@code auto} takes CUDA where it fits on the device, else the CPU where it fits;
     * a model that fits nowhere is a {@link Llama4jException} with the numbers, before anything is allocated.
     */
    public static Backend select(ModelFile model, Options options, Workload work) {
        if (options.choice() == Choice.CPU) {
            return cpu(model, options, work, "asked for with --backend cpu");
        }
        String refusal;
        try {
            Class<?> factory = Class.forName(CUDA_FACTORY);
            Method reason = factory.getMethod("unavailableReason", ModelFile.class);
            refusal = (String) reason.invoke(null, model);
            if (refusal == null) {
                MemoryEstimate gpu = cudaEstimate(factory, model, options, work);
                if (!gpu.fits()) {
                    if (options.choice() == Choice.CUDA) {
                        gpu.check(model.path().getFileName().toString());
                    }
                    return cpu(model, options, work, "CUDA not used: " + gpu.describe());
                }
                Backend cuda = (Backend) factory.getMethod("create", ModelFile.class, Options.class)
                        .invoke(null, model, options);
                LOG.info("backend: cuda ({})", cuda.description());
                return cuda;
            }
        } catch (ClassNotFoundException e) {
            refusal = "this build has no CUDA backend";
        } catch (ReflectiveOperationException | LinkageError e) {
            Throwable cause = e instanceof java.lang.reflect.InvocationTargetException ite ? ite.getCause() : e;
            if (options.choice() == Choice.CUDA && cause instanceof Llama4jException le) {
                throw le;
            }
            refusal = String.valueOf(cause.getMessage());
        }
        if (options.choice() == Choice.CUDA) {
            throw new Llama4jException("--backend cuda is not possible: " + refusal);
        }
        return cpu(model, options, work, "CUDA not used: " + refusal);
    }

    private static Backend cpu(ModelFile model, Options options, Workload work, String why) {
        MemoryEstimate need = cpuEstimate(model, options, work);
        need.check(model.path().getFileName().toString());
        CpuBackend b = CpuBackend.create(options.threads(), options.kvF16(), options.q8Activations(), options.mapped());
        LOG.info("backend: cpu ({}; {})", b.description(), why);
        LOG.debug("memory: {}", need.describe());
        return b;
    }

    /** What the machine has for the model: the OS's figure, capped by {@link Options#memoryLimit()}. */
    public static MemoryInfo available(Options options) {
        return MemoryInfo.available().capped(options.memoryLimit(), "--memory-limit");
    }

    /** The CPU backend's memory estimate for {@code model} doing {@code work}. */
    public static MemoryEstimate cpuEstimate(ModelFile model, Options options, Workload work) {
        return CpuMemory.estimate(shape(model), options.threads(), options.q8Activations(), options.mapped(),
                options.kvF16(), work, available(options));
    }

    /** Every backend's memory estimate (CUDA where this build has it), for {@code info}. */
    public static java.util.List<MemoryEstimate> estimates(ModelFile model, Options options, Workload work) {
        java.util.List<MemoryEstimate> all = new java.util.ArrayList<>();
        all.add(cpuEstimate(model, options, work));
        try {
            all.add(cudaEstimate(Class.forName(CUDA_FACTORY), model, options, work));
        } catch (ClassNotFoundException | LinkageError e) {
            // no CUDA backend in this build
        }
        return all;
    }

    private static MemoryEstimate cudaEstimate(Class<?> factory, ModelFile model, Options options, Workload work) {
        try {
            return (MemoryEstimate) factory.getMethod("estimate", ModelShape.class, Workload.class, long.class)
                    .invoke(null, shape(model), work, options.memoryLimit());
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("CUDA memory estimate", e);
        }
    }

    /** The model's sizes and the tensors the forward pass multiplies or looks up ({@code Weights}' choices). */
    public static ModelShape shape(ModelFile model) {
        Config c = model.config();
        boolean tied = model.findTensor(TensorNames.OUTPUT).isEmpty();
        java.util.List<Tensor> matrices = new java.util.ArrayList<>();
        java.util.List<Tensor> tables = new java.util.ArrayList<>();
        for (Tensor t : model.tensors()) {
            if (t.name().equals(TensorNames.TOKEN_EMBD) && !tied) {
                tables.add(t);
            } else if (t.rows() > 1) {
                matrices.add(t);
            }
        }
        return new ModelShape(c.nLayers(), c.dim(), c.hiddenDim(), c.kvDim(), c.nHeads(), c.vocabSize(), matrices,
                tables);
    }
}
