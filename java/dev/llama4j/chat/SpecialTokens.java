package dev.llama4j.chat;

import dev.llama4j.Llama4jException;
import dev.llama4j.tokenizer.Tokenizer;
import dev.llama4j.tokenizer.Vocabulary;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalInt;

/**
 * The special tokens of a vocabulary (control, user-defined and unknown tokens, as llama.cpp's
 * {@code parse_special}) and text splitting on them.
 */
final class SpecialTokens {
    private final String[] texts; // longest first
    private final int[] ids;

    private SpecialTokens(String[] texts, int[] ids) {
        this.texts = texts;
        this.ids = ids;
    }

    static SpecialTokens of(Vocabulary v) {
        List<Integer> found = new ArrayList<>();
        for (int id = 0; id < v.size(); id++) {
            int t = v.type(id);
            if ((t == Vocabulary.CONTROL || t == Vocabulary.USER_DEFINED || t == Vocabulary.UNKNOWN)
                    && !v.piece(id).isEmpty()) {
                found.add(id);
            }
        }
        found.sort(Comparator.comparingInt((Integer id) -> -v.piece(id).length()).thenComparingInt(id -> id));
        String[] texts = new String[found.size()];
        int[] ids = new int[found.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = found.get(i);
            texts[i] = v.piece(ids[i]);
        }
        return new SpecialTokens(texts, ids);
    }

    /** The id of the control or user-defined token spelled {@code text}, if the vocabulary has one. */
    static OptionalInt find(Vocabulary v, String text) {
        for (int id = 0; id < v.size(); id++) {
            int t = v.type(id);
            if ((t == Vocabulary.CONTROL || t == Vocabulary.USER_DEFINED) && v.piece(id).equals(text)) {
                return OptionalInt.of(id);
            }
        }
        return OptionalInt.empty();
    }

    /** The id of {@code text}, or an error naming the template that needs it. */
    static int require(Vocabulary v, String text, String template) {
        return find(v, text).orElseThrow(() -> new Llama4jException("the vocabulary"
                + (v.file() == null ? "" : " of " + v.file()) + " has no special token " + text + ": the "
                + template + " chat template needs it (choose another with --chat-template)"));
    }

    /**
     * Encodes rendered template text: occurrences of special-token texts (leftmost, longest first) become their
     * ids; the text between them is encoded without BOS (each piece with the dummy-prefix space, as llama.cpp's
     * SentencePiece tokenizer does for text after a special token or at the start).
     */
    int[] encode(String text, Tokenizer tok) {
        Ids out = new Ids(tok);
        int start = 0;
        int i = 0;
        while (i < text.length()) {
            int match = -1;
            for (int s = 0; s < texts.length; s++) {
                if (text.startsWith(texts[s], i)) {
                    match = s;
                    break;
                }
            }
            if (match < 0) {
                i++;
                continue;
            }
            if (i > start) {
                out.text(text.substring(start, i));
            }
            out.id(ids[match]);
            i += texts[match].length();
            start = i;
        }
        if (start < text.length()) {
            out.text(text.substring(start));
        }
        return out.toArray();
    }

    @Override
    public String toString() {
        return "SpecialTokens" + Arrays.toString(texts);
    }
}
