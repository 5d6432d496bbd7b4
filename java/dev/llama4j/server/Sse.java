package dev.llama4j.server;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * A server-sent event stream: {@code data: JSON\n\n} per chunk, flushed at once, ending with
 * {@code data: [DONE]\n\n}. A write that fails means the client has gone: the stream remembers it and every later
 * send returns false, which the caller turns into a cancelled generation.
 */
final class Sse {
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

    private final OutputStream out;
    private boolean gone;

    private Sse(OutputStream out) {
        this.out = out;
    }

    /** Sets the event-stream headers on a 200 response (nothing is sent until the first event). */
    static Sse open(Context ctx) {
        ctx.status(200);
        ctx.contentType("text/event-stream; charset=utf-8");
        ctx.header("Cache-Control", "no-cache");
        ctx.header("X-Accel-Buffering", "no");
        try {
            // The servlet's own stream: Javalin's wrapper may hold small writes back to decide on compression.
            return new Sse(ctx.res().getOutputStream());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends one chunk; false when the client is gone. */
    boolean send(Object chunk) {
        byte[] json = Json.write(chunk);
        byte[] b = new byte[json.length + 8];
        System.arraycopy("data: ".getBytes(StandardCharsets.US_ASCII), 0, b, 0, 6);
        System.arraycopy(json, 0, b, 6, json.length);
        b[b.length - 2] = '\n';
        b[b.length - 1] = '\n';
        return write(b);
    }

    /** Sends the final {@code [DONE]} marker. */
    boolean done() {
        return write(DONE);
    }

    /** Whether a write has failed (the client disconnected). */
    boolean gone() {
        return gone;
    }

    private boolean write(byte[] b) {
        if (gone) {
            return false;
        }
        try {
            out.write(b);
            out.flush();
            return true;
        } catch (IOException | RuntimeException e) {
            gone = true;
            return false;
        }
    }
}
