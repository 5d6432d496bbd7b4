package dev.llama4j.api;

import dev.llama4j.Llama4jException;
import dev.llama4j.chat.ChatTemplate;
import dev.llama4j.chat.Message;
import dev.llama4j.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * A chat: a {@link LlamaContext}, a {@link ChatTemplate} and the messages so far. Each turn encodes the whole
 * dialog, keeps the part of the KV cache that already holds its prefix and processes only the rest, so a turn
 * costs its new tokens. When the dialog would not fit the context (leaving room for the answer), the oldest
 * (user, assistant) turns are dropped, the system prompt kept, and the drop reported to
 * {@link #onTurnsDropped}. Not thread-safe: one turn at a time.
 *
 * <pre>{@code
 * try (LlamaModel model = LlamaModel.load(path, ModelOptions.defaults());
 *      Conversation chat = model.newConversation()) {
 *     chat.setSystem("Answer briefly.");
 *     GenerationResult r = chat.chat("Hello!", GenerationOptions.greedy(128), (id, text) -> System.out.print(text));
 *     System.out.println(r.usage());
 * }
 * }</pre>
 */
public final class Conversation implements AutoCloseable {
    private final LlamaContext ctx;
    private final ChatTemplate template;
    private final Tokenizer tok;
    private final boolean ownsContext;
    private final List<Message> turns = new ArrayList<>();
    private String system;
    private Moderation moderation = Moderation.NONE;
    private IntConsumer onDropped = n -> {};
    private int lastDropped;

    /** A conversation on {@code ctx} (which the caller keeps and closes) with {@code template}. */
    public Conversation(LlamaContext ctx, ChatTemplate template) {
        this(ctx, template, false);
    }

    Conversation(LlamaContext ctx, ChatTemplate template, boolean ownsContext) {
        this.ctx = ctx;
        this.template = template;
        this.tok = ctx.model().tokenizer();
        this.ownsContext = ownsContext;
    }

    /** Sets the system prompt (null or blank: none). It applies from the next turn on. */
    public void setSystem(String text) {
        system = text == null || text.isBlank() ? null : text;
    }

    /** The system prompt, or null. */
    public String system() {
        return system;
    }

    /** Forgets the turns (the system prompt stays) and empties the KV cache. */
    public void reset() {
        turns.clear();
        ctx.reset();
    }

    /** The moderation hook called on each user message and each answer (default: none). */
    public void setModeration(Moderation m) {
        moderation = m == null ? Moderation.NONE : m;
    }

    /** Called with the number of (user, assistant) turns dropped when the dialog no longer fits the context. */
    public void onTurnsDropped(IntConsumer listener) {
        onDropped = listener == null ? n -> {} : listener;
    }

    /** Turns dropped to fit the context by the last {@link #chat} (0 if none). */
    public int lastDroppedTurns() {
        return lastDropped;
    }

    /** The dialog so far: the system message (if any), then user and assistant messages. */
    public List<Message> messages() {
        List<Message> m = new ArrayList<>();
        if (system != null) {
            m.add(Message.system(system));
        }
        m.addAll(turns);
        return List.copyOf(m);
    }

    public ChatTemplate template() {
        return template;
    }

    public LlamaContext context() {
        return ctx;
    }

    /**
     * Sends {@code userMessage} and generates the answer, streaming it to {@code listener}; the answer's text is
     * added to the history. The result's {@code promptIds} are the whole encoded dialog; its
     * {@code timings().promptTokens()} count only the tokens processed this turn.
     *
     * @throws Moderation.RefusedException if moderation refuses the message or the answer (the history is then
     *                                     unchanged)
     */
    public GenerationResult chat(String userMessage, GenerationOptions options, TokenListener listener) {
        Moderation.Verdict in = moderation.check(userMessage, Moderation.Direction.INPUT);
        if (!in.allowed()) {
            throw new Moderation.RefusedException(Moderation.Direction.INPUT, in);
        }
        int[] ids = fit(userMessage, options.maxTokens());
        int[] have = ctx.tokens();
        int common = 0;
        while (common < have.length && common < ids.length && have[common] == ids[common]) {
            common++;
        }
        if (common == ids.length) {
            common--; // process at least the last token, for the logits of the answer's first token
        }
        ctx.truncate(common);
        GenerationOptions o = options.withMoreStops(template.stopStrings(), template.stopTokens());
        GenerationResult r = ctx.generate(Arrays.copyOfRange(ids, common, ids.length), o, listener);
        Moderation.Verdict out = moderation.check(r.text(), Moderation.Direction.OUTPUT);
        if (!out.allowed()) {
            throw new Moderation.RefusedException(Moderation.Direction.OUTPUT, out);
        }
        turns.add(Message.user(userMessage));
        turns.add(Message.assistant(r.text()));
        return new GenerationResult(ids, r.generatedIds(), r.text(), r.stopReason(), r.timings());
    }

    /**
     * {@link #chat} as a {@link java.util.concurrent.Flow.Publisher}: the turn runs when subscribed; cancelling
     * the subscription stops the answer (it is kept in the history as far as it got).
     */
    public TokenPublisher stream(String userMessage, GenerationOptions options) {
        return new TokenPublisher(l -> chat(userMessage, options, l), ctx::cancel);
    }

    /**
     * Encodes the dialog with {@code user} appended, dropping the oldest turns until it leaves room for
     * {@code min(maxTokens, context/4)} new tokens.
     */
    private int[] fit(String user, int maxTokens) {
        int n = ctx.contextLength();
        int room = Math.max(1, Math.min(maxTokens, n / 4));
        int drop = 0;
        while (true) {
            List<Message> d = new ArrayList<>();
            if (system != null) {
                d.add(Message.system(system));
            }
            d.addAll(turns.subList(2 * drop, turns.size()));
            d.add(Message.user(user));
            int[] ids = template.encode(d, tok, true);
            boolean fits = ids.length + room <= n;
            boolean canDrop = 2 * (drop + 1) <= turns.size();
            if (fits || !canDrop) {
                if (!fits && ids.length >= n) {
                    throw new Llama4jException("the message needs " + ids.length + " tokens with the system prompt"
                            + " and the chat format, but the context holds " + n + " (use a longer context or a"
                            + " shorter message)");
                }
                lastDropped = drop;
                if (drop > 0) {
                    turns.subList(0, 2 * drop).clear();
                    onDropped.accept(drop);
                }
                return ids;
            }
            drop++;
        }
    }

    /** Closes the context if this conversation opened it. */
    @Override
    public void close() {
        if (ownsContext) {
            ctx.close();
        }
    }
}
