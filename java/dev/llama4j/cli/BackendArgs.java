package dev.llama4j.cli;

import dev.llama4j.backend.Backends;
import picocli.CommandLine.Option;

/** Where a model runs: {@code --backend} and {@code --threads}, shared by every command that runs one. */
final class BackendArgs {
    @Option(names = "--backend", defaultValue = "auto", paramLabel = "auto|cpu|cuda",
            description = "Where to run (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", description = "CPU threads (default: all cores).")
    Integer threads;

    @Option(names = "--activations", defaultValue = "q8", paramLabel = "q8|f32",
            description = "CPU: activations entering Q4_0, Q8_0, Q4_K, Q5_K and Q6_K matrix-vector products,"
                    + " quantized to 8 bits per block of 32 (256 for K-quants) like llama.cpp (q8, fastest) or kept"
                    + " in float32 (f32, the float references'"
                    + " tokens) (default: ${DEFAULT-VALUE}).")
    String activations;

    @Option(names = "--mapped", description = "CPU: compute on the memory-mapped model file without repacking"
            + " (any model size runs, slowly when it exceeds memory; by default a model that does not fit in memory"
            + " repacked is an error).")
    boolean mapped;

    @Option(names = "--memory-limit", paramLabel = "SIZE", converter = ByteSize.class,
            description = "Use at most SIZE of memory (e.g. 8G, 512M; default: what the OS says is available).")
    long memoryLimit;

    /** The backend options, with an F16 CPU KV cache when {@code kvF16}. */
    Backends.Options options(boolean kvF16) {
        int t = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        boolean q8 = switch (activations.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "q8" -> true;
            case "f32" -> false;
            default -> throw new dev.llama4j.Llama4jException("--activations '" + activations
                    + "' is not one of q8, f32");
        };
        return new Backends.Options(Backends.Choice.parse(backend), t, kvF16, q8, mapped, memoryLimit);
    }
}
