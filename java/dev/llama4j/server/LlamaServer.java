package dev.llama4j.server;

import dev.llama4j.Llama4jException;
import dev.llama4j.api.GenerationResult;
import dev.llama4j.api.LlamaModel;
import dev.llama4j.api.Moderation;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An OpenAI-compatible HTTP server over one {@link LlamaModel}: {@code GET /v1/models}, {@code POST
 * /v1/completions}, {@code POST /v1/chat/completions} (with {@code stream: true} as server-sent events),
 * {@code GET /health} and {@code GET /metrics}. Built on Javalin (Jetty 12).
 *
 * <p>{@code parallel} generations run at once, each on its own {@code LlamaContext}; up to {@code queue} more
 * requests wait, and beyond that the server answers 503 with {@code Retry-After}. A streaming client that
 * disconnects cancels its generation. Every bad request gets a 4xx with an OpenAI-style error object naming the
 * field. With an API key, every endpoint except {@code /health} requires {@code Authorization: Bearer KEY}.
 *
 * <pre>{@code
 * try (LlamaModel model = LlamaModel.load(path, ModelOptions.defaults());
 *      LlamaServer server = LlamaServer.start(model, ServerOptions.defaults())) {
 *     server.join();
 * }
 * }</pre>
 */
public final class LlamaServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LlamaServer.class);
    private static final Set<String> ENDPOINTS =
            Set.of("/health", "/metrics", "/v1/models", "/v1/completions", "/v1/chat/completions");

    private final LlamaModel model;
    private final ServerOptions options;
    private final String modelId;
    private final int contextLength;
    private final Slots slots;
    private final Metrics metrics;
    private final Runner runner;
    private final byte[] apiKey;
    private final long created = System.currentTimeMillis() / 1000;
    private final Javalin app;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Moderation moderation;

    LlamaServer(LlamaModel model, ServerOptions options, ChatFormat chat, Hooks hooks) {
        this(model, options, chat, hooks, Moderation.NONE);
    }

    LlamaServer(LlamaModel model, ServerOptions options, ChatFormat chat, Hooks hooks, Moderation moderation) {
        this.model = model;
        this.moderation = moderation;
        this.options = options;
        this.modelId = modelId(model);
        this.contextLength = model.defaultContextLength();
        this.slots = new Slots(model, options.parallel(), options.queue(), contextLength);
        this.metrics = new Metrics(slots::queued, slots::active);
        this.runner = new Runner(slots, metrics, hooks);
        this.apiKey = options.apiKey() == null ? null : options.apiKey().getBytes(StandardCharsets.UTF_8);
        CompletionsEndpoint completions = new CompletionsEndpoint(this);
        ChatEndpoint chatEndpoint = new ChatEndpoint(this, chat);
        this.app = Javalin.create(cfg -> {
            cfg.jetty.host = options.host();
            cfg.jetty.port = options.port();
            cfg.startup.showJavalinBanner = false;
            cfg.startup.showOldJavalinVersionWarning = false;
            cfg.http.maxRequestSize = options.maxBody();
            cfg.http.compressionStrategy = CompressionStrategy.NONE;
            cfg.concurrency.useVirtualThreads = true;
            cfg.routes.before(this::authorize);
            cfg.routes.get("/health", ctx -> json(ctx, Map.of("status", "ok")));
            cfg.routes.get("/v1/models", ctx -> json(ctx, new Responses.ModelList("list",
                    List.of(new Responses.Model(modelId, "model", created, "llama4j")))));
            cfg.routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                    .result(metrics.render()));
            cfg.routes.post("/v1/completions", completions::handle);
            cfg.routes.post("/v1/chat/completions", chatEndpoint::handle);
            cfg.routes.exception(ApiError.class, (e, ctx) -> error(ctx, e));
            cfg.routes.exception(HttpResponseException.class, (e, ctx) -> error(ctx, fromJavalin(e, ctx)));
            cfg.routes.exception(Exception.class, (e, ctx) -> {
                LOG.error("{} {} failed", ctx.method(), ctx.path(), e);
                error(ctx, new ApiError(500, "server_error", null, null, "Internal error: " + e));
            });
            cfg.routes.after(ctx -> metrics.request(ENDPOINTS.contains(ctx.path()) ? ctx.path() : "other",
                    ctx.statusCode()));
        });
    }

    /** Starts a server for {@code model} (which the caller keeps owning and closes after the server). */
    public static LlamaServer start(LlamaModel model, ServerOptions options) {
        return start(model, options, null);
    }

    /**
     * Starts a server with a chat template override ({@code null} = the template the model file names, or the
     * Llama 2 format).
     */
    public static LlamaServer start(LlamaModel model, ServerOptions options, String chatTemplate) {
        return start(model, options, chatTemplate, Moderation.NONE);
    }

    /**
     * Starts a server whose {@code moderation} hook judges every prompt and user message before generation (a
     * refusal is a 400 with code {@code content_policy_violation} naming the field) and every answer after it (a
     * refused answer is replaced by nothing, with finish reason {@code content_filter}; a streamed answer has
     * already reached the client by then, and only its finish reason says so).
     */
    public static LlamaServer start(LlamaModel model, ServerOptions options, String chatTemplate,
                                    Moderation moderation) {
        LlamaServer s = new LlamaServer(model, options, ChatFormats.of(model, chatTemplate), Hooks.NONE,
                moderation == null ? Moderation.NONE : moderation);
        return s.startServer();
    }

    LlamaServer startServer() {
        try {
            app.start();
        } catch (RuntimeException e) {
            slots.close();
            throw new Llama4jException("cannot listen on " + options.host() + ":" + options.port() + ": "
                    + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()));
        }
        LOG.info("serving {} on http://{}:{} ({} parallel, queue {}, context {}{})", modelId, options.host(), port(),
                options.parallel(), options.queue(), contextLength, apiKey != null ? ", API key required" : "");
        return this;
    }

    /** The port the server listens on. */
    public int port() {
        return app.port();
    }

    /** The model's id in the API: its file name without the extension. */
    public String modelId() {
        return modelId;
    }

    /** Blocks until the server stops. */
    public void join() throws InterruptedException {
        stopped.await();
    }

    @Override
    public void close() {
        if (stopped.getCount() == 0) {
            return;
        }
        app.stop();
        slots.close();
        stopped.countDown();
    }

    static String modelId(LlamaModel model) {
        String name = model.path().getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    static String newId() {
        return UUID.randomUUID().toString().replace("-", "");
    }

    /** Throws a 400 naming {@code param} when the moderation hook refuses {@code text} as input. */
    void moderateInput(String text, String param) {
        Moderation.Verdict v = moderation.check(text, Moderation.Direction.INPUT);
        if (!v.allowed()) {
            metrics.refused();
            throw ApiError.refused(param, v.reason());
        }
    }

    /** Whether the moderation hook lets the answer {@code text} through. */
    boolean outputAllowed(String text) {
        boolean ok = moderation.check(text, Moderation.Direction.OUTPUT).allowed();
        if (!ok) {
            metrics.refused();
        }
        return ok;
    }

    /** The finish reason of {@code r}, or {@code content_filter} when its answer was refused. */
    static String finishReason(GenerationResult r, boolean allowed) {
        return allowed ? finishReason(r) : "content_filter";
    }

    static String finishReason(GenerationResult r) {
        return switch (r.stopReason()) {
            case EOS, BOS, STOP, CANCELLED -> "stop";
            case MAX_TOKENS, CONTEXT -> "length";
        };
    }

    static Responses.Usage usage(GenerationResult r) {
        return Responses.Usage.of(r.promptIds().length, r.generatedIds().length);
    }

    LlamaModel model() {
        return model;
    }

    int contextLength() {
        return contextLength;
    }

    Runner runner() {
        return runner;
    }

    Metrics metrics() {
        return metrics;
    }

    void checkModel(String requested) {
        if (requested != null && !requested.equals(modelId)) {
            throw ApiError.modelNotFound(requested, modelId);
        }
    }

    void checkPromptLength(int[] ids, String param) {
        if (ids.length > contextLength) {
            throw ApiError.invalid(param, "The prompt ('" + param + "') is " + ids.length
                    + " tokens long: the context holds " + contextLength + " tokens");
        }
    }

    /** The request body, at most {@code --max-body} bytes (413 beyond). */
    byte[] body(Context ctx) {
        long declared = ctx.req().getContentLengthLong();
        if (declared > options.maxBody()) {
            throw ApiError.tooLarge(options.maxBody());
        }
        try (InputStream in = ctx.req().getInputStream()) {
            byte[] b = in.readNBytes((int) options.maxBody() + 1);
            if (b.length > options.maxBody()) {
                throw ApiError.tooLarge(options.maxBody());
            }
            return b;
        } catch (IOException e) {
            throw ApiError.invalid(null, "The request body could not be read: " + e.getMessage());
        }
    }

    void json(Context ctx, Object body) {
        ctx.contentType("application/json").result(Json.write(body));
    }

    private void authorize(Context ctx) {
        if (apiKey == null || ctx.path().equals("/health")) {
            return;
        }
        String h = ctx.header("Authorization");
        byte[] given = h != null && h.startsWith("Bearer ")
                ? h.substring(7).trim().getBytes(StandardCharsets.UTF_8) : new byte[0];
        if (!MessageDigest.isEqual(given, apiKey)) {
            throw ApiError.unauthorized();
        }
    }

    private void error(Context ctx, ApiError e) {
        if (ctx.res().isCommitted()) {
            // A stream is under way: report the error as a last event if the client is still there.
            try {
                var out = ctx.res().getOutputStream();
                out.write(("data: " + new String(Json.write(e.body()), StandardCharsets.UTF_8) + "\n\n")
                        .getBytes(StandardCharsets.UTF_8));
                out.flush();
            } catch (IOException | RuntimeException ignored) {
                // the client is gone
            }
            return;
        }
        if (e.status == 503) {
            ctx.header("Retry-After", "1");
        }
        if (e.status == 401) {
            ctx.header("WWW-Authenticate", "Bearer");
        }
        ctx.status(e.status);
        json(ctx, e.body());
    }

    private static ApiError fromJavalin(HttpResponseException e, Context ctx) {
        int status = e.getStatus();
        if (status == 404) {
            return ApiError.notFound(ctx.method().name(), ctx.path());
        }
        if (status == 413) {
            return new ApiError(413, "invalid_request_error", null, "request_too_large", e.getMessage());
        }
        return new ApiError(status, status >= 500 ? "server_error" : "invalid_request_error", null, null,
                e.getMessage());
    }
}
