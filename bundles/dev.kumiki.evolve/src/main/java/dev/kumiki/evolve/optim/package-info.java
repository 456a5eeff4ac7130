/** Optimisers with ask/tell: CMA-ES (the paper's initialisation), and Jenetics' genetic algorithm and NSGA-II. */
package dev.kumiki.evolve.optim;
