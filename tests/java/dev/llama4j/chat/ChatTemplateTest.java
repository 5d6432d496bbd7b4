package dev.llama4j.chat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama4j.Llama4jException;
import dev.llama4j.TestData;
import dev.llama4j.model.Tokenizers;
import dev.llama4j.tokenizer.SentencePieceBpe;
import dev.llama4j.tokenizer.Tokenizer;
import dev.llama4j.tokenizer.Vocabulary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exact token ids of multi-turn dialogs for every template, on the 32000-token LLaMA vocabulary. Expected ids are
 * assembled from the format's specification: literal control ids (BOS 1, EOS 2, or the ids of the special tokens
 * added to the vocabulary for the test) and {@code tokenizer.encode} of the exact spec strings.
 */
class ChatTemplateTest {
    static final int BOS = 1;
    static final int EOS = 2;
    /** Llama 3 and ChatML special tokens, appended to the 32000 vocabulary at these ids. */
    static final List<String> EXTRA = List.of("<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>",
            "<|eot_id|>", "<|im_start|>", "<|im_end|>");
    static final int BOT = 32000, SH = 32001, EH = 32002, EOT = 32003, IM_START = 32004, IM_END = 32005;

    static Tokenizer tok;
    static Tokenizer ext;

    static final List<Message> WITH_SYSTEM = List.of(
            Message.system("Be brief."),
            Message.user("Hi there"),
            Message.assistant("Hello! How can I help?"),
            Message.user("  Tell me a joke.  "));
    static final List<Message> NO_SYSTEM = WITH_SYSTEM.subList(1, 4);

    @BeforeAll
    static void load() {
        Vocabulary v = Tokenizers.readVocabulary(TestData.model("tokenizer.bin"), 32000);
        tok = new SentencePieceBpe(v);
        String[] pieces = Arrays.copyOf(v.pieces(), 32000 + EXTRA.size());
        float[] scores = Arrays.copyOf(v.scores(), pieces.length);
        int[] types = Arrays.copyOf(v.types(), pieces.length);
        for (int i = 0; i < EXTRA.size(); i++) {
            pieces[32000 + i] = EXTRA.get(i);
            types[32000 + i] = Vocabulary.CONTROL;
        }
        ext = new SentencePieceBpe(new Vocabulary(null, pieces, scores, types, 1, 2, 0, true));
    }

    static int[] enc(String s) {
        return tok.encode(s, false);
    }

    static int[] cat(Object... parts) {
        IntStream s = IntStream.empty();
        for (Object p : parts) {
            s = IntStream.concat(s, p instanceof Integer i ? IntStream.of(i) : IntStream.of((int[]) p));
        }
        return s.toArray();
    }

    @Test
    void specStringsTokenizeAsKnownLlama2Ids() {
        // "[INST]" and "[/INST]" with the dummy prefix, as every Llama 2 chat prompt begins/uses them
        assertArrayEquals(new int[] {518, 25580, 29962}, enc("[INST]"));
        assertArrayEquals(new int[] {518, 29914, 25580, 29962}, Arrays.copyOfRange(enc("a [/INST]"), 1, 5));
    }

    @Test
    void llama2WithSystem() {
        int[] want = cat(BOS, enc("[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi there [/INST] Hello! How can I help? "),
                EOS, BOS, enc("[INST] Tell me a joke. [/INST]"));
        assertArrayEquals(want, new Llama2ChatTemplate().encode(WITH_SYSTEM, tok, true));
        assertEquals(List.of(BOS, 518, 25580, 29962), Arrays.stream(want).limit(4).boxed().toList());
    }

    @Test
    void llama2WithoutSystem() {
        int[] want = cat(BOS, enc("[INST] Hi there [/INST] Hello! How can I help? "), EOS,
                BOS, enc("[INST] Tell me a joke. [/INST]"));
        assertArrayEquals(want, new Llama2ChatTemplate().encode(NO_SYSTEM, tok, true));
    }

    @Test
    void llama2SystemAndOneUserMessage() {
        int[] want = cat(BOS, enc("[INST] <<SYS>>\nS\n<</SYS>>\n\nQ [/INST]"));
        assertArrayEquals(want, new Llama2ChatTemplate().encode(List.of(Message.system("S"), Message.user("Q")),
                tok, true));
    }

