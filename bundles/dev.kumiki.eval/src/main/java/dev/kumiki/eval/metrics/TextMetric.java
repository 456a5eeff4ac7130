package dev.kumiki.eval.metrics;

/**
 * A per-sample score of a generated answer against its reference (after the task's filters), such as
 * {@code exact_match}, {@code char_f1} or {@code rouge_l}; a task averages it over samples.
 */
@FunctionalInterface
public interface TextMetric {

    /** The score of {@code prediction} against {@code reference}, usually in [0, 1]. */
    double score(String prediction, String reference);
}
