package dev.kumiki.train;

/**
 * A training run cannot start or go on because of its input (settings, model, dataset, adapter): the message names
 * the file, line, key, module or tensor, what was expected, what was found and what to do. Front ends show the message
 * alone (exit code 2 on the command line), never a stack trace.
 */
public class TrainingException extends Exception {
    private static final long serialVersionUID = 1L;

    public TrainingException(String message) {
        super(message);
    }

    public TrainingException(String message, Throwable cause) {
        super(message, cause);
    }
}