    @Test
    void llama2EndingWithAnAnswer() {
        int[] want = cat(BOS, enc("[INST] Hi there [/INST] Hello! How can I help? "), EOS);
        assertArrayEquals(want, new Llama2ChatTemplate().encode(NO_SYSTEM.subList(0, 2), tok, false));
    }

    @Test
    void llama3WithAndWithoutSystem() {
        ChatTemplate t = new Llama3ChatTemplate(ext.vocabulary());
        int[] turns = cat(SH, enc("user"), EH, enc("\n\nHi there"), EOT,
                SH, enc("assistant"), EH, enc("\n\nHello! How can I help?"), EOT,
                SH, enc("user"), EH, enc("\n\nTell me a joke."), EOT,
                SH, enc("assistant"), EH, enc("\n\n"));
        assertArrayEquals(cat(BOT, SH, enc("system"), EH, enc("\n\nBe brief."), EOT, turns),
                t.encode(WITH_SYSTEM, ext, true));
        assertArrayEquals(cat(BOT, turns), t.encode(NO_SYSTEM, ext, true));
        assertArrayEquals(new int[] {EOT}, t.stopTokens());
    }

    @Test
    void llama3NeedsItsSpecialTokens() {
        Llama4jException e = assertThrows(Llama4jException.class, () -> new Llama3ChatTemplate(tok.vocabulary()));
        assertTrue(e.getMessage().contains("<|begin_of_text|>"), e.getMessage());
        assertTrue(e.getMessage().contains("--chat-template"), e.getMessage());
    }

    @Test
    void chatMlWithTokenIds() {
        ChatTemplate t = new ChatMlTemplate(ext.vocabulary());
        int[] turns = cat(IM_START, enc("user\nHi there"), IM_END, enc("\n"),
                IM_START, enc("assistant\nHello! How can I help?"), IM_END, enc("\n"),
                IM_START, enc("user\n  Tell me a joke.  "), IM_END, enc("\n"),
                IM_START, enc("assistant\n"));
        assertArrayEquals(cat(IM_START, enc("system\nBe brief."), IM_END, enc("\n"), turns),
                t.encode(WITH_SYSTEM, ext, true));
        assertArrayEquals(turns, t.encode(NO_SYSTEM, ext, true));
        assertArrayEquals(new int[] {IM_END}, t.stopTokens());
    }

    @Test
    void chatMlAsTextWhenTheVocabularyLacksTheMarkers() {
        ChatMlTemplate t = new ChatMlTemplate(tok.vocabulary());
        assertEquals(false, t.usesTokenIds());
        String text = "<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\nHello! How can I help?<|im_end|>\n"
                + "<|im_start|>user\n  Tell me a joke.  <|im_end|>\n<|im_start|>assistant\n";
        assertArrayEquals(enc(text), t.encode(NO_SYSTEM, tok, true));
        assertArrayEquals(enc("<|im_start|>system\nBe brief.<|im_end|>\n" + text), t.encode(WITH_SYSTEM, tok, true));
        assertEquals(List.of("<|im_end|>"), t.stopStrings());
    }

    @Test
    void mistralFoldsTheSystemIntoTheFirstUserMessage() {
        ChatTemplate t = new MistralTemplate();
        assertArrayEquals(cat(BOS, enc("[INST] Be brief.\n\nHi there [/INST]"), enc("Hello! How can I help?"), EOS,
                enc("[INST] Tell me a joke. [/INST]")), t.encode(WITH_SYSTEM, tok, true));
        assertArrayEquals(cat(BOS, enc("[INST] Hi there [/INST]"), enc("Hello! How can I help?"), EOS,
                enc("[INST] Tell me a joke. [/INST]")), t.encode(NO_SYSTEM, tok, true));
    }

    @Test
    void rolesMustAlternate() {
        ChatTemplate t = new Llama2ChatTemplate();
        assertThrows(Llama4jException.class, () -> t.encode(List.of(Message.assistant("x")), tok, true));
        assertThrows(Llama4jException.class,
                () -> t.encode(List.of(Message.user("a"), Message.user("b")), tok, true));
        assertThrows(Llama4jException.class, () -> t.encode(List.of(), tok, true));
        assertThrows(Llama4jException.class, () -> new Message("tool", "x"));
        assertThrows(Llama4jException.class, () -> new Message("user", null));
    }

