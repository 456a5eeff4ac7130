package dev.kumiki.evolve;

/**
 * A user's mistake or a search that cannot go on (an unknown task, empty bounds, a checkpoint from another search, a
 * folder in use): the message says what was expected, what was found and what to do, and is shown as it is, without a
 * stack trace.
 */
public class EvolutionException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** An error shown to the user as {@code message}. */
    public EvolutionException(String message) {
        super(message);
    }

    /** An error shown to the user as {@code message}, caused by {@code cause} (kept for logs). */
    public EvolutionException(String message, Throwable cause) {
        super(message, cause);
    }
}
