package dev.llama4j.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Turns token ids, fed one at a time, into text without ever emitting part of a character: bytes of a UTF-8
 * sequence split across byte tokens are held back until the sequence is complete. Bytes that can never form a
 * character (a stray continuation byte, a sequence cut short by another character) are emitted as U+FFFD, and
 * {@link #flush()} emits any incomplete tail at the end as U+FFFD. Applies the same leading-space rule after BOS
 * as {@link Tokenizer#decode}. Not thread-safe; one per generation.
 */
public final class StreamingDecoder {
    private final Tokenizer tokenizer;
    private byte[] pending = new byte[16];
    private int count;
    private int prev = -1;

    public StreamingDecoder(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** Adds token {@code id}; returns the text that is now complete (possibly empty). */
    public String accept(int id) {
        byte[] p = tokenizer.decodePiece(id);
        int skip = tokenizer.stripsSpace(prev, id, p) ? 1 : 0;
        prev = id;
        int n = p.length - skip;
        if (count + n > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(pending.length * 2, count + n));
        }
        System.arraycopy(p, skip, pending, count, n);
        count += n;
        int done = completeLength(pending, count);
        if (done == 0) {
            return "";
        }
        String s = new String(pending, 0, done, StandardCharsets.UTF_8);
        System.arraycopy(pending, done, pending, 0, count - done);
        count -= done;
        return s;
    }

    /** Emits whatever is still held back (an incomplete sequence becomes U+FFFD) and resets. */
    public String flush() {
        String s = new String(pending, 0, count, StandardCharsets.UTF_8);
        count = 0;
        prev = -1;
        return s;
    }

    /** Bytes held back, waiting for the rest of a character. */
    public int pendingBytes() {
        return count;
    }

    /**
     * Length of the prefix of {@code b[0, n)} that can be decoded now: everything except a trailing lead byte
     * followed by fewer continuation bytes than it announces.
     */
    static int completeLength(byte[] b, int n) {
        // look back at most 3 bytes for the lead byte of the last sequence
        for (int i = n - 1; i >= Math.max(0, n - 3); i--) {
            int c = b[i] & 0xff;
            if ((c & 0xC0) == 0x80) {
                continue; // continuation byte: keep looking for its lead
            }
            int need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
            if (c >= 0xF8) {
                need = 1; // never valid: emit (as U+FFFD)
            }
            return n - i < need ? i : n;
        }
        return n;
    }
}
