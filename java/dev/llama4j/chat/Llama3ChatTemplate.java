package dev.llama4j.chat;

import dev.llama4j.tokenizer.Tokenizer;
import dev.llama4j.tokenizer.Vocabulary;
import java.util.List;

/**
 * Llama 3 chat: {@code <|begin_of_text|>}, then per message
 * {@code <|start_header_id|>role<|end_header_id|>\n\n{content.strip()}<|eot_id|>}, and with the assistant prompt
 * {@code <|start_header_id|>assistant<|end_header_id|>\n\n}. The special tokens are looked up in the vocabulary
 * once, at construction; a vocabulary without them is an error naming the missing token.
 */
public final class Llama3ChatTemplate implements ChatTemplate {
    private final int bot;
    private final int startHeader;
    private final int endHeader;
    private final int eot;

    public Llama3ChatTemplate(Vocabulary v) {
        bot = SpecialTokens.require(v, "<|begin_of_text|>", "llama3");
        startHeader = SpecialTokens.require(v, "<|start_header_id|>", "llama3");
        endHeader = SpecialTokens.require(v, "<|end_header_id|>", "llama3");
        eot = SpecialTokens.require(v, "<|eot_id|>", "llama3");
    }

    @Override
    public String name() {
        return "llama3";
    }

    @Override
    public int[] encode(List<Message> dialog, Tokenizer tok, boolean addAssistantPrompt) {
        Dialogs.checkOrder(dialog);
        Ids ids = new Ids(tok).id(bot);
        for (Message m : dialog) {
            ids.id(startHeader).text(m.role()).id(endHeader).text("\n\n" + Dialogs.strip(m.content())).id(eot);
        }
        if (addAssistantPrompt) {
            ids.id(startHeader).text(Message.ASSISTANT).id(endHeader).text("\n\n");
        }
        return ids.toArray();
    }

    @Override
    public List<String> stopStrings() {
        return List.of();
    }

    @Override
    public int[] stopTokens() {
        return new int[] {eot};
    }

    @Override
    public String toString() {
        return name();
    }
}
