package dev.llama4j.cli;

import dev.llama4j.api.Conversation;
import dev.llama4j.api.GenerationOptions;
import dev.llama4j.api.GenerationResult;
import dev.llama4j.api.LlamaContext;
import dev.llama4j.api.LlamaModel;
import dev.llama4j.api.Moderation;
import dev.llama4j.api.Timings;
import dev.llama4j.api.Usage;
import dev.llama4j.chat.ChatTemplate;
import dev.llama4j.chat.Llama2ChatTemplate;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code llama4j chat}: an interactive chat on standard input. Each line is a user message; the answer streams to
 * standard output; notices and per-turn statistics go to standard error. Commands: {@code /reset},
 * {@code /system TEXT}, {@code /exit}; end of input exits too.
 */
@Command(name = "chat", mixinStandardHelpOptions = true,
        description = "Chat with a model in the terminal (commands: /reset, /system TEXT, /exit).")
final class ChatCommand implements Callable<Integer> {
    @Mixin
    ModelArgs modelArgs;

    @Mixin
    SamplingArgs samplingArgs;

    @Option(names = "--system", paramLabel = "TEXT", description = "System prompt.")
    String system;

    @Option(names = "--chat-template", paramLabel = "NAME",
            description = "llama2, llama3, chatml, mistral or a Jinja file (default: the model's own, else llama2).")
    String chatTemplate;

    @Option(names = "--safe", description = "Apply Llama 2's default safety system prompt (before --system).")
    boolean safe;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    private final InputStream in;

    ChatCommand() {
        this(System.in);
    }

    ChatCommand(InputStream in) {
        this.in = in;
    }

    @Override
    public Integer call() throws Exception {
        GenerationOptions options = samplingArgs.options(true);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (LlamaModel model = LlamaModel.load(modelArgs.model, modelArgs.options());
             LlamaContext ctx = model.newContext()) {
            ChatTemplate template = model.chatTemplate(chatTemplate);
            Conversation chat = new Conversation(ctx, template);
            chat.setSystem(systemPrompt(system));
            chat.onTurnsDropped(n -> {
                err.printf("[context full: dropped the oldest %d turn%s, kept the system prompt]%n", n,
                        n == 1 ? "" : "s");
                err.flush();
            });
            err.printf("chat: %s, template %s, context %d | /reset, /system TEXT, /exit%n", model.path().getFileName(),
                    template.name().length() > 40 ? template.name().substring(0, 40) + "..." : template.name(),
                    ctx.contextLength());
            err.flush();
            BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            while (true) {
                out.print("> ");
                out.flush();
                String line = lines.readLine();
                if (line == null) {
                    out.println();
                    break;
                }
                String cmd = line.strip();
                if (cmd.isEmpty()) {
                    continue;
                }
                if (cmd.equals("/exit") || cmd.equals("/quit")) {
                    break;
                }
                if (cmd.equals("/reset")) {
                    chat.reset();
                    err.println("[conversation reset]");
                    err.flush();
                    continue;
                }
                if (cmd.equals("/system") || cmd.startsWith("/system ")) {
                    chat.setSystem(systemPrompt(cmd.substring("/system".length()).strip()));
                    err.println(chat.system() == null ? "[system prompt cleared]" : "[system prompt set]");
                    err.flush();
                    continue;
                }
                if (cmd.startsWith("/") && !cmd.startsWith("//")) {
                    err.println("[unknown command " + cmd.split("\\s+")[0] + "; commands: /reset, /system TEXT, "
                            + "/exit; start a message with // to send a literal /]");
                    err.flush();
                    continue;
                }
                String message = cmd.startsWith("//") ? line.substring(line.indexOf('/') + 1) : line;
                turn(chat, message, options, out, err);
            }
        }
        return 0;
    }

    private String systemPrompt(String text) {
        String t = text == null || text.isBlank() ? null : text;
        if (!safe) {
            return t;
        }
        return t == null ? Llama2ChatTemplate.DEFAULT_SYSTEM_PROMPT
                : Llama2ChatTemplate.DEFAULT_SYSTEM_PROMPT + "\n\n" + t;
    }

    private static void turn(Conversation chat, String message, GenerationOptions options, PrintWriter out,
                             PrintWriter err) {
        GenerationResult r;
        try {
            r = chat.chat(message, options, (id, text) -> {
                out.print(text);
                out.flush();
            });
        } catch (Moderation.RefusedException e) {
            err.println("[" + e.getMessage() + "]");
            err.flush();
            return;
        }
        out.println();
        out.flush();
        Timings t = r.timings();
        Usage u = r.usage();
        err.printf("[prompt %d tokens (%d new, %d cached) | answer %d tokens, %.1f tok/s | stop: %s]%n",
                u.promptTokens(), t.promptTokens(), u.cachedTokens(), u.completionTokens(),
                t.generationTokensPerSecond(), r.stopReason().json());
        err.flush();
    }
}
