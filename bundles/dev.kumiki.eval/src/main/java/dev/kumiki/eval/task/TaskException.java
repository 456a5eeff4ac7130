package dev.kumiki.eval.task;

/**
 * A task that cannot be read or run because of what its files say: an unknown key, a missing field, a template
 * error. The message names the file, the line and what to do; it is meant for the user, not a stack trace.
 */
public final class TaskException extends Exception {
    private static final long serialVersionUID = 1L;

    public TaskException(String message) {
        super(message);
    }

    public TaskException(String message, Throwable cause) {
        super(message, cause);
    }
}
