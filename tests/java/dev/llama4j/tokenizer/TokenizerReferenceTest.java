package dev.llama4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llama4j.TestData;
import dev.llama4j.llama2c.Llama2cTokenizerFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Encoding and decoding against the reference vectors (llama.cpp ids, llama2.c decode). */
class TokenizerReferenceTest {
    static Tokenizer llama2c(String file) {
        return new SentencePieceBpe(Vocabulary.fromLlama2c(Llama2cTokenizerFile.open(TestData.model(file))));
    }

    static JsonNode json(String name) throws IOException {
        return new ObjectMapper().readTree(TestData.reference(name).toFile());
    }

    static int[] ints(JsonNode a) {
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = a.get(i).asInt();
        }
        return r;
    }

    /** Every case: encode(text, BOS) equals llamacpp_ids; decode of the llama2.c ids equals decoded_utf8_hex. */
    static void checkReference(Tokenizer tok, JsonNode ref) {
        assertEquals(ref.get("vocab_size").asInt(), tok.vocabulary().size());
        int cases = 0;
        for (JsonNode c : ref.get("cases")) {
            String id = c.get("id").asText();
            String text = c.get("text").asText();
            assertEquals(c.get("text_utf8_hex").asText(),
                    HexFormat.of().formatHex(text.getBytes(StandardCharsets.UTF_8)), id);
            assertArrayEquals(ints(c.get("llamacpp_ids")), tok.encode(text, true), id);
            byte[] decoded = tok.decode(ints(c.get("ids")));
            assertEquals(c.get("decoded_utf8_hex").asText(), HexFormat.of().formatHex(decoded), id);
            if (c.get("decoded_roundtrip_equal").asBoolean()) {
                assertEquals(text, new String(decoded, StandardCharsets.UTF_8), id);
            }
            if (c.get("decoded_roundtrip_equal").asBoolean() && c.get("llamacpp_equal").asBoolean()) {
                // our own ids decode back too (not for a literal U+2581, which encodes like a space)
                assertEquals(text, tok.decodeToString(tok.encode(text, true)), id);
            }
            cases++;
        }
        assertTrue(cases >= 20, "cases: " + cases);
    }

    @Test
    void llama2Vocabulary32000() throws IOException {
        checkReference(llama2c("tokenizer.bin"), json("tokenizer_llama2_32000.json"));
    }

    @Test
    void tok512Vocabulary() throws IOException {
        checkReference(llama2c("tok512.bin"), json("tokenizer_tok512.json"));
    }

    /** The strings of llama.cpp's ggml-vocab-llama-spm.gguf.inp with the ids of its .out (no BOS). */
    record VocabCase(String text, int[] ids) {}

    static List<VocabCase> ggmlVocabCases() throws IOException {
        String inp = Files.readString(TestData.model("ggml-vocab-llama-spm.gguf.inp"), StandardCharsets.UTF_8);
        List<String> out = Files.readAllLines(TestData.model("ggml-vocab-llama-spm.gguf.out"), StandardCharsets.UTF_8);
        String sep = "\n__ggml_vocab_test__\n";
        List<String> texts = new ArrayList<>();
        for (int pos = 0, next; (next = inp.indexOf(sep, pos)) >= 0; pos = next + sep.length()) {
            texts.add(inp.substring(pos, next));
        }
        assertEquals(texts.size(), out.size(), "strings in .inp vs lines in .out");
        List<VocabCase> cases = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            String line = out.get(i).strip();
            int[] ids = line.isEmpty() ? new int[0]
                    : java.util.Arrays.stream(line.split(" +")).mapToInt(Integer::parseInt).toArray();
            cases.add(new VocabCase(texts.get(i), ids));
        }
        return cases;
    }

    static void checkGgmlVocab(Tokenizer tok) throws IOException {
        List<VocabCase> cases = ggmlVocabCases();
        // 46 strings, each terminated by the separator (the shared README's "47" counts the empty tail of a split)
        assertEquals(46, cases.size());
        for (VocabCase c : cases) {
            assertArrayEquals(c.ids(), tok.encode(c.text(), false), () -> "text: " + c.text());
        }
    }

    @Test
    void ggmlVocabTestVectorsWithTokenizerBin() throws IOException {
        checkGgmlVocab(llama2c("tokenizer.bin"));
    }

    @Test
    void addBosFollowsFlag() {
        Tokenizer tok = llama2c("tok512.bin");
        int[] with = tok.encode("Hello", true);
        int[] without = tok.encode("Hello", false);
        assertEquals(1, with[0]);
        assertArrayEquals(without, java.util.Arrays.copyOfRange(with, 1, with.length));
        assertArrayEquals(with, tok.encode("Hello"));
        assertArrayEquals(new int[0], tok.encode("", false));
    }
}
