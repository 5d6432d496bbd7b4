package dev.llama4j.backend;

import dev.llama4j.Llama4jException;
import dev.llama4j.backend.cpu.CpuBackend;
import dev.llama4j.model.ModelFile;
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
     */
    public record Options(Choice choice, int threads, boolean kvF16, boolean q8Activations) {
        public Options(Choice choice, int threads, boolean kvF16) {
            this(choice, threads, kvF16, true);
        }

        public Options {
            if (threads < 1) {
                throw new Llama4jException("--threads " + threads + " must be >= 1");
            }
        }

        public static Options defaults() {
            return new Options(Choice.AUTO, Runtime.getRuntime().availableProcessors(), false);
        }
    }

    /** Picks and builds the backend for {@code model}. */
    public static Backend select(ModelFile model, Options options) {
        if (options.choice() == Choice.CPU) {
            return cpu(options, "asked for with --backend cpu");
        }
        String refusal;
        try {
            Class<?> factory = Class.forName(CUDA_FACTORY);
            Method reason = factory.getMethod("unavailableReason", ModelFile.class);
            refusal = (String) reason.invoke(null, model);
            if (refusal == null) {
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
        return cpu(options, "CUDA not used: " + refusal);
    }

    private static Backend cpu(Options options, String why) {
        CpuBackend b = CpuBackend.vector(options.threads(), options.kvF16(), options.q8Activations());
        LOG.info("backend: cpu ({}; {})", b.description(), why);
        return b;
    }
}
