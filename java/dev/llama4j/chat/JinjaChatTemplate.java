package dev.llama4j.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import dev.llama4j.Llama4jException;
import dev.llama4j.tokenizer.Tokenizer;
import dev.llama4j.tokenizer.Vocabulary;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A chat template written in Jinja (a GGUF's {@code tokenizer.chat_template}, or a file), rendered with Jinjava as
 * Hugging Face renders it ({@code trim_blocks} and {@code lstrip_blocks} on) with {@code messages},
 * {@code bos_token}, {@code eos_token}, {@code add_generation_prompt} and {@code raise_exception}. The rendered
 * text becomes ids as llama.cpp's {@code parse_special = true} does: the texts of the vocabulary's special tokens
 * become their ids, the text between them is encoded without BOS. Message contents are passed to the template
 * unchanged, so a user could write a special token's text; use the built-in templates where that matters.
 */
public final class JinjaChatTemplate implements ChatTemplate {
    private static final int MAX_OUTPUT = 1 << 24;
    private final String name;
    private final String source;
    private final Vocabulary vocab;
    private final SpecialTokens specials;
    private final Jinjava jinja;

    /**
     * @param name   how to call it in messages (a file name, or "gguf")
     * @param source the Jinja template
     * @param vocab  the vocabulary whose special tokens are split out of the rendered text
     */
    public JinjaChatTemplate(String name, String source, Vocabulary vocab) {
        this.name = name;
        this.source = source;
        this.vocab = vocab;
        this.specials = SpecialTokens.of(vocab);
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withMaxOutputSize(MAX_OUTPUT)
                .build();
        this.jinja = new Jinjava(config);
        jinja.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception",
                JinjaChatTemplate.class, "raiseException", String.class));
    }

    /** The template's {@code raise_exception(message)}. */
    public static String raiseException(String message) {
        throw new TemplateException(message);
    }

    /** An error the template itself raised. */
    static final class TemplateException extends RuntimeException {
        TemplateException(String message) {
            super(message);
        }
    }

    @Override
    public String name() {
        return name;
    }

    /** The template source. */
    public String source() {
        return source;
    }

    /** Renders {@code dialog} to text (special tokens still as text). */
    public String render(List<Message> dialog, boolean addAssistantPrompt) {
        List<Map<String, Object>> msgs = new ArrayList<>();
        for (Message m : dialog) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("role", m.role());
            e.put("content", m.content());
            msgs.add(e);
        }
        Map<String, Object> vars = new LinkedHashMap<>();
        vars.put("messages", msgs);
        vars.put("bos_token", vocab.piece(vocab.bos()));
        vars.put("eos_token", vocab.piece(vocab.eos()));
        vars.put("add_generation_prompt", addAssistantPrompt);
        RenderResult r;
        try {
            r = jinja.renderForResult(source, vars);
        } catch (RuntimeException e) {
            throw failure(e);
        }
        for (TemplateError err : r.getErrors()) {
            if (err.getSeverity() == TemplateError.ErrorType.FATAL) {
                Throwable cause = err.getException();
                throw failure(cause != null ? cause : new RuntimeException(err.getMessage()));
            }
        }
        return r.getOutput();
    }

    private Llama4jException failure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof TemplateException te) {
                return new Llama4jException("chat template " + name + " refused the dialog: " + te.getMessage());
            }
        }
        return new Llama4jException("chat template " + name + " failed to render: " + e.getMessage());
    }

    @Override
    public int[] encode(List<Message> dialog, Tokenizer tok, boolean addAssistantPrompt) {
        return specials.encode(render(dialog, addAssistantPrompt), tok);
    }

    @Override
    public List<String> stopStrings() {
        return List.of();
    }

    @Override
    public int[] stopTokens() {
        List<Integer> ids = new ArrayList<>();
        for (String s : List.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>")) {
            SpecialTokens.find(vocab, s).ifPresent(ids::add);
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public String toString() {
        return "jinja:" + name;
    }
}
