package dev.llama4j.cli;

import dev.llama4j.Llama4jException;
import dev.llama4j.api.ModelOptions;
import dev.llama4j.backend.Backends;
import dev.llama4j.backend.MemoryEstimate;
import dev.llama4j.backend.Workload;
import dev.llama4j.gguf.GgmlType;
import dev.llama4j.gguf.GgufFile;
import dev.llama4j.llama2c.Llama2cTokenizerFile;
import dev.llama4j.model.Config;
import dev.llama4j.model.ModelFile;
import dev.llama4j.model.ModelFiles;
import dev.llama4j.tensor.Tensor;
import dev.llama4j.tokenizer.Vocabulary;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code llama4j info MODEL}: format, hyperparameters, tokenizer summary, tensor table and totals by type. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Describe a model file (GGUF or llama2.c checkpoint) or a llama2.c tokenizer file.")
final class InfoCommand implements Callable<Integer> {
    @Parameters(paramLabel = "MODEL", description = "A GGUF file, a llama2.c checkpoint or a tokenizer.bin.")
    Path model;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @picocli.CommandLine.Mixin
    BackendArgs backendArgs;

    @picocli.CommandLine.Option(names = {"-c", "--context"}, defaultValue = "0", paramLabel = "N",
            description = "Context length the memory estimate is for (default: the model's, at most 4096).")
    int context;

    @picocli.CommandLine.Option(names = {"-b", "--batch"}, defaultValue = "512", paramLabel = "N",
            description = "Prompt batch the memory estimate is for (default: ${DEFAULT-VALUE}).")
    int batch;

    @picocli.CommandLine.Option(names = "--parallel", defaultValue = "1", paramLabel = "N",
            description = "Contexts the memory estimate is for, as a server's --parallel (default: ${DEFAULT-VALUE}).")
    int parallel;

