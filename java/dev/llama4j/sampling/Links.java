package dev.llama4j.sampling;

/** The links of the chain in llama.cpp's order: top-k, top-p, min-p, temperature. */
final class Links {
    private Links() {}

    /** Keeps the k highest logits. */
    record TopK(int k) implements SamplerLink {
        @Override
        public void apply(Candidates c) {
            c.sortDescending(k);
        }
    }

    /** Keeps the smallest prefix (by probability) whose cumulative probability reaches p; at least one token. */
    record TopP(float p) implements SamplerLink {
        @Override
        public void apply(Candidates c) {
            c.sortDescending(Integer.MAX_VALUE);
            c.softmax();
            double cum = 0;
            int keep = c.size;
            for (int i = 0; i < c.size; i++) {
                cum += c.probs[i];
                if (cum >= p) {
                    keep = i + 1;
                    break;
                }
            }
            c.size = Math.max(1, keep);
        }
    }

    /** Keeps tokens whose probability is at least minP times the best one's (on logits: ≥ max + ln minP). */
    record MinP(float minP) implements SamplerLink {
        @Override
        public void apply(Candidates c) {
            float max = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < c.size; i++) {
                max = Math.max(max, c.logits[i]);
            }
            float threshold = max + (float) Math.log(minP);
            int n = 0;
            for (int i = 0; i < c.size; i++) {
                if (c.logits[i] >= threshold) {
                    c.ids[n] = c.ids[i];
                    c.logits[n] = c.logits[i];
                    n++;
                }
            }
            c.size = Math.max(1, n); // the max always passes
        }
    }

    /** Divides the logits by t. */
    record Temperature(float t) implements SamplerLink {
        @Override
        public void apply(Candidates c) {
            float inv = 1f / t;
            for (int i = 0; i < c.size; i++) {
                c.logits[i] *= inv;
            }
        }
    }
}
