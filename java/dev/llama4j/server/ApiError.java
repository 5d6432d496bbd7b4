package dev.llama4j.server;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A request the server answers with an OpenAI-style error object:
 * {@code {"error": {"message", "type", "param", "code"}}}. {@code param} names the offending request field (or is
 * null when no single field is at fault).
 */
final class ApiError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    final int status;
    final String type;
    final String param;
    final String code;

    ApiError(int status, String type, String param, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    /** 400 invalid_request_error naming {@code param}. */
    static ApiError invalid(String param, String message) {
        return new ApiError(400, "invalid_request_error", param, null, message);
    }

    static ApiError modelNotFound(String model, String served) {
        return new ApiError(404, "invalid_request_error", "model", "model_not_found",
                "The model '" + model + "' does not exist: this server serves '" + served + "'");
    }

    static ApiError unauthorized() {
        return new ApiError(401, "invalid_request_error", null, "invalid_api_key",
                "Missing or wrong API key: send the header 'Authorization: Bearer KEY' with the server's --api-key");
    }

    static ApiError tooLarge(long max) {
        return new ApiError(413, "invalid_request_error", null, "request_too_large",
                "The request body is larger than the server's limit of " + max + " bytes (--max-body)");
    }

    static ApiError overloaded(int parallel, int queue) {
        return new ApiError(503, "server_error", null, "server_overloaded", "The server is busy: " + parallel
                + " generations are running and " + queue + " requests are waiting; retry later");
    }

    /** 400 naming the field whose content the moderation hook refused. */
    static ApiError refused(String param, String reason) {
        return new ApiError(400, "invalid_request_error", param, "content_policy_violation",
                "The content of '" + param + "' was refused by the server's moderation"
                        + (reason.isEmpty() ? "" : ": " + reason));
    }

    static ApiError notFound(String method, String path) {
        return new ApiError(404, "invalid_request_error", null, "unknown_url",
                "Unknown request URL: " + method + " " + path);
    }

    /** The JSON body. */
    Map<String, Object> body() {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("message", getMessage());
        e.put("type", type);
        e.put("param", param);
        e.put("code", code);
        return Map.of("error", e);
    }
}
