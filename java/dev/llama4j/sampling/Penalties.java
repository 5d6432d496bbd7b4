package dev.llama4j.sampling;

/**
 * Repetition, frequency and presence penalties over the last {@code window} tokens, as llama.cpp applies them:
 * for a token seen c times, a positive logit is divided by the repeat penalty and a negative one multiplied,
 * then {@code c · frequency + (c > 0 ? presence : 0)} is subtracted.
 */
final class Penalties {
    private final float repeat;
    private final float frequency;
    private final float presence;
    private final int[] counts;
    private final int[] ring;
    private int head;
    private int filled;

    Penalties(SamplingParams p, int vocab) {
        this.repeat = p.repeatPenalty();
        this.frequency = p.frequencyPenalty();
        this.presence = p.presencePenalty();
        this.counts = new int[vocab];
        this.ring = new int[p.penaltyWindow() < 0 ? 1 << 20 : Math.max(1, p.penaltyWindow())];
    }

    void accept(int token) {
        if (token < 0 || token >= counts.length) {
            return;
        }
        if (filled == ring.length) {
            counts[ring[head]]--;
        } else {
            filled++;
        }
        ring[head] = token;
        counts[token]++;
        head = (head + 1) % ring.length;
    }

    void apply(Candidates c) {
        for (int i = 0; i < c.size; i++) {
            int n = counts[c.ids[i]];
            if (n == 0) {
                continue;
            }
            float l = c.logits[i];
            l = l <= 0 ? l * repeat : l / repeat;
            l -= n * frequency + presence;
            c.logits[i] = l;
        }
    }
}
