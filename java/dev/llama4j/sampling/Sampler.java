package dev.llama4j.sampling;

import java.util.ArrayList;
import java.util.List;

/**
 * The sampler chain: penalties over a window of recent tokens, then top-k, top-p, min-p, temperature and a
 * seeded draw; temperature 0 is greedy (argmax, lowest id on ties). One sampler per generation; not thread-safe.
 */
public final class Sampler {
    private final SamplingParams params;
    private final List<SamplerLink> chain = new ArrayList<>();
    private final Candidates candidates;
    private final Penalties penalties;
    private final Rng rng;
    private final int vocab;

    public Sampler(SamplingParams params, int vocab) {
        this.params = params;
        this.vocab = vocab;
        this.candidates = new Candidates(vocab);
        this.penalties = params.hasPenalties() ? new Penalties(params, vocab) : null;
        this.rng = new Rng(params.seed());
        if (params.topK() > 0) {
            chain.add(new Links.TopK(params.topK()));
        }
        if (params.topP() < 1f) {
            chain.add(new Links.TopP(params.topP()));
        }
        if (params.minP() > 0f) {
            chain.add(new Links.MinP(params.minP()));
        }
        chain.add(new Links.Temperature(params.temperature()));
    }

    public SamplingParams params() {
        return params;
    }

    /** Records a token of the context (prompt or generated) for the penalties. */
    public void accept(int token) {
        if (penalties != null) {
            penalties.accept(token);
        }
    }

    /** Picks the next token from {@code logits} (not modified). */
    public int sample(float[] logits) {
        Candidates c = candidates;
        c.reset(logits, vocab);
        if (penalties != null) {
            penalties.apply(c);
        }
        if (params.greedy()) {
            return argmax(c.logits, c.size);
        }
        return draw(c, rng.nextFloat());
    }

    /**
     * The chain without penalties, with the draw's uniform number {@code u} in [0, 1) given: what a device
     * sampler ({@link dev.llama4j.backend.DeviceSampling}) must reproduce. Does not touch the random sequence.
     */
    public int sampleWith(float[] logits, float u) {
        Candidates c = candidates;
        c.reset(logits, vocab);
        if (params.greedy()) {
            return argmax(c.logits, c.size);
        }
        return draw(c, u);
    }

    /** The next uniform number of this sampler's seeded sequence (what {@link #sample} would draw with). */
    public float nextUniform() {
        return rng.nextFloat();
    }

    private int draw(Candidates c, float r) {
        for (SamplerLink link : chain) {
            link.apply(c);
        }
        c.softmax();
        float cdf = 0;
        for (int i = 0; i < c.size; i++) {
            cdf += c.probs[i];
            if (r < cdf) {
                return c.ids[i];
            }
        }
        return c.ids[c.size - 1]; // rounding: r beyond the summed probabilities
    }

    /** Index of the largest value, the lowest index on ties (NaN never wins). */
    public static int argmax(float[] v, int n) {
        int best = 0;
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            if (v[i] > max) {
                max = v[i];
                best = i;
            }
        }
        return best;
    }
}
