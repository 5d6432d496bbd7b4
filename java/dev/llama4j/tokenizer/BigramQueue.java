package dev.llama4j.tokenizer;

import java.util.Arrays;

/**
 * Max-priority queue of candidate merges: highest score first, leftmost first on equal scores (llama.cpp's
 * {@code llm_bigram_spm} order). An entry is (score, left symbol, merged byte length); score and left index are
 * packed into one {@code long} key whose signed order is the queue order, and the length rides along. A 4-ary
 * heap: each sift level reads one cache line of keys. Scores compare as in C: -0.0 equals 0.0.
 */
final class BigramQueue {
    private long[] keys = new long[64];
    private int[] sizes = new int[64];
    private int count;
    private int topSize;

    boolean isEmpty() {
        return count == 0;
    }

    static long key(float score, int left) {
        int bits = Float.floatToRawIntBits(score == 0f ? 0f : score);
        int sortable = bits ^ ((bits >> 31) & 0x7FFFFFFF); // signed int order == float order
        return ((long) sortable << 32) | (~left & 0xFFFFFFFFL); // smaller left -> larger key
    }

    static int left(long key) {
        return ~(int) key;
    }

    void push(float score, int left, int size) {
        if (count == keys.length) {
            keys = Arrays.copyOf(keys, count * 2);
            sizes = Arrays.copyOf(sizes, count * 2);
        }
        long k = key(score, left);
        int i = count++;
        while (i > 0) {
            int parent = (i - 1) >>> 2;
            if (keys[parent] >= k) {
                break;
            }
            keys[i] = keys[parent];
            sizes[i] = sizes[parent];
            i = parent;
        }
        keys[i] = k;
        sizes[i] = size;
    }

    /** Merged byte length of the entry last returned by {@link #pop}. */
    int poppedSize() {
        return topSize;
    }

    /** Removes and returns the best entry's key (decode with {@link #left}; see {@link #poppedSize}). */
    long pop() {
        long top = keys[0];
        topSize = sizes[0];
        long k = keys[--count];
        int size = sizes[count];
        int i = 0;
        while (true) {
            int c = 4 * i + 1;
            if (c >= count) {
                break;
            }
            int end = Math.min(c + 4, count);
            int best = c;
            for (int j = c + 1; j < end; j++) {
                if (keys[j] > keys[best]) {
                    best = j;
                }
            }
            if (keys[best] <= k) {
                break;
            }
            keys[i] = keys[best];
            sizes[i] = sizes[best];
            i = best;
        }
        keys[i] = k;
        sizes[i] = size;
        return top;
    }
}
