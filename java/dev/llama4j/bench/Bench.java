package dev.llama4j.bench;

import dev.llama4j.Llama4jException;
import dev.llama4j.backend.Backend;
import dev.llama4j.backend.Backends;
import dev.llama4j.backend.Workload;
import dev.llama4j.backend.BandwidthProbe;
import dev.llama4j.gguf.GgmlType;
import dev.llama4j.model.Config;
import dev.llama4j.model.Llama;
import dev.llama4j.model.ModelFile;
import dev.llama4j.model.State;
import dev.llama4j.model.TensorNames;
import dev.llama4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Measures a model like llama.cpp's llama-bench: prompt processing ({@code pp<p>}: one forward step of p random
 * tokens at position 0) and text generation ({@code tg<n>}: n forward steps of one random token each, positions
 * 0..n-1) as separate tests; each first runs as a warm-up (excluded) once and then again until the warm-up time has
 * passed, so that the JIT has compiled the kernels (it compiles in the background, and a small model's run is over
 * before it has), then {@code reps} timed repetitions.
 *
 * <p>Decode reads every weight once per token, except the embedding table of which it reads one row; tg reports
 * those bytes × tokens/s as GB/s (1e9 bytes) and, where the backend is a {@link BandwidthProbe}, the fraction of
 * the probe's measured bandwidth, measured between the pp and tg tests.
 */
public final class Bench {
    private Bench() {}

    /**
     * What to run. {@code nPrompt} or {@code nGen} 0 skips that test; {@code warmUpSeconds} is the least time a
     * test's warm-up runs take together (0: one run).
     */
    public record Options(int nPrompt, int nGen, int reps, double warmUpSeconds, Backends.Options backend, long seed) {
        public Options {
            if (!(warmUpSeconds >= 0 && warmUpSeconds <= 3600)) {
                throw new Llama4jException("--warm-up " + warmUpSeconds + " must be between 0 and 3600 seconds");
            }
            if (nPrompt < 0 || nGen < 0 || nPrompt + nGen == 0) {
                throw new Llama4jException("-p " + nPrompt + " and -n " + nGen
                        + " must be >= 0 and not both 0");
            }
            if (reps < 1) {
                throw new Llama4jException("-r " + reps + " must be >= 1");
            }
        }
    }

    /** Runs the tests on {@code file} (which the caller keeps owning); {@code log} gets progress lines. */
    public static List<BenchResult> run(ModelFile file, String modelName, Options o, Consumer<String> log) {
        Config c = file.config();
        int ctx = o.nPrompt() + o.nGen();
        if (ctx > c.contextLength()) {
            throw new Llama4jException("-p " + o.nPrompt() + " + -n " + o.nGen() + " = " + ctx
                    + " positions exceed the model's context length " + c.contextLength());
        }
        long size = 0;
        long params = 0;
        Map<GgmlType, Long> byType = new EnumMap<>(GgmlType.class);
        for (Tensor t : file.tensors()) {
            size += t.data().byteSize();
            params += t.elementCount();
            byType.merge(t.type(), t.data().byteSize(), Long::sum);
        }
        String type = byType.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey().name();
        long readPerToken = size;
        Tensor emb = file.tensor(TensorNames.TOKEN_EMBD);
        readPerToken -= emb.data().byteSize() - emb.data().byteSize() / emb.ne()[1];

        Backend backend = Backends.select(file, o.backend(), new Workload(ctx, Math.max(1, o.nPrompt()), 1));
        State s = null;
        try {
            Llama llama = Llama.load(file, backend);
            State state = llama.newState(Math.max(1, o.nPrompt()), ctx);
            s = state;
            SplittableRandom rnd = new SplittableRandom(o.seed());
            float[] logits = new float[c.vocabSize()];
            double[] pp = null;
            if (o.nPrompt() > 0) {
                int[] tokens = rnd.ints(o.nPrompt(), 0, c.vocabSize()).toArray();
                pp = repeat(o, "pp" + o.nPrompt(), log, () -> {
                    long t0 = System.nanoTime();
                    llama.forward(state, tokens, tokens.length, 0, logits);
                    return tokens.length / ((System.nanoTime() - t0) / 1e9);
                });
            }
            // The roofline is measured between the tests, right before tg, so that both see the same machine load.
            double roofline = Double.NaN;
            String method = null;
            if (backend instanceof BandwidthProbe probe) {
                log.accept("measuring the read bandwidth roofline");
                roofline = probe.bytesPerSecond() / 1e9;
                method = probe.method();
            }
            double[] tg = null;
            if (o.nGen() > 0) {
                int[] tokens = rnd.ints(o.nGen(), 0, c.vocabSize()).toArray();
                int[] one = new int[1];
                tg = repeat(o, "tg" + o.nGen(), log, () -> {
                    long t0 = System.nanoTime();
                    for (int i = 0; i < tokens.length; i++) {
                        one[0] = tokens[i];
                        llama.forward(state, one, 1, i, logits);
                    }
                    return tokens.length / ((System.nanoTime() - t0) / 1e9);
                });
            }
            List<BenchResult> out = new ArrayList<>();
            int threads = o.backend().threads();
            if (pp != null) {
                out.add(new BenchResult(modelName, type, size, params, backend.name(), backend.description(), threads,
                        "pp" + o.nPrompt(), o.nPrompt(), 0, pp, Double.NaN, roofline, method));
            }
            if (tg != null) {
                double mean = java.util.Arrays.stream(tg).average().orElseThrow();
                out.add(new BenchResult(modelName, type, size, params, backend.name(), backend.description(), threads,
                        "tg" + o.nGen(), 0, o.nGen(), tg, readPerToken * mean / 1e9, roofline, method));
            }
            return out;
        } finally {
            if (s != null) {
                s.close();
            }
            backend.close();
        }
    }

    private interface Run {
        double tokensPerSecond();
    }

    private static double[] repeat(Options o, String test, Consumer<String> log, Run run) {
        log.accept(test + ": warm-up");
        long until = System.nanoTime() + (long) (o.warmUpSeconds() * 1e9);
        int runs = 0;
        do {
            run.tokensPerSecond();
            runs++;
        } while (System.nanoTime() < until);
        log.accept(String.format("%s: warm-up done: %d run%s", test, runs, runs == 1 ? "" : "s"));
        int reps = o.reps();
        double[] samples = new double[reps];
        for (int i = 0; i < reps; i++) {
            samples[i] = run.tokensPerSecond();
            log.accept(String.format("%s: repetition %d/%d: %.2f tokens/s", test, i + 1, reps, samples[i]));
        }
        return samples;
    }
}
