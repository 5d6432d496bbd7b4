package dev.llama4j.cli;

import dev.llama4j.api.LlamaModel;
import dev.llama4j.server.LlamaServer;
import dev.llama4j.server.ServerOptions;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code llama4j serve}: an OpenAI-compatible HTTP server. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve the model over an OpenAI-compatible HTTP API (/v1/completions, /v1/chat/completions).")
final class ServeCommand implements Callable<Integer> {
    @Mixin
    ModelArgs modelArgs;

    @Option(names = "--host", defaultValue = ServerOptions.DEFAULT_HOST, paramLabel = "ADDR",
            description = "Address to bind (default: ${DEFAULT-VALUE}, this machine only).")
    String host;

    @Option(names = "--port", defaultValue = "8080", paramLabel = "N", description = "TCP port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--parallel", defaultValue = "1", paramLabel = "N",
            description = "Generations running at once, one context each (default: ${DEFAULT-VALUE}).")
    int parallel;

    @Option(names = "--queue", defaultValue = "16", paramLabel = "N",
            description = "Requests that may wait for a free context; more get 503 (default: ${DEFAULT-VALUE}).")
    int queue;

    @Option(names = "--api-key", paramLabel = "KEY",
            description = "Require 'Authorization: Bearer KEY' on every endpoint except /health.")
    String apiKey;

    @Option(names = "--max-body", defaultValue = "1048576", paramLabel = "BYTES",
            description = "Largest request body accepted (default: ${DEFAULT-VALUE}).")
    long maxBody;

    @Option(names = "--chat-template", paramLabel = "NAME",
            description = "Chat template to use instead of the one the model file names.")
    String chatTemplate;

    @Override
    public Integer call() throws Exception {
        ServerOptions options = new ServerOptions(host, port, parallel, queue, apiKey, maxBody);
        try (LlamaModel model = LlamaModel.load(modelArgs.model, modelArgs.options().withContexts(parallel));
             LlamaServer server = LlamaServer.start(model, options, chatTemplate)) {
            Runtime.getRuntime().addShutdownHook(new Thread(server::close, "llama4j-serve-shutdown"));
            server.join();
        }
        return 0;
    }
}
