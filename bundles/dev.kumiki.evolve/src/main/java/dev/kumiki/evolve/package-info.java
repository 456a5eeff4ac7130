/**
 * Evolutionary model merging (Sakana AI, "Evolutionary Optimization of Model Merging Recipes", arXiv 2403.13187): a
 * {@link dev.kumiki.evolve.Search} asks an {@link dev.kumiki.evolve.optim.Optimizer} for genomes, decodes each through
 * a {@link dev.kumiki.evolve.space.SearchSpace} into a {@link dev.kumiki.evolve.space.Candidate} (a merge recipe in the
 * parameter space, a layer path in the data-flow space, or both), runs the candidate in memory with the runtime and
 * scores it with a {@link dev.kumiki.evolve.fitness.Fitness} built from evaluation tasks. Every generation is
 * checkpointed atomically; a search resumes from its folder.
 * <p>
 * A library: no EMF, engine or UI imports, usable from a plain {@code main}.
 */
package dev.kumiki.evolve;
