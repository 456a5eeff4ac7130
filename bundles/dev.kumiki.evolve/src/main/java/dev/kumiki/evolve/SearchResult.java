package dev.kumiki.evolve;

import java.util.List;
import java.util.Optional;

/**
 * How a search ended.
 *
 * @param best        the best candidate found (see {@link GenerationReport#bestSoFar()}); null when no generation
 *                    completed
 * @param objectives  the objectives' names
 * @param testFitness the best candidate's fitness on the held-out test split (never seen by the search), per
 *                    objective; empty when the search was cancelled or has no best
 * @param history     one report per generation, from the first (a resumed search includes the generations before it
 *                    was interrupted, as read from its checkpoint)
 * @param paretoFront the non-dominated set of everything evaluated (multi-objective; empty for one objective)
 * @param stop        why the search stopped
 */
public record SearchResult(ScoredCandidate best, List<String> objectives, double[] testFitness,
        List<GenerationReport> history, List<ScoredCandidate> paretoFront, Stop stop) {

    /** Why a search stopped. */
    public enum Stop {
        /** It ran the generations it was given. */
        GENERATIONS,
        /** Its time limit passed (checked before each generation). */
        TIME_LIMIT,
        /** It was cancelled; the checkpoint of the last whole generation is kept. */
        CANCELLED,
        /** The caller stopped consuming the stream. */
        STREAM_CLOSED
    }

    public SearchResult {
        objectives = List.copyOf(objectives);
        testFitness = testFitness.clone();
        history = List.copyOf(history);
        paretoFront = List.copyOf(paretoFront);
    }

    @Override
    public double[] testFitness() {
        return testFitness.clone();
    }

    /** The last generation's report, if any generation ran. */
    public Optional<GenerationReport> last() {
        return history.isEmpty() ? Optional.empty() : Optional.of(history.get(history.size() - 1));
    }
}
