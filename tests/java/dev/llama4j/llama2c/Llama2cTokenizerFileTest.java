package dev.llama4j.llama2c;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama4j.TestData;
import dev.llama4j.model.ModelFileException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Llama2cTokenizerFileTest {
    @TempDir
    Path tmp;

    @Test
    void tok512() {
        Llama2cTokenizerFile t = Llama2cTokenizerFile.open(TestData.model("tok512.bin"), 512);
        assertEquals(7, t.maxTokenLength());
        assertEquals(512, t.size());
        assertEquals("<unk>", t.piece(0));
        assertEquals("\n<s>\n", t.piece(1));
        assertEquals("\n</s>\n", t.piece(2));
        assertEquals("<0x00>", t.piece(3));
        assertEquals("<0xFF>", t.piece(258));
        assertEquals(" t", t.piece(259));
        assertEquals("he", t.piece(260));
        assertEquals(-1.0f, t.score(260));
        assertEquals(-2.0f, t.score(261));
    }

    @Test
    void llama2Tokenizer() {
        Llama2cTokenizerFile t = Llama2cTokenizerFile.open(TestData.model("tokenizer.bin"));
        assertEquals(27, t.maxTokenLength());
        assertEquals(32000, t.size());
        assertEquals("  ", t.piece(259));
        assertEquals(-1e9f, t.score(259));
        assertEquals(" Hello", t.piece(15043));
        var e = assertThrows(ModelFileException.class, () -> t.checkVocabSize(512));
        assertTrue(e.getMessage().endsWith("tokenizer.bin has 32000 tokens but the model's vocabulary has 512"),
                e.getMessage());
    }

    static byte[] file(int maxLen, Object... records) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(maxLen).array());
        for (int i = 0; i < records.length; i += 3) {
            byte[] text = ((String) records[i + 2]).getBytes(StandardCharsets.UTF_8);
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN)
                    .putFloat((Float) records[i]).putInt((Integer) records[i + 1]).array());
            out.write(text);
        }
        return out.toByteArray();
    }

    ModelFileException fails(String name, byte[] bytes) throws IOException {
        Path f = tmp.resolve(name);
        Files.write(f, bytes);
        var e = assertThrows(ModelFileException.class, () -> Llama2cTokenizerFile.open(f));
        assertTrue(e.getMessage().startsWith(f + ": "), e.getMessage());
        return e;
    }

    @Test
    void badInput() throws IOException {
        assertTrue(fails("empty.bin", new byte[2]).getMessage().contains("max_token_length"));
        assertTrue(fails("maxlen.bin", file(-3)).getMessage().contains("max_token_length = -3"));
        assertTrue(fails("none.bin", file(4)).getMessage().contains("no tokens"));
        assertTrue(fails("toolong.bin", file(2, 0f, 3, "abc")).getMessage()
                .contains("token 0: length = 3 is out of range (allowed: 0..max_token_length = 2)"));
        assertTrue(fails("negative.bin", file(4, 0f, 1, "a", 0f, -1, "")).getMessage()
                .contains("token 1: length = -1"));
        assertTrue(fails("pastend.bin", file(8, 0f, 5, "ab")).getMessage()
                .contains("token 0: length = 5 but only 2 bytes are left"));
        byte[] partial = file(4, 0f, 1, "a");
        assertTrue(fails("partial.bin", java.util.Arrays.copyOf(partial, partial.length + 3)).getMessage()
                .contains("token 1: record truncated"));
        assertTrue(fails("nan.bin", file(4, Float.NaN, 1, "a")).getMessage().contains("token 0: score is NaN"));
        byte[] bad = file(4, 0f, 1, "a");
        bad[bad.length - 1] = (byte) 0xC3;
        assertTrue(fails("utf8.bin", bad).getMessage().contains("token 0: bytes are not valid UTF-8"));
    }
}
