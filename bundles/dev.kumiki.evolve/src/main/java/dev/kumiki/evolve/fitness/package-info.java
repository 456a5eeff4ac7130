/** Fitness functions: evaluation tasks (or a weighted set) scored on a candidate run in memory. */
package dev.kumiki.evolve.fitness;
