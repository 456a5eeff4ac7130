package dev.kumiki.evolve;

/**
 * A search cannot start or go on because of its input (settings, models, tasks, a checkpoint of another search): the
 * message names the file, line, key, model or task, what was expected, what was found and what to do. Front ends show
 * the message alone (exit code 2 on the command line), never a stack trace.
 */
public class EvolutionException extends Exception {
    private static final long serialVersionUID = 1L;

    public EvolutionException(String message) {
        super(message);
    }

    public EvolutionException(String message, Throwable cause) {
        super(message, cause);
    }
}
