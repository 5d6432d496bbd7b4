package dev.llama4j.chat;

import dev.llama4j.Llama4jException;
import java.util.List;

/** Dialog checks and the whitespace rules the reference chat formats use. */
final class Dialogs {
    private Dialogs() {}

    /**
     * Checks the order: an optional system message first, then user/assistant alternating starting with a user
     * message. Returns the index of the first non-system message.
     */
    static int checkOrder(List<Message> dialog) {
        if (dialog.isEmpty()) {
            throw new Llama4jException("the dialog is empty: it needs at least one user message");
        }
        int first = dialog.getFirst().isSystem() ? 1 : 0;
        for (int i = first; i < dialog.size(); i++) {
            Message m = dialog.get(i);
            String want = (i - first) % 2 == 0 ? Message.USER : Message.ASSISTANT;
            if (!m.role().equals(want)) {
                throw new Llama4jException("message " + i + " has role '" + m.role() + "' but '" + want
                        + "' is expected: a dialog is an optional system message, then user and assistant "
                        + "messages alternating, starting with user");
            }
        }
        return first;
    }

    /** Python's {@code str.strip()}: removes leading and trailing whitespace (including Unicode spaces). */
    static String strip(String s) {
        int b = 0;
        int e = s.length();
        while (b < e && isSpace(s.charAt(b))) {
            b++;
        }
        while (e > b && isSpace(s.charAt(e - 1))) {
            e--;
        }
        return s.substring(b, e);
    }

    private static boolean isSpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u001c' || c == '\u001d'
                || c == '\u001e' || c == '\u001f' || c == '\u0085';
    }
}
