package dev.llama4j.tokenizer;

/**
 * Open-addressing hash map from UTF-8 byte strings to token ids, looked up by a slice of a byte array so the
 * tokenizer never allocates a string per candidate merge. When two ids have the same bytes the later id wins
 * (as in llama.cpp's {@code token_to_id} map).
 */
final class PieceTable {
    private final byte[] blob; // all included keys, back to back
    private final int[] slots; // per slot 4 ints: full hash, id + 1 (0 = empty), offset in blob, length
    private final int mask;

    /** {@code include[id]} says whether token {@code id} can be found. */
    PieceTable(byte[][] keys, boolean[] include) {
        int cap = Integer.highestOneBit(Math.max(4, keys.length * 2 - 1)) << 1;
        slots = new int[4 * cap];
        mask = cap - 1;
        int total = 0;
        for (int id = 0; id < keys.length; id++) {
            total += include[id] ? keys[id].length : 0;
        }
        blob = new byte[total];
        int off = 0;
        for (int id = 0; id < keys.length; id++) {
            if (!include[id]) {
                continue;
            }
            byte[] k = keys[id];
            System.arraycopy(k, 0, blob, off, k.length);
            int hash = hash(blob, off, k.length);
            int at = find(blob, off, k.length, hash);
            if (at < 0) {
                at = ~at;
            }
            slots[at] = hash;
            slots[at + 1] = id + 1; // a later id with the same bytes replaces the earlier one
            slots[at + 2] = off;
            slots[at + 3] = k.length;
            off += k.length;
        }
    }

    /** The id whose bytes equal {@code b[off, off + len)}, or -1. */
    int find(byte[] b, int off, int len) {
        int at = find(b, off, len, hash(b, off, len));
        return at < 0 ? -1 : slots[at + 1] - 1;
    }

    /** Index of the slot holding the key, or {@code ~index} of the empty slot where it would go. */
    private int find(byte[] b, int off, int len, int hash) {
        for (int h = hash & mask; ; h = (h + 1) & mask) {
            int at = 4 * h;
            if (slots[at + 1] == 0) {
                return ~at;
            }
            if (slots[at] == hash && slots[at + 3] == len && same(slots[at + 2], b, off, len)) {
                return at;
            }
        }
    }

    private boolean same(int keyOff, byte[] b, int off, int len) {
        for (int i = 0; i < len; i++) {
            if (blob[keyOff + i] != b[off + i]) {
                return false;
            }
        }
        return true;
    }

    private static int hash(byte[] b, int off, int len) {
        int h = 0x811c9dc5;
        for (int i = off, end = off + len; i < end; i++) {
            h = (h ^ b[i]) * 0x01000193;
        }
        return h ^ (h >>> 16);
    }
}
