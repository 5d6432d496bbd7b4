package dev.llama4j.api;

import dev.llama4j.Llama4jException;

/**
 * A safeguard that chat and the server call on each user input and each model output. Off unless set; a later
 * implementation can run a classifier model (for example Llama Guard).
 */
@FunctionalInterface
public interface Moderation {
    /** Which way the text goes. */
    enum Direction {
        /** A user's message, before the model sees it. */
        INPUT,
        /** The model's answer, before it is kept in the history. */
        OUTPUT
    }

    /**
     * The verdict on a text.
     *
     * @param allowed whether the text may pass
     * @param reason  why not (a category or explanation; empty when allowed)
     */
    record Verdict(boolean allowed, String reason) {
        public static final Verdict ALLOW = new Verdict(true, "");

        public Verdict {
            reason = reason == null ? "" : reason;
        }

        public static Verdict refuse(String reason) {
            return new Verdict(false, reason);
        }
    }

    /** Judges {@code text}. */
    Verdict check(String text, Direction direction);

    /** Lets everything pass. */
    Moderation NONE = (text, direction) -> Verdict.ALLOW;

    /** Thrown when moderation refuses a text; the message names the direction and the reason. */
    final class RefusedException extends Llama4jException {
        private final Direction direction;
        private final Verdict verdict;

        public RefusedException(Direction direction, Verdict verdict) {
            super("moderation refused the " + (direction == Direction.INPUT ? "input" : "output")
                    + (verdict.reason().isEmpty() ? "" : ": " + verdict.reason()));
            this.direction = direction;
            this.verdict = verdict;
        }

        public Direction direction() {
            return direction;
        }

        public Verdict verdict() {
            return verdict;
        }
    }
}
