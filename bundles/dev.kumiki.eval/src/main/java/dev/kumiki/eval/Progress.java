package dev.kumiki.eval;

/**
 * How far an evaluation is, after each document.
 *
 * @param task            the task of the last document
 * @param taskDone        documents of that task done
 * @param taskTotal       documents of that task to do
 * @param done            documents done over all tasks
 * @param total           documents to do over all tasks
 * @param tokens          tokens processed so far: generated tokens, and the scored tokens of log-likelihoods
 * @param tokensPerSecond {@code tokens} over the time spent in the model so far
 */
public record Progress(String task, int taskDone, int taskTotal, int done, int total, long tokens,
        double tokensPerSecond) {

    /** The fraction done, 0 to 1. */
    public double fraction() {
        return total == 0 ? 1 : (double) done / total;
    }
}
