package dev.llama4j.api;

import java.util.List;

/**
 * Watches generated text for stop strings. Text that could still be the start of a stop string is held back, so
 * a streaming client never sees part of a stop string; once one matches, the text before it is released.
 */
final class StopStrings {
    private final List<String> stops;
    private final StringBuilder pending = new StringBuilder();
    private final StringBuilder all = new StringBuilder();
    private boolean matched;

    StopStrings(List<String> stops) {
        this.stops = stops;
    }

    /** Adds a chunk; returns the text that is now safe to emit (possibly empty). */
    String feed(String chunk) {
        if (matched) {
            return "";
        }
        pending.append(chunk);
        int cut = -1;
        for (String s : stops) {
            int i = pending.indexOf(s);
            if (i >= 0 && (cut < 0 || i < cut)) {
                cut = i;
            }
        }
        if (cut >= 0) {
            matched = true;
            return release(cut, true);
        }
        int keep = 0; // longest suffix of pending that is a proper prefix of a stop string
        String p = pending.toString();
        for (String s : stops) {
            for (int len = Math.min(s.length() - 1, p.length()); len > keep; len--) {
                if (p.regionMatches(p.length() - len, s, 0, len)) {
                    keep = len;
                    break;
                }
            }
        }
        return release(pending.length() - keep, false);
    }

    /** The held-back text when generation ends for another reason. */
    String flush() {
        return matched ? "" : release(pending.length(), true);
    }

    boolean matched() {
        return matched;
    }

    /** All text released so far. */
    String text() {
        return all.toString();
    }

    private String release(int n, boolean dropRest) {
        String out = pending.substring(0, n);
        if (dropRest) {
            pending.setLength(0);
        } else {
            pending.delete(0, n);
        }
        all.append(out);
        return out;
    }
}
