package dev.llama4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama4j.TestData;
import dev.llama4j.llama2c.Llama2cTokenizerFile;
import dev.llama4j.model.ModelFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VocabularyTest {
    static final Path FILE = Path.of("test.gguf");

    static Map<String, Object> metadata() {
        Map<String, Object> m = new HashMap<>();
        m.put(Vocabulary.KEY_MODEL, "llama");
        m.put(Vocabulary.KEY_TOKENS, List.of("<unk>", "<s>", "</s>", "<0x41>", "▁a", "a", "▁"));
        m.put(Vocabulary.KEY_SCORES, List.of(0f, 0f, 0f, 0f, -1f, -2f, -3f));
        m.put(Vocabulary.KEY_TYPES, List.of(2, 3, 3, 6, 1, 1, 1));
        m.put(Vocabulary.KEY_BOS, 1L);
        m.put(Vocabulary.KEY_EOS, 2L);
        m.put(Vocabulary.KEY_UNK, 0);
        m.put(Vocabulary.KEY_ADD_BOS, true);
        return m;
    }

    @Test
    void fromGgufMetadata() {
        Vocabulary v = Vocabulary.fromGgufMetadata(FILE, metadata());
        assertEquals(7, v.size());
        assertEquals(1, v.bos());
        assertEquals(2, v.eos());
        assertEquals(0, v.unk());
        assertTrue(v.addBos());
        assertEquals(Vocabulary.BYTE, v.type(3));
        Tokenizer t = new SentencePieceBpe(v);
        // "a" -> "▁a"; "A" is not a piece -> byte token; "b" has no byte token -> unk
        assertArrayEquals(new int[] {1, 4}, t.encode("a", true));
        assertArrayEquals(new int[] {6, 3}, t.encode("A", false));
        assertArrayEquals(new int[] {6, 0}, t.encode("b", false));
        assertArrayEquals(new int[] {4, 5, 4}, t.encode("aa a", false));
    }

    @Test
    void defaultsWhenOptionalKeysAreMissing() {
        Map<String, Object> m = metadata();
        m.remove(Vocabulary.KEY_BOS);
        m.remove(Vocabulary.KEY_EOS);
        m.remove(Vocabulary.KEY_UNK);
        m.remove(Vocabulary.KEY_ADD_BOS);
        Vocabulary v = Vocabulary.fromGgufMetadata(FILE, m);
        assertEquals(List.of(1, 2, 0, 1), List.of(v.bos(), v.eos(), v.unk(), v.addBos() ? 1 : 0));
    }

    static void fails(Map<String, Object> m, String... parts) {
        var e = assertThrows(ModelFileException.class, () -> Vocabulary.fromGgufMetadata(FILE, m));
        assertTrue(e.getMessage().startsWith("test.gguf: "), e.getMessage());
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), () -> "'" + p + "' not in: " + e.getMessage());
        }
    }

    @Test
    void badMetadata() {
        for (String key : List.of(Vocabulary.KEY_MODEL, Vocabulary.KEY_TOKENS, Vocabulary.KEY_SCORES,
                Vocabulary.KEY_TYPES)) {
            Map<String, Object> m = metadata();
            m.remove(key);
            fails(m, key, "missing");
        }
        Map<String, Object> m = metadata();
        m.put(Vocabulary.KEY_MODEL, "gpt2");
        fails(m, Vocabulary.KEY_MODEL, "\"gpt2\" is not supported");
        m = metadata();
        m.put(Vocabulary.KEY_BOS, "1");
        fails(m, Vocabulary.KEY_BOS, "has type String");
        m = metadata();
        m.put(Vocabulary.KEY_EOS, 99L);
        fails(m, Vocabulary.KEY_EOS + " = 99 is out of range");
        m = metadata();
        m.put(Vocabulary.KEY_ADD_BOS, 1);
        fails(m, Vocabulary.KEY_ADD_BOS, "has type Integer");
        m = metadata();
        m.put(Vocabulary.KEY_SCORES, List.of(0f, 0f));
        fails(m, Vocabulary.KEY_SCORES + " has 2 entries but " + Vocabulary.KEY_TOKENS + " has 7");
        m = metadata();
        m.put(Vocabulary.KEY_SCORES, List.of(0f, 0f, 0f, 0f, 0d, 0f, 0f));
        fails(m, Vocabulary.KEY_SCORES + "[4]", "has type Double");
        m = metadata();
        m.put(Vocabulary.KEY_TYPES, List.of(2, 3, 3, 6, 1, 9, 1));
        fails(m, Vocabulary.KEY_TYPES + "[5] = 9 is out of range");
        m = metadata();
        m.put(Vocabulary.KEY_TYPES, List.of(2, 3, 3, 6, 6, 1, 1));
        fails(m, Vocabulary.KEY_TOKENS + "[4]", "not of the form <0xNN>");
        m = metadata();
        m.put(Vocabulary.KEY_TOKENS, List.of("<unk>", "<s>", "</s>", 65, "▁a", "a", "▁"));
        fails(m, Vocabulary.KEY_TOKENS + "[3]", "has type Integer");
    }

    @Test
    void fromLlama2cNormalises() {
        Vocabulary v = Vocabulary.fromLlama2c(Llama2cTokenizerFile.open(TestData.model("tokenizer.bin")));
        assertEquals(32000, v.size());
        assertEquals("<unk>", v.piece(0));
        assertEquals(Vocabulary.UNKNOWN, v.type(0));
        assertEquals("<s>", v.piece(1));
        assertEquals(Vocabulary.CONTROL, v.type(1));
        assertEquals("</s>", v.piece(2));
        assertEquals(Vocabulary.CONTROL, v.type(2));
        assertEquals("<0x0A>", v.piece(13));
        assertEquals(Vocabulary.BYTE, v.type(13));
        assertEquals("▁▁", v.piece(259));
        assertEquals("▁Hello", v.piece(15043));
        assertEquals(Vocabulary.NORMAL, v.type(15043));
        assertEquals(List.of(1, 2, 0), List.of(v.bos(), v.eos(), v.unk()));
        assertTrue(v.addBos());
    }
}
