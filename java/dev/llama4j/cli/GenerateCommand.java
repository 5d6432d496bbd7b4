package dev.llama4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llama4j.api.GenerationOptions;
import dev.llama4j.api.GenerationResult;
import dev.llama4j.api.LlamaContext;
import dev.llama4j.api.LlamaModel;
import dev.llama4j.api.Timings;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code llama4j generate}: continue a prompt, streaming the text. */
@Command(name = "generate", mixinStandardHelpOptions = true, description = "Generate text after a prompt.")
final class GenerateCommand implements Callable<Integer> {
    @Mixin
    ModelArgs modelArgs;

    @Mixin
    SamplingArgs samplingArgs;

    @Option(names = {"-p", "--prompt"}, defaultValue = "", paramLabel = "TEXT", description = "The prompt.")
    String prompt;

    @Option(names = "--no-bos", description = "Do not prepend BOS to the prompt.")
    boolean noBos;

    @Option(names = "--json", description = "Print one JSON object instead of streaming text.")
    boolean json;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        GenerationOptions options = samplingArgs.options(!noBos);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (LlamaModel model = LlamaModel.load(modelArgs.model, modelArgs.options());
             LlamaContext ctx = model.newContext()) {
            if (!json) {
                out.print(prompt);
                out.flush();
            }
            GenerationResult r = ctx.generate(prompt, options, (id, text) -> {
                if (!json) {
                    out.print(text);
                    out.flush();
                }
            });
            Timings t = r.timings();
            if (json) {
                out.println(toJson(r, model));
            } else {
                out.println();
                out.flush();
            }
            err.printf("prompt: %d tokens, %.2f tok/s | generation: %d tokens, %.2f tok/s | stop: %s | %s%n",
                    t.promptTokens(), t.promptTokensPerSecond(), t.generatedTokens(), t.generationTokensPerSecond(),
                    r.stopReason().json(), model.backendDescription());
            err.flush();
        }
        return 0;
    }

    private static String toJson(GenerationResult r, LlamaModel model) throws Exception {
        ObjectMapper om = new ObjectMapper();
        ObjectNode root = om.createObjectNode();
        var p = root.putArray("prompt_ids");
        for (int id : r.promptIds()) {
            p.add(id);
        }
        var g = root.putArray("generated_ids");
        for (int id : r.generatedIds()) {
            g.add(id);
        }
        root.put("text", r.text());
        root.put("stop_reason", r.stopReason().json());
        ObjectNode t = root.putObject("timings");
        Timings tm = r.timings();
        t.put("prompt_tokens", tm.promptTokens());
        t.put("prompt_ms", tm.promptMillis());
        t.put("prompt_tokens_per_second", tm.promptTokensPerSecond());
        t.put("generated_tokens", tm.generatedTokens());
        t.put("generation_ms", tm.generationMillis());
        t.put("generation_tokens_per_second", tm.generationTokensPerSecond());
        root.put("backend", model.backendDescription());
        return om.writeValueAsString(root);
    }
}
