package dev.llama4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The fast encoder (priority queue, independent runs, re-checked entries) against the plain definition on long
 * seeded random texts: repeatedly merge the adjacent pair whose concatenation is the highest-scoring piece,
 * leftmost on ties (a quadratic scan, as llama2.c's encode does), then fall back to byte tokens.
 */
class EncodeOracleTest {
    static int[] oracle(Vocabulary v, String text) {
        Map<String, Integer> ids = new HashMap<>();
        for (int id = 0; id < v.size(); id++) {
            int t = v.type(id);
            if (t != Vocabulary.CONTROL && t != Vocabulary.UNKNOWN && t != Vocabulary.BYTE) {
                ids.put(v.piece(id), id);
            }
        }
        List<Integer> out = new ArrayList<>();
        out.add(v.bos());
        if (text.isEmpty()) {
            return out.stream().mapToInt(i -> i).toArray();
        }
        String s = "\u2581" + text.replace(' ', '\u2581');
        List<String> sym = new ArrayList<>();
        s.codePoints().forEach(cp -> sym.add(Character.toString(cp)));
        while (true) {
            int best = -1;
            float bestScore = 0;
            for (int i = 0; i + 1 < sym.size(); i++) {
                Integer id = ids.get(sym.get(i) + sym.get(i + 1));
                if (id != null && (best < 0 || v.score(id) > bestScore)) {
                    best = i;
                    bestScore = v.score(id);
                }
            }
            if (best < 0) {
                break;
            }
            sym.set(best, sym.get(best) + sym.remove(best + 1));
        }
        for (String x : sym) {
            Integer id = ids.get(x);
            if (id != null) {
                out.add(id);
            } else {
                for (byte b : x.getBytes(StandardCharsets.UTF_8)) {
                    out.add(3 + (b & 0xff));
                }
            }
        }
        return out.stream().mapToInt(i -> i).toArray();
    }

    static String randomText(Random rnd, int length) {
        String[] parts = {"the", "quick", "brown", "fox", " ", "  ", "   ", "\n", "\t", "aaaa", "ing", "tion", ",", ".",
            "'s", "123", "4567", "é", "ü", "ß", "日本", "語", "中文", "🦙", "👍🏽", "👩‍👩‍👧", "▁", "▁▁", "<s>", "</s>",
            "Привет", "мир", "مرحبا", "שלום", "∑", "∞", "ﬁ", "Ｆ", "\r\n", "ab", "ba", "er", "re", "in", "on"};
        StringBuilder sb = new StringBuilder();
        while (sb.length() < length) {
            sb.append(parts[rnd.nextInt(parts.length)]);
        }
        return sb.toString();
    }

    static void check(Tokenizer tok, long seed, int texts, int length) {
        Random rnd = new Random(seed);
        for (int i = 0; i < texts; i++) {
            String text = randomText(rnd, 1 + rnd.nextInt(length));
            assertArrayEquals(oracle(tok.vocabulary(), text), tok.encode(text, true), text);
        }
    }

    @Test
    void matchesDefinitionWith32000Vocabulary() {
        check(TokenizerReferenceTest.llama2c("tokenizer.bin"), 11, 30, 700);
    }

    @Test
    void matchesDefinitionWith512Vocabulary() {
        check(TokenizerReferenceTest.llama2c("tok512.bin"), 12, 30, 700);
    }
}
