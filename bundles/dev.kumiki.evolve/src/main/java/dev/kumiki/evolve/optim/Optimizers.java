package dev.kumiki.evolve.optim;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.kumiki.tensor.io.Names;

/**
 * Creates optimisers by name and restores them from their {@link Optimizer#state()}.
 *
 * {@snippet :
 * Optimizer cma = Optimizers.of("cma-es", space.dimensions(), 0, 42, 1, space.initial());
 * ObjectNode saved = cma.state();
 * Optimizer resumed = Optimizers.restore(saved, "cma-es", space.dimensions());
 * }
 */
public final class Optimizers {
    /** The names {@link #of} knows. */
    public static final List<String> NAMES = List.of(CmaEs.NAME, GeneticAlgorithm.NAME, Nsga2.NAME);

    private Optimizers() {
    }

    /**
     * A new optimiser starting from 0.5 everywhere.
     *
     * @param name {@code cma-es}, {@code ga} or {@code nsga2}
     * @param dimensions the genome's length
     * @param population genomes per generation, 0 for the optimiser's default (CMA-ES: 4 + ⌊3 ln n⌋; GA, NSGA-II: 20)
     * @param seed the seed all randomness is derived from
     * @param objectives values per fitness: 1 for {@code cma-es} and {@code ga}, 2 or more for {@code nsga2}
     * @throws IllegalArgumentException for an unknown name or settings the optimiser cannot take, with a message
     */
    public static Optimizer of(String name, int dimensions, int population, long seed, int objectives) {
        return of(name, dimensions, population, seed, objectives, null);
    }

    /**
     * A new optimiser starting from {@code initial} (e.g. {@code SearchSpace.initial()}; null for 0.5 everywhere): the
     * first mean of CMA-ES, the first genome of the GA's and NSGA-II's first population.
     *
     * @see #of(String, int, int, long, int)
     */
    public static Optimizer of(String name, int dimensions, int population, long seed, int objectives,
            double[] initial) {
        if (name == null || !NAMES.contains(name)) {
            throw new IllegalArgumentException("unknown optimizer '" + name + "'"
                    + (name == null ? "" : Names.suggestion(name, NAMES)) + "; expected one of " + NAMES);
        }
        if (population < 0) {
            throw new IllegalArgumentException(
                    name + ": population must be positive (or 0 for the default), found " + population);
        }
        if (!name.equals(Nsga2.NAME) && objectives != 1) {
            throw new IllegalArgumentException(name + ": optimises a single objective, the fitness has " + objectives
                    + "; use 'nsga2' for several objectives (a Pareto front) or weight them into one");
        }
        return switch (name) {
        case CmaEs.NAME -> new CmaEs(dimensions, population, seed, initial, CmaEs.DEFAULT_SIGMA);
        case GeneticAlgorithm.NAME -> new GeneticAlgorithm(dimensions, population, seed, initial);
        default -> new Nsga2(dimensions, population, seed, objectives, initial);
        };
    }

    /**
     * The optimiser a {@link Optimizer#state()} describes, whichever it is.
     *
     * @throws IllegalArgumentException when the state is not one an optimiser wrote, with a message naming the key
     */
    public static Optimizer restore(ObjectNode state) {
        String name = state.path("optimizer").asText(null);
        if (name == null || !NAMES.contains(name)) {
            throw new IllegalArgumentException("optimizer state names the optimizer '" + name + "'"
                    + (name == null ? "" : Names.suggestion(name, NAMES)) + ", expected one of " + NAMES
                    + "; the checkpoint is damaged or was written by another program: start a new search");
        }
        int format = StateJson.intOf(state, "format");
        if (format != 1) {
            throw new IllegalArgumentException("optimizer state of '" + name + "' has format " + format
                    + ", this version reads format 1: resume it with the Kumiki that wrote it, or start a new search");
        }
        return switch (name) {
        case CmaEs.NAME -> CmaEs.restore(state);
        case GeneticAlgorithm.NAME -> GeneticAlgorithm.restore(state);
        default -> Nsga2.restore(state);
        };
    }

    /**
     * The optimiser a {@link Optimizer#state()} describes, refused unless it is the {@code name} optimiser over
     * {@code dimensions} values: a checkpoint of another search must not be continued by this one.
     *
     * @throws IllegalArgumentException for a state of another optimiser or dimension, with a message saying both
     */
    public static Optimizer restore(ObjectNode state, String name, int dimensions) {
        String found = state.path("optimizer").asText(null);
        if (found != null && NAMES.contains(found) && !found.equals(name)) {
            throw new IllegalArgumentException("the checkpoint holds the state of optimizer '" + found
                    + "', this search uses '" + name + "': resume with optimizer '" + found
                    + "' or start a new search in another folder");
        }
        JsonNode d = state.get("dimensions");
        if (d != null && d.isInt() && d.asInt() != dimensions) {
            throw new IllegalArgumentException("the checkpoint's optimizer '" + found + "' searches " + d.asInt()
                    + " dimensions, this search's space has " + dimensions
                    + ": the space changed since the checkpoint (models, layer groups or settings); resume with the "
                    + "original configuration or start a new search in another folder");
        }
        return restore(state);
    }
}
