package dev.llama4j.chat;

import dev.llama4j.tokenizer.Tokenizer;
import java.util.List;

/**
 * Turns a dialog into the token ids a chat model was trained on. Control tokens (BOS, EOS, {@code <|im_start|>},
 * ...) are emitted as ids, never tokenized from text, so message text can never forge them.
 */
public interface ChatTemplate {
    /** Short name: {@code llama2}, {@code llama3}, {@code chatml}, {@code mistral}, or the Jinja template's source. */
    String name();

    /**
     * The ids of {@code dialog}: an optional leading system message, then user and assistant messages alternating,
     * starting with a user message. With {@code addAssistantPrompt} the ids end with what opens the assistant's
     * answer (templates whose user turn already ends with it, as Llama 2's {@code [/INST]}, ignore the flag).
     *
     * @throws dev.llama4j.Llama4jException if the roles are not in that order
     */
    int[] encode(List<Message> dialog, Tokenizer tok, boolean addAssistantPrompt);

    /** Texts that end an answer besides the model's EOS (for templates whose end marker may be plain text). */
    List<String> stopStrings();

    /** Token ids that end an answer besides the vocabulary's EOS (for example Llama 3's {@code <|eot_id|>}). */
    default int[] stopTokens() {
        return new int[0];
    }
}
