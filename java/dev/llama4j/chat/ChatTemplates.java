package dev.llama4j.chat;

import dev.llama4j.Llama4jException;
import dev.llama4j.tokenizer.Vocabulary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Chooses the chat template of a model. */
public final class ChatTemplates {
    /** The GGUF metadata key of the Jinja chat template. */
    public static final String KEY_TEMPLATE = "tokenizer.chat_template";
    /** The built-in template names. */
    public static final List<String> NAMES = List.of("llama2", "llama3", "chatml", "mistral");
    private static final Logger LOG = LoggerFactory.getLogger(ChatTemplates.class);

    private ChatTemplates() {}

    /** A built-in template by name ({@code llama2}, {@code llama3}, {@code chatml}, {@code mistral}). */
    public static ChatTemplate builtin(String name, Vocabulary vocab) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "llama2", "llama-2" -> new Llama2ChatTemplate();
            case "llama3", "llama-3" -> new Llama3ChatTemplate(vocab);
            case "chatml" -> new ChatMlTemplate(vocab);
            case "mistral" -> new MistralTemplate();
            default -> throw new Llama4jException("unknown chat template '" + name + "' (allowed: "
                    + String.join(", ", NAMES) + ", or a path to a Jinja template file)");
        };
    }

    /**
     * The template for a model: {@code override} when given (a built-in name or a path to a Jinja file);
     * otherwise the GGUF's {@code tokenizer.chat_template} rendered as Jinja (if it does not render, the known
     * formats are recognised by marker strings); with no template in the file, Llama 2.
     */
    public static ChatTemplate forModel(Map<String, Object> ggufMetadata, Vocabulary vocab, String override) {
        if (override != null && !override.isBlank()) {
            if (NAMES.contains(override.toLowerCase(Locale.ROOT))) {
                return builtin(override, vocab);
            }
            Path p = Path.of(override);
            if (!Files.isRegularFile(p)) {
                throw new Llama4jException("--chat-template " + override + ": not a built-in template (allowed: "
                        + String.join(", ", NAMES) + ") and no such file");
            }
            try {
                return new JinjaChatTemplate(p.getFileName().toString(), Files.readString(p), vocab);
            } catch (IOException e) {
                throw new Llama4jException("--chat-template " + override + ": cannot read: " + e.getMessage());
            }
        }
        Object t = ggufMetadata == null ? null : ggufMetadata.get(KEY_TEMPLATE);
        if (!(t instanceof String source) || source.isBlank()) {
            return new Llama2ChatTemplate();
        }
        try {
            JinjaChatTemplate j = new JinjaChatTemplate("gguf", source, vocab);
            j.render(List.of(Message.user("hi"), Message.assistant("hello"), Message.user("bye")), true);
            return j;
        } catch (RuntimeException e) {
            ChatTemplate known = byMarkers(source, vocab);
            LOG.warn("{} does not render as Jinja ({}); using the {} template it resembles", KEY_TEMPLATE,
                    e.getMessage(), known.name());
            return known;
        }
    }

    /** The built-in template a template's text resembles (Llama 2 when none is recognised). */
    public static ChatTemplate byMarkers(String source, Vocabulary vocab) {
        if (source.contains("<|start_header_id|>")) {
            return new Llama3ChatTemplate(vocab);
        }
        if (source.contains("<|im_start|>")) {
            return new ChatMlTemplate(vocab);
        }
        if (source.contains("<<SYS>>")) {
            return new Llama2ChatTemplate();
        }
        if (source.contains("[INST]")) {
            return new MistralTemplate();
        }
        return new Llama2ChatTemplate();
    }
}
