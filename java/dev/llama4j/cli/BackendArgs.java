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

    /** The backend options, with an F16 CPU KV cache when {@code kvF16}. */
    Backends.Options options(boolean kvF16) {
        int t = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        return new Backends.Options(Backends.Choice.parse(backend), t, kvF16);
    }
}
