package dev.llama4j.server;

import dev.llama4j.Llama4jException;
import dev.llama4j.api.LlamaModel;
import dev.llama4j.chat.ChatTemplate;
import dev.llama4j.chat.Message;
import java.util.List;

/** The chat format of a model: its {@link ChatTemplate} (the file's, or the named override). */
final class ChatFormats {
    private ChatFormats() {}

    static ChatFormat of(LlamaModel model, String override) {
        ChatTemplate t = model.chatTemplate(override);
        return dialog -> {
            List<Message> msgs = dialog.stream().map(d -> new Message(d.role(), d.content())).toList();
            int[] ids;
            try {
                ids = t.encode(msgs, model.tokenizer(), true);
            } catch (Llama4jException e) {
                throw ApiError.invalid("messages", "messages cannot be formatted with the " + shortName(t)
                        + " chat template: " + e.getMessage());
            }
            return new ChatFormat.Prompt(ids, t.stopStrings(), t.stopTokens());
        };
    }

    private static String shortName(ChatTemplate t) {
        String n = t.name();
        return n.length() > 40 ? "model's" : n;
    }
}
