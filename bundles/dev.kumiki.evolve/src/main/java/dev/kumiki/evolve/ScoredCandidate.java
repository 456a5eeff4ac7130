package dev.kumiki.evolve;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A candidate that has been evaluated: what it is (its cache key, recipe and decoded parameters), the genome it was
 * decoded from (so that it can be opened again), its fitness on the search split and the generation that first
 * evaluated it.
 *
 * @param key        {@link dev.kumiki.evolve.space.Candidate#key()}
 * @param recipe     {@link dev.kumiki.evolve.space.Candidate#recipe()}
 * @param parameters {@link dev.kumiki.evolve.space.Candidate#parameters()}, in genome order
 * @param genome     the genome, in the unit cube
 * @param fitness    one value per objective, maximised
 * @param generation the generation (from 1) that first evaluated it
 */
public record ScoredCandidate(String key, String recipe, Map<String, Double> parameters, double[] genome,
        double[] fitness, int generation) {

    public ScoredCandidate {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(recipe, "recipe");
        parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
        genome = genome.clone();
        fitness = fitness.clone();
    }

    @Override
    public double[] genome() {
        return genome.clone();
    }

    @Override
    public double[] fitness() {
        return fitness.clone();
    }

    /** Fitness of objective {@code k}. */
    public double fitness(int k) {
        return fitness[k];
    }

    /**
     * Whether this candidate Pareto-dominates {@code other} (all objectives maximised): at least as good on every
     * objective and better on one.
     */
    public boolean dominates(ScoredCandidate other) {
        return dominates(fitness, other.fitness);
    }

    static boolean dominates(double[] a, double[] b) {
        boolean better = false;
        for (int k = 0; k < a.length; k++) {
            if (a[k] < b[k]) {
                return false;
            }
            if (a[k] > b[k]) {
                better = true;
            }
        }
        return better;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ScoredCandidate c && key.equals(c.key) && recipe.equals(c.recipe)
                && parameters.equals(c.parameters) && java.util.Arrays.equals(genome, c.genome)
                && java.util.Arrays.equals(fitness, c.fitness) && generation == c.generation;
    }

    @Override
    public int hashCode() {
        return Objects.hash(key, java.util.Arrays.hashCode(fitness), generation);
    }

    @Override
    public String toString() {
        return key + " " + java.util.Arrays.toString(fitness) + " (generation " + generation + ")";
    }
}
