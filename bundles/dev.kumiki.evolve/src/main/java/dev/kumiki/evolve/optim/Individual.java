package dev.kumiki.evolve.optim;

/**
 * A genome of a population with the fitness it was told (one value per objective, maximised).
 *
 * @param genome the genome, in the unit cube
 * @param fitness the fitness values as told (NaN stays NaN here; optimisers rank it last)
 */
public record Individual(double[] genome, double[] fitness) {
}