    @Test
    void controlTokenTextInMessagesStaysText() {
        int[] ids = new ChatMlTemplate(ext.vocabulary()).encode(List.of(Message.user("<|im_end|><s>")), ext, true);
        assertEquals(1, Arrays.stream(ids).filter(id -> id == IM_END).count()); // its own marker only
        assertEquals(0, Arrays.stream(ids).filter(id -> id == BOS).count());
    }

    /** The Llama 2 chat template as published with Meta's Hugging Face models. */
    static final String HF_LLAMA2 = "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}"
            + "{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}"
            + "{% set system_message = false %}{% endif %}{% for message in loop_messages %}"
            + "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
            + "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
            + "{% if loop.index0 == 0 and system_message != false %}"
            + "{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}"
            + "{% else %}{% set content = message['content'] %}{% endif %}"
            + "{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}"
            + "{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}"
            + "{% endfor %}";

    static final String HF_CHATML = "{% for message in messages %}"
            + "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"
            + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    @Test
    void jinjaLlama2TemplateGivesTheReferenceIds() {
        JinjaChatTemplate j = new JinjaChatTemplate("hf-llama2", HF_LLAMA2, tok.vocabulary());
        assertEquals("<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi there [/INST] Hello! How can I help? </s>"
                + "<s>[INST] Tell me a joke. [/INST]", j.render(WITH_SYSTEM, true));
        Llama2ChatTemplate ref = new Llama2ChatTemplate();
        assertArrayEquals(ref.encode(WITH_SYSTEM, tok, true), j.encode(WITH_SYSTEM, tok, true));
        assertArrayEquals(ref.encode(NO_SYSTEM, tok, true), j.encode(NO_SYSTEM, tok, true));
        Llama4jException e = assertThrows(Llama4jException.class,
                () -> j.encode(List.of(Message.assistant("x")), tok, true));
        assertTrue(e.getMessage().contains("Conversation roles must alternate"), e.getMessage());
    }

    @Test
    void jinjaChatMlTemplateGivesTheBuiltInIds() {
        JinjaChatTemplate j = new JinjaChatTemplate("chatml", HF_CHATML, ext.vocabulary());
        ChatMlTemplate ref = new ChatMlTemplate(ext.vocabulary());
        assertArrayEquals(ref.encode(WITH_SYSTEM, ext, true), j.encode(WITH_SYSTEM, ext, true));
        assertArrayEquals(ref.encode(NO_SYSTEM, ext, false), j.encode(NO_SYSTEM, ext, false));
    }

    @Test
    void forModelChoosesOverrideThenGgufTemplateThenLlama2(@TempDir Path dir) throws Exception {
        Vocabulary v = ext.vocabulary();
        assertInstanceOf(Llama2ChatTemplate.class, ChatTemplates.forModel(Map.of(), v, null));
        assertInstanceOf(JinjaChatTemplate.class,
                ChatTemplates.forModel(Map.of(ChatTemplates.KEY_TEMPLATE, HF_LLAMA2), v, null));
        assertInstanceOf(ChatMlTemplate.class,
                ChatTemplates.forModel(Map.of(ChatTemplates.KEY_TEMPLATE, HF_LLAMA2), v, "chatml"));
        assertInstanceOf(Llama3ChatTemplate.class, ChatTemplates.forModel(Map.of(), v, "llama3"));
        assertInstanceOf(MistralTemplate.class, ChatTemplates.forModel(Map.of(), v, "mistral"));
        // a template Jinja cannot render falls back to the format its markers name
        String broken = "{% for m in messages %}<|im_start|>{{ m.role }\n{% endfor";
        assertInstanceOf(ChatMlTemplate.class,
                ChatTemplates.forModel(Map.of(ChatTemplates.KEY_TEMPLATE, broken), v, null));
        Path f = dir.resolve("t.jinja");
        Files.writeString(f, HF_CHATML);
        ChatTemplate fromFile = ChatTemplates.forModel(Map.of(), v, f.toString());
        assertArrayEquals(new ChatMlTemplate(v).encode(NO_SYSTEM, ext, true), fromFile.encode(NO_SYSTEM, ext, true));
        Llama4jException e = assertThrows(Llama4jException.class, () -> ChatTemplates.forModel(Map.of(), v, "zephyr"));
        assertTrue(e.getMessage().contains("llama2, llama3, chatml, mistral"), e.getMessage());
    }
}
