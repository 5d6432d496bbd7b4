package dev.llama4j.sampling;

/**
 * The tokens still in the running at one sampling step, with their logits (and, once computed, probabilities).
 * Links of the sampler chain narrow and reshape this set. Reused across steps: no allocation per token.
 */
public final class Candidates {
    int[] ids;
    float[] logits;
    float[] probs;
    long[] keys;
    int size;
    boolean sorted;

    Candidates(int vocab) {
        ids = new int[vocab];
        logits = new float[vocab];
        probs = new float[vocab];
        keys = new long[vocab];
    }

    /** Loads every token's logit; the set becomes the whole vocabulary, unsorted. */
    void reset(float[] all, int vocab) {
        for (int i = 0; i < vocab; i++) {
            ids[i] = i;
            logits[i] = all[i];
        }
        size = vocab;
        sorted = false;
    }

    public int size() {
        return size;
    }

    public int id(int i) {
        return ids[i];
    }

    public float logit(int i) {
        return logits[i];
    }

    /** Sorts by logit, highest first, lower id first on ties; keeps only the best {@code keep} entries. */
    void sortDescending(int keep) {
        if (sorted) {
            size = Math.min(size, keep);
            return;
        }
        for (int i = 0; i < size; i++) {
            keys[i] = sortKey(logits[i], ids[i]);
        }
        java.util.Arrays.sort(keys, 0, size);
        int n = Math.min(size, keep);
        float[] l = logits;
        // Rebuild ids and logits in order from the packed keys.
        for (int i = 0; i < n; i++) {
            int id = (int) keys[i];
            ids[i] = id;
        }
        for (int i = 0; i < n; i++) {
            l[i] = logitFromKey(keys[i]);
        }
        size = n;
        sorted = true;
    }

    /** Packs (logit, id) into a long whose ascending order is descending logit, then ascending id. */
    static long sortKey(float logit, int id) {
        int bits = Float.floatToIntBits(logit);
        int monotone = bits ^ ((bits >> 31) & 0x7fffffff); // signed order == float order
        return ((long) ~monotone << 32) | (id & 0xffffffffL);
    }

    static float logitFromKey(long key) {
        int monotone = ~(int) (key >> 32);
        int bits = monotone ^ ((monotone >> 31) & 0x7fffffff);
        return Float.intBitsToFloat(bits);
    }

    /** Fills {@code probs} with the softmax of the logits (numerically stable). */
    void softmax() {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < size; i++) {
            max = Math.max(max, logits[i]);
        }
        double sum = 0;
        for (int i = 0; i < size; i++) {
            float p = (float) Math.exp(logits[i] - max);
            probs[i] = p;
            sum += p;
        }
        float inv = (float) (1.0 / sum);
        for (int i = 0; i < size; i++) {
            probs[i] *= inv;
        }
    }
}
