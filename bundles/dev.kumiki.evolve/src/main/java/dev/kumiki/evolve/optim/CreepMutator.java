package dev.kumiki.evolve.optim;

import java.util.random.RandomGenerator;

import io.jenetics.DoubleGene;
import io.jenetics.Mutator;

/**
 * Jenetics' {@link Mutator} (which picks the genes to change with its probability) with a local change: a chosen gene
 * moves by a Gaussian step of standard deviation {@code scale} × its range, clipped into the range. Jenetics 9's own
 * {@code GaussianMutator} draws the new value around the middle of the range, whatever the gene was, which resets genes
 * rather than refines them; a search that has found a good region needs small steps to close in on it.
 *
 * @param <C> the fitness type
 */
final class CreepMutator<C extends Comparable<? super C>> extends Mutator<DoubleGene, C> {
    private final double scale;

    CreepMutator(double probability, double scale) {
        super(probability);
        this.scale = scale;
    }

    @Override
    protected DoubleGene mutate(DoubleGene gene, RandomGenerator random) {
        double min = gene.min();
        double max = gene.max();
        double v = gene.doubleValue() + random.nextGaussian() * scale * (max - min);
        return gene.newInstance(Math.min(max, Math.max(min, v)));
    }

    @Override
    public String toString() {
        return "CreepMutator[p=" + _probability + ", scale=" + scale + "]";
    }
}
