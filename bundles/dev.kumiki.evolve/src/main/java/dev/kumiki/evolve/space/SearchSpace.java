package dev.kumiki.evolve.space;

import java.util.List;

/**
 * Where a search looks: genomes of {@link #dimensions()} values in the unit cube [0, 1]ⁿ (what every optimiser
 * proposes), decoded into candidates. Bounds, normalisation and signs are the space's business, never the optimiser's.
 */
public interface SearchSpace {

    /** The kind, as users write it: {@code ps}, {@code dfs} or {@code hybrid}. */
    String kind();

    /** The genome's length. */
    int dimensions();

    /** A readable name for each coordinate, e.g. {@code ja/weight/layers 0-3} or {@code scale[5]}. */
    List<String> names();

    /**
     * The candidate a genome stands for. Pure and deterministic: the same genome gives a candidate with the same
     * {@link Candidate#key()}. Values outside [0, 1] are clipped.
     */
    Candidate decode(double[] genome);

    /** The genome a search starts from when the optimiser asks for one (the paper: 0.5 everywhere). */
    default double[] initial() {
        double[] g = new double[dimensions()];
        java.util.Arrays.fill(g, 0.5);
        return g;
    }
}
