package dev.llama4j.chat;

import dev.llama4j.tokenizer.Tokenizer;
import java.util.Arrays;

/**
 * Builds an id sequence from control-token ids and text pieces. Each text piece is encoded on its own, without
 * BOS, with SentencePiece's dummy-prefix space (as Meta's tokenizer does per call, and as llama.cpp does for text
 * that follows a special token).
 */
final class Ids {
    private final Tokenizer tok;
    private int[] a = new int[64];
    private int n;

    Ids(Tokenizer tok) {
        this.tok = tok;
    }

    Ids id(int id) {
        if (n == a.length) {
            a = Arrays.copyOf(a, n * 2);
        }
        a[n++] = id;
        return this;
    }

    Ids text(String s) {
        for (int id : tok.encode(s, false)) {
            id(id);
        }
        return this;
    }

    int[] toArray() {
        return Arrays.copyOf(a, n);
    }
}
