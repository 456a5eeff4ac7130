package dev.kumiki.eval;

/**
 * An evaluation that cannot go on because of its input: a task file, a dataset, a template, a prompt longer than the
 * model's context. Unchecked so that it can leave {@link Evaluation#stream()}; the message names the task, the file
 * and line, and what to do.
 */
public final class EvaluationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public EvaluationException(String message, Throwable cause) {
        super(message, cause);
    }

    public EvaluationException(String message) {
        super(message);
    }
}
