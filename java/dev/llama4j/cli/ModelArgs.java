package dev.llama4j.cli;

import dev.llama4j.api.ModelOptions;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Options shared by the commands that run a model. */
final class ModelArgs {
    @Option(names = {"-m", "--model"}, required = true, paramLabel = "MODEL",
            description = "A GGUF model or a llama2.c checkpoint.")
    Path model;

    @Option(names = "--tokenizer", paramLabel = "FILE",
            description = "Tokenizer file (llama2.c tokenizer.bin or GGUF vocabulary); default: the model's own.")
    Path tokenizer;

    @Mixin
    BackendArgs backendArgs;

    @Option(names = {"-c", "--context"}, defaultValue = "0", paramLabel = "N",
            description = "Context length (default: the model's, at most 4096).")
    int context;

    @Option(names = {"-b", "--batch"}, defaultValue = "512", paramLabel = "N",
            description = "Prompt tokens per forward step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--kv-f16", description = "Keep the CPU KV cache in F16 (half the memory).")
    boolean kvF16;

    ModelOptions options() {
        return new ModelOptions(tokenizer, backendArgs.options(kvF16), context, batch);
    }
}