    @picocli.CommandLine.Option(names = "--kv-f16", description = "Estimate with the CPU KV cache in F16.")
    boolean kvF16;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (ModelFiles.isGguf(model)) {
            try (GgufFile g = GgufFile.open(model)) {
                out.printf("file:        %s%nformat:      GGUF v%d (alignment %d)%n", model, g.version(), g.alignment());
                printMetadata(out, g.metadata());
                printConfig(out, g::config);
                if (g.metadata().containsKey(Vocabulary.KEY_TOKENS)) {
                    printVocabulary(out, Vocabulary.fromGgufMetadata(model, g.metadata()));
                }
                printTensors(out, g.tensors());
                printMemory(out, ModelFiles.of(g));
            }
            return 0;
        }
        ModelFile m;
        try {
            m = ModelFiles.open(model);
        } catch (Llama4jException notCheckpoint) {
            Llama2cTokenizerFile tok;
            try {
                tok = Llama2cTokenizerFile.open(model);
            } catch (Llama4jException notTokenizer) {
                throw Unrecognised.file(model, notCheckpoint, notTokenizer);
            }
            out.printf("file:        %s%nformat:      llama2.c tokenizer%n", model);
            printVocabulary(out, Vocabulary.fromLlama2c(tok));
            return 0;
        }
        try (m) {
            out.printf("file:        %s%nformat:      %s%n", model, m.format());
            printConfig(out, m::config);
            out.println("tokenizer:   none in the file (llama2.c checkpoints use a separate tokenizer.bin)");
            printTensors(out, m.tensors());
            printMemory(out, m);
        }
        return 0;
    }

    /** The memory each backend needs for the model, against what is available ({@link MemoryEstimate}). */
    private void printMemory(PrintWriter out, ModelFile m) {
        Config c;
        try {
            c = m.config();
        } catch (Llama4jException e) {
            return;
        }
        ModelOptions o = new ModelOptions(null, backendArgs.options(kvF16), context, batch, parallel);
        int ctx = o.contextLengthFor(c.contextLength());
        Workload work = new Workload(ctx, Math.min(batch, ctx), parallel);
        out.printf("memory:      context %d, batch %d, %d context%s (--context, --batch, --parallel, --kv-f16,"
                + " --mapped change it)%n", ctx, work.batch(), parallel, parallel == 1 ? "" : "s");
        for (MemoryEstimate e : Backends.estimates(m, o.backend(), work)) {
            out.println("  " + e.describe());
        }
    }

    private static void printMetadata(PrintWriter out, Map<String, Object> md) {
        out.printf("metadata:    %d keys%n", md.size());
        for (Map.Entry<String, Object> e : md.entrySet()) {
            Object v = e.getValue();
            String shown = v instanceof List<?> l ? "[array of " + l.size() + "]" : String.valueOf(v);
            if (shown.length() > 100) {
                shown = shown.substring(0, 97) + "...";
            }
            out.printf("  %-44s %s%n", e.getKey(), shown.replace("\n", "\\n"));
        }
    }

    private static void printConfig(PrintWriter out, java.util.function.Supplier<Config> config) {
        Config c;
        try {
            c = config.get();
        } catch (Llama4jException e) {
            out.println("model:       not a runnable LLaMA model: " + e.getMessage());
            return;
        }
        out.printf("model:       llama, %d layers, dim %d, ffn %d, heads %d (kv %d, head size %d), vocab %d%n",
                c.nLayers(), c.dim(), c.hiddenDim(), c.nHeads(), c.nKvHeads(), c.headSize(), c.vocabSize());
        out.printf("             context %d, rope dims %d, rope base %s, rms eps %s%n",
                c.contextLength(), c.ropeDim(), c.ropeTheta(), c.rmsEps());
    }

    private static void printVocabulary(PrintWriter out, Vocabulary v) {
        int[] byType = new int[8];
        for (int i = 0; i < v.size(); i++) {
            int t = v.type(i);
            byType[t >= 0 && t < byType.length ? t : 0]++;
        }
        out.printf("tokenizer:   SentencePiece BPE, %d tokens (%d normal, %d byte, %d control, %d unknown), "
                        + "bos %d, eos %d, unk %d, add_bos %s%n",
                v.size(), byType[Vocabulary.NORMAL], byType[Vocabulary.BYTE], byType[Vocabulary.CONTROL],
                byType[Vocabulary.UNKNOWN], v.bos(), v.eos(), v.unk(), v.addBos());
    }

    private static void printTensors(PrintWriter out, List<Tensor> tensors) {
        out.printf("tensors:     %d%n", tensors.size());
        if (tensors.isEmpty()) {
            return;
        }
        int w = Math.max(4, tensors.stream().mapToInt(t -> t.name().length()).max().orElse(4));
        out.printf("  %-" + w + "s %-7s %-22s %14s%n", "name", "type", "shape", "bytes");
        Map<GgmlType, long[]> totals = new TreeMap<>();
        long params = 0;
        long bytes = 0;
        for (Tensor t : tensors) {
            long n = t.elementCount();
            long b = t.data().byteSize();
            out.printf("  %-" + w + "s %-7s %-22s %,14d%n", t.name(), t.type(), Arrays.toString(t.ne()), b);
            long[] tot = totals.computeIfAbsent(t.type(), k -> new long[3]);
            tot[0]++;
            tot[1] += n;
            tot[2] += b;
            params += n;
            bytes += b;
        }
        out.println("totals by type:");
        for (Map.Entry<GgmlType, long[]> e : totals.entrySet()) {
            long[] t = e.getValue();
            out.printf("  %-7s %5d tensors %,16d params %,16d bytes%n", e.getKey(), t[0], t[1], t[2]);
        }
        out.printf("  %-7s %5d tensors %,16d params %,16d bytes (%.2f MiB)%n", "all", tensors.size(), params, bytes,
                bytes / 1048576.0);
    }
}
