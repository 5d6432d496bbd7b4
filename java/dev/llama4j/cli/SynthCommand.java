package dev.llama4j.cli;

import dev.llama4j.bench.Shape;
import dev.llama4j.bench.Synth;
import dev.llama4j.quant.QuantMix;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code llama4j synth}: writes a GGUF model of a LLaMA shape with random weights, for benchmarks. */
@Command(name = "synth", mixinStandardHelpOptions = true,
        description = "Write a synthetic GGUF model (LLaMA shape, random weights) for benchmarking.")
final class SynthCommand implements Callable<Integer> {
    @Option(names = "--shape", required = true, paramLabel = "SHAPE",
            description = "llama2-7b, llama2-13b, llama2-70b, tinyllama-1.1b or "
                    + "custom:dim=..,ffn=..,layers=..,heads=..,kv_heads=..,vocab=..")
    String shape;

    @Option(names = "--type", required = true, paramLabel = "TYPE",
            description = "F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K or Q6_K (every matrix that type), or Q4_K_M / "
                    + "Q5_K_M (llama.cpp's per-tensor mixes); norms stay F32.")
    String type;

    @Option(names = "--vocab-from", paramLabel = "FILE",
            description = "Copy the vocabulary from a GGUF or a llama2.c tokenizer.bin (default: a generated "
                    + "byte-level vocabulary).")
    Path vocabFrom;

    @Option(names = "--seed", defaultValue = "42", paramLabel = "S", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--context", defaultValue = "0", paramLabel = "N",
            description = "llama.context_length (default: 4096 for llama2 shapes, else 2048).")
    int context;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT.gguf", description = "The file to write.")
    Path out;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Synth.Spec s = new Synth.Spec(Shape.parse(shape), parseType(type), seed, context, vocabFrom);
        long t0 = System.nanoTime();
        Synth.toFile(s, out, ProgressBar.of("synth " + s.shape().name() + " " + s.mix()));
        spec.commandLine().getOut().printf("wrote %s: %s %s, %,d params, %.1f s%n", out, s.shape().name(), s.mix(),
                s.shape().params(), (System.nanoTime() - t0) / 1e9);
        return 0;
    }

    static QuantMix parseType(String t) {
        return QuantMix.parse(t, "--type");
    }
}
