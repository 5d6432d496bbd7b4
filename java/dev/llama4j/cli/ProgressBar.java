package dev.llama4j.cli;

import dev.llama4j.bench.Synth;
import dev.llama4j.quant.ModelQuantizer;
import java.io.PrintStream;

/** A one-line progress bar on stderr, drawn only when stderr is a terminal ({@code System.console() != null}). */
final class ProgressBar implements Synth.Progress, ModelQuantizer.Progress {
    private static final int WIDTH = 30;
    private final String label;
    private final PrintStream err;
    private int lastPercent = -1;

    private ProgressBar(String label, PrintStream err) {
        this.label = label;
        this.err = err;
    }

    /** A bar on a terminal, else {@link Synth.Progress#NONE}. */
    static Synth.Progress of(String label) {
        return System.console() != null ? new ProgressBar(label, System.err) : Synth.Progress.NONE;
    }

    /** A bar on a terminal for {@code quantize}, else {@link ModelQuantizer.Progress#NONE}. */
    static ModelQuantizer.Progress forQuantize(String label) {
        return System.console() != null ? new ProgressBar(label, System.err) : ModelQuantizer.Progress.NONE;
    }

    @Override
    public void update(long done, long total) {
        int pct = total <= 0 ? 100 : (int) (100 * done / total);
        if (pct == lastPercent) {
            return;
        }
        lastPercent = pct;
        int filled = pct * WIDTH / 100;
        err.printf("\r%s [%s%s] %3d%% %,.1f / %,.1f MB", label, "#".repeat(filled), " ".repeat(WIDTH - filled), pct,
                done / 1e6, total / 1e6);
        if (done >= total) {
            err.println();
        }
        err.flush();
    }
}
