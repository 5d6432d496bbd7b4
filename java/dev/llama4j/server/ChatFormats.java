package dev.llama4j.server;

import dev.llama4j.api.LlamaModel;
import java.util.List;

/** Picks the chat format for a model. (Interim: a plain Llama 2 [INST] format until chat templates land.) */
final class ChatFormats {
    private ChatFormats() {}

    static ChatFormat of(LlamaModel model, String override) {
        return dialog -> {
            StringBuilder sb = new StringBuilder();
            for (ChatFormat.Turn t : dialog) {
                sb.append(t.role().equals("assistant") ? t.content() + " " : "[INST] " + t.content() + " [/INST]");
            }
            return new ChatFormat.Prompt(model.tokenizer().encode(sb.toString(), true), List.of());
        };
    }
}
