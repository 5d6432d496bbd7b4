package dev.llama4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llama4j.Llama4jException;
import dev.llama4j.api.GenerationOptions;
import dev.llama4j.api.GenerationResult;
import dev.llama4j.api.LlamaContext;
import dev.llama4j.api.LlamaModel;
import dev.llama4j.api.Timings;
import dev.llama4j.sampling.SamplingParams;
import java.io.PrintWriter;
import java.util.List;
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

    @Option(names = {"-p", "--prompt"}, defaultValue = "", paramLabel = "TEXT", description = "The prompt.")
    String prompt;

    @Option(names = {"-n", "--max-tokens"}, defaultValue = "256", paramLabel = "N",
            description = "New tokens at most (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--temperature", defaultValue = "0.8", paramLabel = "T",
            description = "0 = greedy (default: ${DEFAULT-VALUE}).")
    float temperature;

    @Option(names = "--top-k", defaultValue = "40", paramLabel = "K", description = "0 = off (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--top-p", defaultValue = "0.95", paramLabel = "P", description = "1 = off (default: ${DEFAULT-VALUE}).")
    float topP;

    @Option(names = "--min-p", defaultValue = "0.05", paramLabel = "M", description = "0 = off (default: ${DEFAULT-VALUE}).")
    float minP;

    @Option(names = "--repeat-penalty", defaultValue = "1.0", paramLabel = "R",
            description = "1 = off (default: ${DEFAULT-VALUE}).")
    float repeatPenalty;

    @Option(names = "--frequency-penalty", defaultValue = "0", paramLabel = "F", description = "0 = off.")
    float frequencyPenalty;

    @Option(names = "--presence-penalty", defaultValue = "0", paramLabel = "P", description = "0 = off.")
    float presencePenalty;

    @Option(names = "--repeat-last-n", defaultValue = "64", paramLabel = "N",
            description = "Tokens the penalties look back over, -1 = whole context (default: ${DEFAULT-VALUE}).")
    int repeatLastN;

    @Option(names = {"-s", "--seed"}, paramLabel = "S", description = "Random seed (default: from the clock).")
    Long seed;

    @Option(names = "--stop", paramLabel = "TEXT", description = "Stop when the text contains this (repeatable).")
    List<String> stop;

    @Option(names = "--no-bos", description = "Do not prepend BOS to the prompt.")
    boolean noBos;

    @Option(names = "--json", description = "Print one JSON object instead of streaming text.")
    boolean json;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        SamplingParams sampling;
        GenerationOptions options;
        try {
            long s = seed != null ? seed : System.nanoTime();
            sampling = new SamplingParams(temperature, topK, topP, minP, repeatPenalty, frequencyPenalty,
                    presencePenalty, repeatLastN, s);
            options = new GenerationOptions(maxTokens, sampling, stop, !noBos);
        } catch (IllegalArgumentException e) {
            throw new Llama4jException(e.getMessage());
        }
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
