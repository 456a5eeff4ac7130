package dev.kumiki.evolve.optim;

import java.util.List;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An optimiser with ask/tell, so that a whole population can be evaluated at once (in parallel, cached, or elsewhere).
 * Genomes live in the unit cube [0, 1]ⁿ; fitness is maximised, one value per objective. Randomness comes only from the
 * seed and the generation number, so that an optimiser restored from {@link #state()} proposes exactly what the
 * uninterrupted one would have.
 */
public interface Optimizer {

    /** {@code cma-es}, {@code ga} or {@code nsga2}. */
    String name();

    /** The genome's length. */
    int dimensions();

    /** Objectives per fitness (1 but for multi-objective optimisers). */
    int objectives();

    /** Generations told so far. */
    int generation();

    /** The genomes of the next generation (a fresh copy on every call until {@link #tell} is called). */
    List<double[]> ask();

    /**
     * The fitness of the genomes of the last {@link #ask()}, in the same order: {@code fitness.get(i)[k]} is objective
     * k of genome i, maximised. Advances {@link #generation()} by one.
     */
    void tell(List<double[]> genomes, List<double[]> fitness);

    /** Everything needed to continue: written into each checkpoint as JSON, read back by {@code Optimizers.restore}. */
    ObjectNode state();
}
