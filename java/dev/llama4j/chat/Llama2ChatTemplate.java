package dev.llama4j.chat;

import dev.llama4j.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * Llama 2 chat, exactly as Meta's reference {@code chat_completion} (llama/generation.py) builds it: a system
 * message is folded into the first user message as {@code <<SYS>>\n{system}\n<</SYS>>\n\n{user}}; each (user,
 * answer) pair is {@code BOS + encode("[INST] {user.strip()} [/INST] {answer.strip()} ") + EOS}; the final user
 * message is {@code BOS + encode("[INST] {user.strip()} [/INST]")}. Each encode is a separate SentencePiece call
 * (dummy-prefix space, no BOS/EOS inside).
 */
public final class Llama2ChatTemplate implements ChatTemplate {
    public static final String B_INST = "[INST]";
    public static final String E_INST = "[/INST]";
    public static final String B_SYS = "<<SYS>>\n";
    public static final String E_SYS = "\n<</SYS>>\n\n";

    /** Meta's default safety system prompt for Llama 2 chat (applied by {@code --safe}). */
    public static final String DEFAULT_SYSTEM_PROMPT = """
            You are a helpful, respectful and honest assistant. Always answer as helpfully as possible, while being \
            safe. Your answers should not include any harmful, unethical, racist, sexist, toxic, dangerous, or \
            illegal content. Please ensure that your responses are socially unbiased and positive in nature.

            If a question does not make any sense, or is not factually coherent, explain why instead of answering \
            something not correct. If you don't know the answer to a question, please don't share false \
            information.""";

    @Override
    public String name() {
        return "llama2";
    }

    @Override
    public int[] encode(List<Message> dialog, Tokenizer tok, boolean addAssistantPrompt) {
        int first = Dialogs.checkOrder(dialog);
        List<String> turns = new ArrayList<>();
        for (int i = first; i < dialog.size(); i++) {
            turns.add(dialog.get(i).content());
        }
        if (first == 1) {
            turns.set(0, B_SYS + dialog.getFirst().content() + E_SYS + turns.getFirst());
        }
        int bos = tok.vocabulary().bos();
        int eos = tok.vocabulary().eos();
        Ids ids = new Ids(tok);
        for (int i = 0; i < turns.size(); i += 2) {
            String user = Dialogs.strip(turns.get(i));
            ids.id(bos);
            if (i + 1 < turns.size()) {
                String answer = Dialogs.strip(turns.get(i + 1));
                ids.text(B_INST + " " + user + " " + E_INST + " " + answer + " ").id(eos);
            } else {
                ids.text(B_INST + " " + user + " " + E_INST);
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
