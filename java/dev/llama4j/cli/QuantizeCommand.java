package dev.llama4j.cli;

import dev.llama4j.quant.ModelQuantizer;
import dev.llama4j.quant.QuantMix;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code llama4j quantize IN.gguf OUT.gguf TYPE}: an F32/F16/BF16 GGUF model to a quantized one. */
@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = "Quantize a GGUF model with F32, F16 or BF16 tensors (as llama-quantize does without an "
                + "importance matrix): metadata copied, norms and 1-D tensors kept, matrices converted.")
final class QuantizeCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "IN.gguf", description = "The model to read (F32, F16 or BF16 tensors).")
    Path in;

    @Parameters(index = "1", paramLabel = "OUT.gguf", description = "The file to write (replaced if it exists).")
    Path out;

    @Parameters(index = "2", paramLabel = "TYPE",
            description = "Q4_0, Q8_0, Q4_K, Q5_K, Q6_K, F16, BF16 or F32 (every matrix that type, as llama-quantize "
                    + "--pure), or Q4_K_M / Q5_K_M (llama.cpp's per-tensor mixes).")
    String type;

    @Option(names = "--quiet", description = "Do not list the tensors.")
    boolean quiet;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        QuantMix mix = QuantMix.parse(type, "TYPE");
        PrintWriter log = spec.commandLine().getOut();
        long t0 = System.nanoTime();
        List<ModelQuantizer.Choice> plan = ModelQuantizer.quantize(in, out, mix,
                ProgressBar.forQuantize("quantize " + mix));
        Map<dev.llama4j.gguf.GgmlType, Integer> counts = new EnumMap<>(dev.llama4j.gguf.GgmlType.class);
        for (ModelQuantizer.Choice c : plan) {
            if (!quiet) {
                log.printf("%-32s %-22s %-5s -> %s%n", c.name(), java.util.Arrays.toString(c.ne()), c.from(), c.to());
            }
            counts.merge(c.to(), 1, Integer::sum);
        }
        long size = 0;
        try {
            size = Files.size(out);
        } catch (java.io.IOException e) {
            // reported as 0
        }
        log.printf("wrote %s: %s (file_type %d), %d tensors %s, %.1f MiB, %.1f s%n", out, mix, mix.fileType(),
                plan.size(), counts, size / 1048576.0, (System.nanoTime() - t0) / 1e9);
        log.flush();
        return 0;
    }
}
