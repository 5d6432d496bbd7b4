package dev.llama4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class DecodeTest {
    static Tokenizer tok;

    @BeforeAll
    static void load() {
        tok = TokenizerReferenceTest.llama2c("tokenizer.bin");
    }

    static int byteId(int b) {
        return 3 + b;
    }

    @Test
    void pieces() {
        assertArrayEquals(" Hello".getBytes(StandardCharsets.UTF_8), tok.decodePiece(15043));
        assertArrayEquals(new byte[0], tok.decodePiece(0)); // unknown
        assertArrayEquals(new byte[0], tok.decodePiece(1)); // BOS
        assertArrayEquals(new byte[0], tok.decodePiece(2)); // EOS
        assertArrayEquals(new byte[] {(byte) 0xF0}, tok.decodePiece(byteId(0xF0)));
        assertArrayEquals("  ".getBytes(StandardCharsets.UTF_8), tok.decodePiece(259));
        assertThrows(IllegalArgumentException.class, () -> tok.decodePiece(32000));
        assertThrows(IllegalArgumentException.class, () -> tok.decodePiece(-1));
    }

    @Test
    void leadingSpaceStrippedOnlyAfterBos() {
        assertEquals("Hello world", tok.decodeToString(new int[] {1, 15043, 3186}));
        assertEquals(" Hello world", tok.decodeToString(new int[] {15043, 3186}));
        // a byte token for a space after BOS keeps its space (llama2.c strips only text pieces)
        assertEquals(" Hello", tok.decodeToString(new int[] {1, byteId(' '), 10994}));
        assertEquals("Hello", tok.decodeToString(new int[] {1, 15043, 2}));
    }

    static List<String> stream(int[] ids) {
        StreamingDecoder d = tok.streamingDecoder();
        List<String> out = new ArrayList<>();
        for (int id : ids) {
            out.add(d.accept(id));
        }
        out.add(d.flush());
        return out;
    }

    /** Each emitted chunk is whole characters: no lone surrogate, no U+FFFD from a split sequence. */
    static void assertWhole(String s) {
        assertTrue(s.indexOf('\uFFFD') < 0, s);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                assertTrue(i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1)), "split pair in " + s);
                i++;
            } else {
                assertTrue(!Character.isLowSurrogate(c), "lone low surrogate in " + s);
            }
        }
    }

    @Test
    void streamingNeverSplitsCharacters() {
        String[] texts = {
            "this is 🦙.cpp", "👩‍👩‍👧‍👦 family 👍🏽 ok", "中文分词测试 and 日本語のテキストです。", "Ǆ ǅ 🇺🇸 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
            "한국어 텍스트", "مرحبا بالعالم", "∑∫√∞ ≠ ≤", "\uD83E\uDD99\uD83E\uDD99\uD83E\uDD99",
        };
        for (String text : texts) {
            int[] ids = tok.encode(text, true);
            long byteTokens = java.util.Arrays.stream(ids).filter(i -> i >= 3 && i <= 258).count();
            assertTrue(byteTokens > 0 || !text.contains("🦙"), "expected byte fallback in " + text);
            List<String> chunks = stream(ids);
            StringBuilder all = new StringBuilder();
            for (String c : chunks) {
                assertWhole(c);
                all.append(c);
            }
            assertEquals(text, all.toString());
            assertEquals(text, tok.decodeToString(ids));
        }
    }

    @Test
    void streamingHoldsBytesUntilCharacterIsComplete() {
        byte[] llama = "🦙".getBytes(StandardCharsets.UTF_8);
        StreamingDecoder d = tok.streamingDecoder();
        assertEquals("", d.accept(1));
        assertEquals("", d.accept(byteId(llama[0] & 0xff)));
        assertEquals("", d.accept(byteId(llama[1] & 0xff)));
        assertEquals("", d.accept(byteId(llama[2] & 0xff)));
        assertEquals(3, d.pendingBytes());
        assertEquals("🦙", d.accept(byteId(llama[3] & 0xff)));
        assertEquals(" Hello", d.accept(15043)); // not directly after BOS: keeps its space
        assertEquals("", d.flush());
    }

    @Test
    void brokenSequencesBecomeReplacementCharacters() {
        StreamingDecoder d = tok.streamingDecoder();
        assertEquals("", d.accept(byteId(0xE2)));
        assertEquals("", d.accept(byteId(0x96)));
        assertEquals("\uFFFD", d.flush()); // incomplete tail at the end
        assertEquals("\uFFFD", d.accept(byteId(0x96))); // stray continuation byte
        assertEquals("", d.accept(byteId(0xE2)));
        assertEquals("\uFFFD Hello", d.accept(15043)); // cut short by another character
        assertEquals("", d.flush());
    }

    @Test
    void decodeReturnsExactBytes() {
        // "é" as two byte tokens decodes to its two bytes; a lone lead byte stays a lone byte
        assertArrayEquals(new byte[] {(byte) 0xC3, (byte) 0xA9}, tok.decode(new int[] {byteId(0xC3), byteId(0xA9)}));
        assertArrayEquals(new byte[] {(byte) 0xC3}, tok.decode(new int[] {byteId(0xC3)}));
    }
}
