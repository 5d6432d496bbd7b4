package dev.llama4j.server;

import dev.llama4j.Llama4jException;

/**
 * How the HTTP server runs. Validated at construction; an error names the option and what is allowed.
 *
 * @param host     address to bind (127.0.0.1 by default: only this machine can connect)
 * @param port     TCP port (0 = any free port, for tests)
 * @param parallel generations running at once (one {@code LlamaContext} each)
 * @param queue    requests that may wait for a free context; beyond that the server answers 503
 * @param apiKey   when not null, every request except {@code GET /health} needs {@code Authorization: Bearer KEY}
 * @param maxBody  largest accepted request body in bytes (413 beyond)
 */
public record ServerOptions(String host, int port, int parallel, int queue, String apiKey, long maxBody) {
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 8080;
    public static final int DEFAULT_QUEUE = 16;
    public static final long DEFAULT_MAX_BODY = 1 << 20;

    public ServerOptions {
        if (host == null || host.isBlank()) {
            throw new Llama4jException("--host must not be empty (default " + DEFAULT_HOST + ")");
        }
        if (port < 0 || port > 65535) {
            throw new Llama4jException("--port " + port + " is not allowed: use 0..65535 (0 = any free port)");
        }
        if (parallel < 1 || parallel > 1024) {
            throw new Llama4jException("--parallel " + parallel + " is not allowed: use 1..1024");
        }
        if (queue < 0 || queue > 100_000) {
            throw new Llama4jException("--queue " + queue + " is not allowed: use 0..100000");
        }
        if (apiKey != null && apiKey.isBlank()) {
            throw new Llama4jException("--api-key must not be empty");
        }
        if (maxBody < 1024 || maxBody > (1L << 30)) {
            throw new Llama4jException("--max-body " + maxBody + " is not allowed: use 1024..1073741824 bytes");
        }
    }

    /** Loopback, port 8080, one generation at a time, a queue of 16, no key, 1 MiB bodies. */
    public static ServerOptions defaults() {
        return new ServerOptions(DEFAULT_HOST, DEFAULT_PORT, 1, DEFAULT_QUEUE, null, DEFAULT_MAX_BODY);
    }

    public ServerOptions withPort(int p) {
        return new ServerOptions(host, p, parallel, queue, apiKey, maxBody);
    }

    public ServerOptions withParallel(int n) {
        return new ServerOptions(host, port, n, queue, apiKey, maxBody);
    }

    public ServerOptions withQueue(int n) {
        return new ServerOptions(host, port, parallel, n, apiKey, maxBody);
    }

    public ServerOptions withApiKey(String key) {
        return new ServerOptions(host, port, parallel, queue, key, maxBody);
    }

    public ServerOptions withMaxBody(long n) {
        return new ServerOptions(host, port, parallel, queue, apiKey, n);
    }
}
