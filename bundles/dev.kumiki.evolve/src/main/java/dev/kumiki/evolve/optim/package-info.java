/**
 * Optimisers with ask/tell in the unit cube, fitness maximised: {@link dev.kumiki.evolve.optim.CmaEs} (the paper's
 * initialisation), and {@link dev.kumiki.evolve.optim.GeneticAlgorithm} and {@link dev.kumiki.evolve.optim.Nsga2} on
 * Jenetics' operators. {@link dev.kumiki.evolve.optim.Optimizers} creates them by name and restores them from their
 * JSON state; randomness depends only on (seed, generation), so a restored optimiser proposes what the uninterrupted
 * one would have.
 */
package dev.kumiki.evolve.optim;
