package dev.llama4j.cli;

import dev.llama4j.Llama4jException;
import dev.llama4j.bench.Bench;
import dev.llama4j.bench.BenchReport;
import dev.llama4j.bench.BenchResult;
import dev.llama4j.bench.Shape;
import dev.llama4j.bench.Synth;
import dev.llama4j.gguf.GgufFile;
import dev.llama4j.model.ModelFile;
import dev.llama4j.model.ModelFiles;
import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code llama4j bench}: prompt processing and generation speed, like llama.cpp's llama-bench. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure prompt processing (pp) and generation (tg) speed of a model, like llama-bench.")
final class BenchCommand implements Callable<Integer> {
    static final class Source {
        @Option(names = {"-m", "--model"}, paramLabel = "FILE", description = "A GGUF model or llama2.c checkpoint.")
        Path model;

        @Option(names = "--synthetic", paramLabel = "SHAPE:TYPE",
                description = "Build a synthetic model in memory, e.g. tinyllama-1.1b:Q4_0 or "
                        + "custom:dim=64,ffn=128,layers=2,heads=4,kv_heads=2,vocab=300:Q8_0.")
        String synthetic;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = {"-p", "--n-prompt"}, defaultValue = "512", paramLabel = "N",
            description = "Prompt tokens of the pp test, 0 to skip it (default: ${DEFAULT-VALUE}).")
    int nPrompt;

    @Option(names = {"-n", "--n-gen"}, defaultValue = "128", paramLabel = "N",
            description = "Generated tokens of the tg test, 0 to skip it (default: ${DEFAULT-VALUE}).")
    int nGen;

    @Option(names = {"-r", "--repetitions"}, defaultValue = "5", paramLabel = "N",
            description = "Timed repetitions of each test after its warm-up (default: ${DEFAULT-VALUE}).")
    int reps;

    @Option(names = "--warm-up", defaultValue = "2", paramLabel = "SECONDS",
            description = "Least time each test warms up (excluded from the figures) so that the JIT has compiled "
                    + "the kernels; it runs at least once (default: ${DEFAULT-VALUE}).")
    double warmUpSeconds;

    @Mixin
    BackendArgs backendArgs;

    @Option(names = {"-o", "--output"}, defaultValue = "table", paramLabel = "table|json|md",
            description = "Output format (default: ${DEFAULT-VALUE}).")
    String output;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "S",
            description = "Seed of the random tokens and synthetic weights (default: ${DEFAULT-VALUE}).")
    long seed;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        String format = output.trim().toLowerCase(Locale.ROOT);
        if (!List.of("table", "json", "md").contains(format)) {
            throw new Llama4jException("unknown --output '" + output + "' (allowed: table, json, md)");
        }
        Bench.Options o = new Bench.Options(nPrompt, nGen, reps, warmUpSeconds, backendArgs.options(false), seed);
        boolean terminal = System.console() != null;
        Consumer<String> log = terminal ? line -> System.err.println("bench: " + line) : line -> {};
        List<BenchResult> rs;
        if (source.model != null) {
            try (ModelFile f = ModelFiles.open(source.model)) {
                rs = Bench.run(f, source.model.getFileName().toString(), o, log);
            }
        } else {
            rs = synthetic(source.synthetic, o, log);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.print(switch (format) {
            case "json" -> BenchReport.json(rs);
            case "md" -> BenchReport.markdown(rs);
            default -> BenchReport.table(rs);
        });
        out.flush();
        return 0;
    }

    private static List<BenchResult> synthetic(String spec, Bench.Options o, Consumer<String> log) {
        int colon = spec.lastIndexOf(':');
        if (colon <= 0 || spec.substring(0, colon).equals("custom")) {
            throw new Llama4jException("--synthetic '" + spec + "' must be SHAPE:TYPE, e.g. tinyllama-1.1b:Q4_0");
        }
        Shape shape = Shape.parse(spec.substring(0, colon));
        Synth.Spec s = new Synth.Spec(shape, SynthCommand.parseType(spec.substring(colon + 1)), o.seed(), 0, null);
        int ctx = Math.max(s.contextLength(), o.nPrompt() + o.nGen());
        s = new Synth.Spec(shape, s.mix(), o.seed(), ctx, null);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment image = Synth.inMemory(s, arena, ProgressBar.of("synth " + shape.name() + " " + s.mix()));
            try (ModelFile f = ModelFiles.of(GgufFile.of(Path.of("synthetic:" + spec), image))) {
                return Bench.run(f, "synthetic " + shape.name(), o, log);
            }
        }
    }
}
