package dev.kumiki.evolve;

import java.util.List;

/**
 * What one generation of a {@link Search} did, emitted when it has been told to the optimiser and checkpointed.
 *
 * @param generation         the generation, from 1
 * @param objectives         the objectives' names
 * @param best               the best fitness of this generation's candidates, per objective
 * @param mean               the mean fitness of this generation's candidates (repeats included), per objective
 * @param bestSoFar          the best candidate of the whole search so far (single objective: the highest fitness;
 *                           several: the Pareto-front member with the highest sum of objectives; ties keep the
 *                           earlier)
 * @param candidates         candidates in this generation (the optimiser's population)
 * @param evaluations        candidates evaluated in this generation (the rest were repeats served by the cache)
 * @param cacheHits          candidates in this generation whose key had been evaluated already
 * @param shared             of the evaluations, those a search of the same definition running at the same time made
 *                           and gave to this one (their time counts in that search's report, not here)
 * @param evaluationSeconds  time spent inside the fitness function in this generation (summed over candidates)
 * @param overheadSeconds    time spent outside it: decoding, opening and closing candidates in memory, asking and
 *                           telling the optimiser, checkpointing
 * @param totalEvaluations   candidates evaluated since the search began
 * @param totalCacheHits     cache hits since the search began
 * @param paretoFront        the non-dominated set of everything evaluated so far (multi-objective searches; empty
 *                           for one objective)
 */
public record GenerationReport(int generation, List<String> objectives, double[] best, double[] mean,
        ScoredCandidate bestSoFar, int candidates, int evaluations, int cacheHits, int shared, double evaluationSeconds,
        double overheadSeconds, long totalEvaluations, long totalCacheHits, List<ScoredCandidate> paretoFront) {

    public GenerationReport {
        objectives = List.copyOf(objectives);
        best = best.clone();
        mean = mean.clone();
        paretoFront = List.copyOf(paretoFront);
    }

    @Override
    public double[] best() {
        return best.clone();
    }

    @Override
    public double[] mean() {
        return mean.clone();
    }

    /** Time outside evaluation per second of evaluation (issue 12 wants at most 0.1); NaN before any evaluation. */
    public double overheadRatio() {
        return evaluationSeconds > 0 ? overheadSeconds / evaluationSeconds : Double.NaN;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GenerationReport r && generation == r.generation && objectives.equals(r.objectives)
                && java.util.Arrays.equals(best, r.best) && java.util.Arrays.equals(mean, r.mean)
                && bestSoFar.equals(r.bestSoFar) && candidates == r.candidates && evaluations == r.evaluations
                && cacheHits == r.cacheHits && shared == r.shared
                && Double.compare(evaluationSeconds, r.evaluationSeconds) == 0
                && Double.compare(overheadSeconds, r.overheadSeconds) == 0 && totalEvaluations == r.totalEvaluations
                && totalCacheHits == r.totalCacheHits && paretoFront.equals(r.paretoFront);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(generation, java.util.Arrays.hashCode(best), bestSoFar);
    }
}
