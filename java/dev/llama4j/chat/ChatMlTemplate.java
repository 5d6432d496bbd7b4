package dev.llama4j.chat;

import dev.llama4j.tokenizer.Tokenizer;
import dev.llama4j.tokenizer.Vocabulary;
import java.util.List;
import java.util.OptionalInt;

/**
 * ChatML: per message {@code <|im_start|>role\n{content}<|im_end|>\n}, and with the assistant prompt
 * {@code <|im_start|>assistant\n}. {@code <|im_start|>}/{@code <|im_end|>} are emitted as ids when the vocabulary
 * has them as special tokens; otherwise the whole dialog is plain text (and {@code <|im_end|>} a stop string).
 * No BOS.
 */
public final class ChatMlTemplate implements ChatTemplate {
    static final String START = "<|im_start|>";
    static final String END = "<|im_end|>";
    private final OptionalInt start;
    private final OptionalInt end;

    public ChatMlTemplate(Vocabulary v) {
        OptionalInt s = SpecialTokens.find(v, START);
        OptionalInt e = SpecialTokens.find(v, END);
        boolean ids = s.isPresent() && e.isPresent();
        start = ids ? s : OptionalInt.empty();
        end = ids ? e : OptionalInt.empty();
    }

    @Override
    public String name() {
        return "chatml";
    }

    /** Whether the markers are emitted as token ids (the vocabulary has them). */
    public boolean usesTokenIds() {
        return start.isPresent();
    }

    @Override
    public int[] encode(List<Message> dialog, Tokenizer tok, boolean addAssistantPrompt) {
        Dialogs.checkOrder(dialog);
        if (!usesTokenIds()) {
            StringBuilder sb = new StringBuilder();
            for (Message m : dialog) {
                sb.append(START).append(m.role()).append('\n').append(m.content()).append(END).append('\n');
            }
            if (addAssistantPrompt) {
                sb.append(START).append(Message.ASSISTANT).append('\n');
            }
            return tok.encode(sb.toString(), false);
        }
        Ids ids = new Ids(tok);
        for (Message m : dialog) {
            ids.id(start.getAsInt()).text(m.role() + "\n" + m.content()).id(end.getAsInt()).text("\n");
        }
        if (addAssistantPrompt) {
            ids.id(start.getAsInt()).text(Message.ASSISTANT + "\n");
        }
        return ids.toArray();
    }

    @Override
    public List<String> stopStrings() {
        return List.of(END);
    }

    @Override
    public int[] stopTokens() {
        return end.isPresent() ? new int[] {end.getAsInt()} : new int[0];
    }

    @Override
    public String toString() {
        return name();
    }
}
