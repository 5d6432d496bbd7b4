package dev.llama4j.tokenizer;

import java.util.Arrays;

/**
 * Max-priority queue of candidate merges (left symbol, right symbol, merged byte length, score) in primitive
 * arrays: highest score first, leftmost first on equal scores (llama.cpp's {@code llm_bigram_spm} order).
 * Scores compare with {@code <}/{@code ==}, so -0.0 equals 0.0 as in C.
 */
final class BigramQueue {
    float[] score = new float[16];
    int[] left = new int[16];
    int[] right = new int[16];
    int[] size = new int[16];
    private int[] heap = new int[16];
    private int count;
    private int pool;

    void clear() {
        count = 0;
        pool = 0;
    }

    boolean isEmpty() {
        return count == 0;
    }

    void push(float s, int l, int r, int n) {
        if (pool == score.length) {
            int cap = pool * 2;
            score = Arrays.copyOf(score, cap);
            left = Arrays.copyOf(left, cap);
            right = Arrays.copyOf(right, cap);
            size = Arrays.copyOf(size, cap);
        }
        int e = pool++;
        score[e] = s;
        left[e] = l;
        right[e] = r;
        size[e] = n;
        if (count == heap.length) {
            heap = Arrays.copyOf(heap, count * 2);
        }
        int i = count++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (!before(e, heap[parent])) {
                break;
            }
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = e;
    }

    /** Removes the best entry and returns its index into {@link #score}, {@link #left}, ... */
    int pop() {
        int top = heap[0];
        int last = heap[--count];
        int i = 0;
        int half = count >>> 1;
        while (i < half) {
            int c = 2 * i + 1;
            if (c + 1 < count && before(heap[c + 1], heap[c])) {
                c++;
            }
            if (!before(heap[c], last)) {
                break;
            }
            heap[i] = heap[c];
            i = c;
        }
        if (count > 0) {
            heap[i] = last;
        }
        return top;
    }

    private boolean before(int a, int b) {
        float sa = score[a];
        float sb = score[b];
        return sa > sb || (sa == sb && left[a] < left[b]);
    }
}
