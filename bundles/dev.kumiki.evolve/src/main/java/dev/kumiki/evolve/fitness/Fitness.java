package dev.kumiki.evolve.fitness;

import java.io.IOException;
import java.util.List;

import dev.kumiki.llm.LanguageModel;

/**
 * Scores a candidate's model: one value per objective, maximised (accuracy-like scores as they are; perplexities
 * negated). A single-objective search uses {@link #objectives()} of size 1 (a weighted set of tasks is one objective).
 */
public interface Fitness {

    /** The objectives' names, e.g. {@code ja_math/exact_match}. */
    List<String> objectives();

    /**
     * Scores {@code model} on the search split. {@code generation} and {@code seed} choose the subsample when the
     * fitness subsamples documents per generation (the same for every candidate of a generation, so they compare).
     */
    double[] evaluate(LanguageModel model, int generation, long seed) throws IOException;

    /** Scores {@code model} on the held-out test split, which the search never sees. */
    double[] test(LanguageModel model) throws IOException;
}
