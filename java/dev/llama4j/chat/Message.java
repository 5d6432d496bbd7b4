package dev.llama4j.chat;

import dev.llama4j.Llama4jException;
import java.util.Set;

/**
 * One message of a dialog.
 *
 * @param role    {@code system}, {@code user} or {@code assistant}
 * @param content the text (never null; may be empty)
 */
public record Message(String role, String content) {
    public static final String SYSTEM = "system";
    public static final String USER = "user";
    public static final String ASSISTANT = "assistant";
    private static final Set<String> ROLES = Set.of(SYSTEM, USER, ASSISTANT);

    public Message {
        if (role == null || !ROLES.contains(role)) {
            throw new Llama4jException("message role '" + role + "' is not allowed (allowed: system, user, assistant)");
        }
        if (content == null) {
            throw new Llama4jException("a " + role + " message needs content (may be empty, not null)");
        }
    }

    public static Message system(String content) {
        return new Message(SYSTEM, content);
    }

    public static Message user(String content) {
        return new Message(USER, content);
    }

    public static Message assistant(String content) {
        return new Message(ASSISTANT, content);
    }

    public boolean isSystem() {
        return role.equals(SYSTEM);
    }

    public boolean isUser() {
        return role.equals(USER);
    }

    public boolean isAssistant() {
        return role.equals(ASSISTANT);
    }
}
