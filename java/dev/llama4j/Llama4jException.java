package dev.llama4j;

/**
 * Base of every error llama4j reports to a user: the message alone must say what is wrong
 * (file, tensor, field or request parameter) and what is allowed. The CLI prints it as one line.
 */
public class Llama4jException extends RuntimeException {
    public Llama4jException(String message) {
        super(message);
    }

    public Llama4jException(String message, Throwable cause) {
        super(message, cause);
    }
}
