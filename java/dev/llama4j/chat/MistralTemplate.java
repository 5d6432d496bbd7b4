package dev.llama4j.chat;

import dev.llama4j.tokenizer.Tokenizer;
import java.util.List;

/**
 * Mistral instruct (v1, SentencePiece): {@code BOS [INST] {user} [/INST] {answer} EOS [INST] {user} [/INST]},
 * one BOS at the start only and no system block: a system message is prepended to the first user message as
 * {@code {system}\n\n{user}}. Texts are stripped; each text piece is its own SentencePiece call.
 */
public final class MistralTemplate implements ChatTemplate {

    @Override
    public String name() {
        return "mistral";
    }

    @Override
    public int[] encode(List<Message> dialog, Tokenizer tok, boolean addAssistantPrompt) {
        int first = Dialogs.checkOrder(dialog);
        String system = first == 1 ? Dialogs.strip(dialog.getFirst().content()) : null;
        Ids ids = new Ids(tok).id(tok.vocabulary().bos());
        for (int i = first; i < dialog.size(); i++) {
            String text = Dialogs.strip(dialog.get(i).content());
            if (dialog.get(i).isUser()) {
                if (i == first && system != null && !system.isEmpty()) {
                    text = system + "\n\n" + text;
                }
                ids.text("[INST] " + text + " [/INST]");
            } else {
                if (!text.isEmpty()) {
                    ids.text(text);
                }
                ids.id(tok.vocabulary().eos());
            }
        }
        return ids.toArray();
    }

    @Override
    public List<String> stopStrings() {
        return List.of();
    }

    @Override
    public String toString() {
        return name();
    }
}
