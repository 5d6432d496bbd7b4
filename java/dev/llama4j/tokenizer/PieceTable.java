package dev.llama4j.tokenizer;

import java.util.Arrays;

/**
 * Open-addressing hash map from UTF-8 byte strings to token ids, looked up by a slice of a byte array so the
 * tokenizer never allocates a string per candidate merge. When two ids have the same bytes the later id wins
 * (as in llama.cpp's {@code token_to_id} map).
 */
final class PieceTable {
    private final byte[][] keys;
    private final int[] slots; // pairs (full hash, id + 1); id + 1 = 0 marks an empty slot
    private final int mask;

    /** {@code include[id]} says whether token {@code id} can be found. */
    PieceTable(byte[][] keys, boolean[] include) {
        this.keys = keys;
        int cap = Integer.highestOneBit(Math.max(4, keys.length * 2 - 1)) << 1;
        slots = new int[2 * cap];
        mask = cap - 1;
        for (int id = 0; id < keys.length; id++) {
            if (!include[id]) {
                continue;
            }
            byte[] k = keys[id];
            int hash = hash(k, 0, k.length);
            int h = hash & mask;
            while (slots[2 * h + 1] != 0 && !Arrays.equals(keys[slots[2 * h + 1] - 1], k)) {
                h = (h + 1) & mask;
            }
            slots[2 * h] = hash;
            slots[2 * h + 1] = id + 1;
        }
    }

    /** The id whose bytes equal {@code b[off, off + len)}, or -1. */
    int find(byte[] b, int off, int len) {
        int hash = hash(b, off, len);
        for (int h = hash & mask, s; (s = slots[2 * h + 1]) != 0; h = (h + 1) & mask) {
            if (slots[2 * h] == hash) {
                byte[] k = keys[s - 1];
                if (k.length == len && Arrays.equals(k, 0, len, b, off, off + len)) {
                    return s - 1;
                }
            }
        }
        return -1;
    }

    private static int hash(byte[] b, int off, int len) {
        int h = 0x811c9dc5;
        for (int i = off, end = off + len; i < end; i++) {
            h = (h ^ b[i]) * 0x01000193;
        }
        return h ^ (h >>> 16);
    }
}
