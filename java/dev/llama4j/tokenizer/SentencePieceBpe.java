package dev.llama4j.tokenizer;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The LLaMA SentencePiece-BPE tokenizer, equal to llama.cpp's SPM tokenizer
 * ({@code llama_tokenize(add_special, parse_special = false)}) and to SentencePiece:
 * <ol>
 *   <li>a non-empty text gets a dummy-prefix space; every space becomes U+2581 ({@code ▁}); a literal U+2581 in
 *       the text is therefore the same as a space;</li>
 *   <li>the text is split into UTF-8 characters (symbols, in a doubly linked list);</li>
 *   <li>every adjacent pair whose concatenation is a vocabulary piece is queued by that piece's score; the best
 *       pair (highest score, leftmost on ties) is merged and its new neighbour pairs queued; stale queue entries
 *       are skipped. O(n log n) in the text length: a priority queue over a linked list, no rescans (and the text
 *       is first cut into runs that no merge can cross, see {@link #encode});</li>
 *   <li>each remaining symbol becomes its token, or, if it is not in the vocabulary, one {@code <0xNN>} byte
 *       token per UTF-8 byte (the unknown token where the vocabulary has no such byte token).</li>
 * </ol>
 * Only normal, user-defined, unused and undefined pieces take part in matching, so text such as {@code <s>},
 * {@code <unk>} or {@code <0x41>} never becomes a control, unknown or byte token. Thread-safe (immutable).
 */
public final class SentencePieceBpe implements Tokenizer {
    private static final byte[] SPACE_MARK = {(byte) 0xE2, (byte) 0x96, (byte) 0x81};

    private final Vocabulary vocab;
    private final float[] scores;
    private final PieceTable table;
    private final int[] byteToken = new int[256];
    private final byte[][] decoded;
    /** {@code joinable[b1 << 8 | b2]}: bytes b1, b2 occur next to each other in some matchable piece. */
    private final boolean[] joinable = new boolean[1 << 16];

    public SentencePieceBpe(Vocabulary vocab) {
        this.vocab = vocab;
        int n = vocab.size();
        this.scores = vocab.scores();
        byte[][] keys = new byte[n][];
        boolean[] matchable = new boolean[n];
        decoded = new byte[n][];
        Arrays.fill(byteToken, -1);
        for (int id = 0; id < n; id++) {
            String piece = vocab.piece(id);
            int type = vocab.type(id);
            keys[id] = piece.getBytes(StandardCharsets.UTF_8);
            matchable[id] = type != Vocabulary.CONTROL && type != Vocabulary.UNKNOWN && type != Vocabulary.BYTE;
            if (matchable[id]) {
                byte[] k = keys[id];
                for (int j = 1; j < k.length; j++) {
                    joinable[(k[j - 1] & 0xff) << 8 | (k[j] & 0xff)] = true;
                }
            }
            decoded[id] = switch (type) {
                case Vocabulary.NORMAL -> piece.replace(Vocabulary.SPACE_MARK, ' ').getBytes(StandardCharsets.UTF_8);
                case Vocabulary.USER_DEFINED -> keys[id];
                case Vocabulary.BYTE -> new byte[] {(byte) Vocabulary.byteValue(piece)};
                default -> new byte[0];
            };
            if (type == Vocabulary.BYTE && byteToken[Vocabulary.byteValue(piece)] < 0) {
                byteToken[Vocabulary.byteValue(piece)] = id;
            }
        }
        for (int b = 0; b < 256; b++) {
            if (byteToken[b] < 0) {
                byteToken[b] = vocab.unk();
            }
        }
        this.table = new PieceTable(keys, matchable);
    }

    @Override
    public Vocabulary vocabulary() {
        return vocab;
    }

    @Override
    public int[] encode(String text, boolean addBos) {
        byte[] raw = text.getBytes(StandardCharsets.UTF_8);
        if (raw.length == 0) {
            return addBos ? new int[] {vocab.bos()} : new int[0];
        }
        Encoding e = new Encoding(escape(raw));
        if (addBos) {
            e.emit(vocab.bos());
        }
        // Merges never cross a boundary whose two bytes occur next to each other in no piece, so the text is
        // cut there into independent runs (mostly words), each merged on its own with a small queue. Within a run
        // the merge order is the global one restricted to it, so the result equals a whole-text merge; and a
        // run's tokens depend only on its bytes, so repeated runs are looked up in a per-call cache.
        byte[] buf = e.buf;
        int from = 0;
        for (int p = utf8Length(buf[0]); p < buf.length; p += utf8Length(buf[p])) {
            if (!joinable[(buf[p - 1] & 0xff) << 8 | (buf[p] & 0xff)]) {
                e.run(from, p);
                from = p;
            }
        }
        e.run(from, buf.length);
        return Arrays.copyOf(e.out, e.count);
    }

    /** The state of one {@link #encode} call. */
    private final class Encoding {
        static final int MAX_CACHED_RUN = 64;
        static final int MAX_CACHE_ENTRIES = 1 << 16;

        final byte[] buf;
        // symbols of the current run: byte start, byte length (0 once merged away), linked list
        final int[] start;
        final int[] len;
        final int[] prev;
        final int[] next;
        final BigramQueue q = new BigramQueue();
        final Map<ByteBuffer, int[]> cache = new HashMap<>();
        int[] out;
        int count;

        Encoding(byte[] buf) {
            this.buf = buf;
            int n = buf.length;
            start = new int[n];
            len = new int[n];
            prev = new int[n];
            next = new int[n];
            out = new int[n / 3 + 16];
        }

        void emit(int id) {
            if (count == out.length) {
                out = Arrays.copyOf(out, count * 2);
            }
            out[count++] = id;
        }

        /** Encodes the run {@code buf[from, to)}. */
        void run(int from, int to) {
            ByteBuffer key = null;
            if (to - from <= MAX_CACHED_RUN) {
                key = ByteBuffer.wrap(buf, from, to - from); // content equality; buf is never modified
                int[] ids = cache.get(key);
                if (ids != null) {
                    for (int id : ids) {
                        emit(id);
                    }
                    return;
                }
            }
            int first = count;
            merge(from, to);
            if (key != null && cache.size() < MAX_CACHE_ENTRIES) {
                cache.put(key, Arrays.copyOfRange(out, first, count));
            }
        }

        /** llama.cpp's SPM loop on one run: symbols per UTF-8 character, best-scoring merge first. */
        private void merge(int from, int to) {
            int n = 0;
            for (int off = from; off < to; ) {
                int l = Math.min(utf8Length(buf[off]), to - off);
                start[n] = off;
                len[n] = l;
                prev[n] = n - 1;
                next[n] = off + l < to ? n + 1 : -1;
                n++;
                off += l;
            }
            for (int i = 1; i < n; i++) {
                queue(i - 1, i);
            }
            while (!q.isEmpty()) {
                int l = BigramQueue.left(q.pop());
                int r = next[l];
                // stale unless l is alive and l + its successor still span exactly the queued piece (symbols
                // only grow, and a pair changes only by one side growing, so an equal length means the same pair)
                int size = q.poppedSize();
                if (len[l] == 0 || r < 0 || len[l] + len[r] != size) {
                    continue;
                }
                len[l] = size;
                len[r] = 0;
                next[l] = next[r];
                if (next[r] >= 0) {
                    prev[next[r]] = l;
                }
                queue(prev[l], l);
                queue(l, next[l]);
            }
            for (int i = 0; i >= 0; i = next[i]) {
                int id = table.find(buf, start[i], len[i]);
                if (id >= 0) {
                    emit(id);
                } else {
                    for (int j = start[i]; j < start[i] + len[i]; j++) {
                        emit(byteToken[buf[j] & 0xff]);
                    }
                }
            }
        }

        private void queue(int l, int r) {
            if (l < 0 || r < 0) {
                return;
            }
            int size = len[l] + len[r];
            int id = table.find(buf, start[l], size);
            if (id >= 0) {
                q.push(scores[id], l, size);
            }
        }
    }

    /** {@code "▁" + text} with every space replaced by {@code ▁}, in UTF-8. */
    private static byte[] escape(byte[] raw) {
        int spaces = 0;
        for (byte b : raw) {
            if (b == ' ') {
                spaces++;
            }
        }
        byte[] buf = new byte[3 + raw.length + 2 * spaces];
        System.arraycopy(SPACE_MARK, 0, buf, 0, 3);
        int k = 3;
        for (byte b : raw) {
            if (b == ' ') {
                buf[k++] = SPACE_MARK[0];
                buf[k++] = SPACE_MARK[1];
                buf[k++] = SPACE_MARK[2];
            } else {
                buf[k++] = b;
            }
        }
        return buf;
    }

    /** UTF-8 sequence length announced by a lead byte (1 for continuation or invalid bytes below 0xC0). */
    private static int utf8Length(byte lead) {
        int hi = (lead & 0xff) >>> 4;
        return hi < 0xC ? 1 : hi < 0xE ? 2 : hi == 0xE ? 3 : 4;
    }

    @Override
    public byte[] decodePiece(int id) {
        if (id < 0 || id >= decoded.length) {
            throw new IllegalArgumentException("token id " + id + " is out of range (allowed: 0.."
                    + (decoded.length - 1) + ")");
        }
        return decoded[id].clone();
    }

    /** The decoded bytes of {@code id} without copying; callers must not modify them. */
    byte[] pieceBytes(int id) {
        return decoded[id];
    }

    @Override
    public String toString() {
        return "SentencePieceBpe[" + vocab + "]";
    }
}
