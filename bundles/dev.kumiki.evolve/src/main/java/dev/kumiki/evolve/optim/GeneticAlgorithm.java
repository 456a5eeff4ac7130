package dev.kumiki.evolve.optim;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import io.jenetics.Alterer;
import io.jenetics.DoubleGene;
import io.jenetics.EliteSelector;
import io.jenetics.IntermediateCrossover;
import io.jenetics.Optimize;
import io.jenetics.Phenotype;
import io.jenetics.TournamentSelector;
import io.jenetics.util.ISeq;

/**
 * A single-objective genetic algorithm on Jenetics' operators, with ask/tell. Each generation, parents are chosen by
 * 3-tournaments ({@link TournamentSelector}), recombined by {@link IntermediateCrossover} (probability 0.6, p = 0.25)
 * and mutated by a Jenetics {@code Mutator} with Gaussian steps of 0.1 around the gene (each gene with probability
 * max(0.1, 1/n); Jenetics 9's {@code GaussianMutator} redraws genes around the middle of their range instead, which
 * never refines a good genome); the next population is selected
 * from parents and offspring together by {@link EliteSelector}: the best {@code max(1, population / 10)} always
 * survive, the rest are chosen by 3-tournaments.
 */
public final class GeneticAlgorithm extends JeneticsOptimizer<Double> {
    /** The name users write: {@code ga}. */
    public static final String NAME = "ga";
    /** The population when none is set. */
    public static final int DEFAULT_POPULATION = 20;

    private final Alterer<DoubleGene, Double> alterer;

    /**
     * A genetic algorithm.
     *
     * @param dimensions the genome's length
     * @param population genomes per generation, or 0 for {@link #DEFAULT_POPULATION}
     * @param seed the seed all randomness is derived from
     * @param initial the genome the first population starts with (the rest are uniform random), or null for 0.5
     *        everywhere
     */
    public GeneticAlgorithm(int dimensions, int population, long seed, double[] initial) {
        super(NAME, dimensions, population == 0 ? DEFAULT_POPULATION : population, seed, 1, initial);
        this.alterer = Alterer.of(new IntermediateCrossover<DoubleGene, Double>(0.6, 0.25),
                new CreepMutator<Double>(Math.max(0.1, 1.0 / dimensions), 0.1));
    }

    @Override
    public String name() {
        return NAME;
    }

    /** The best individual of the current population (empty before the first {@link #tell}). */
    public java.util.Optional<Individual> best() {
        return individuals().stream().max(java.util.Comparator.comparingDouble(i -> orWorst(i.fitness()[0])));
    }

    @Override
    List<double[]> breed(ISeq<Phenotype<DoubleGene, Double>> parents) {
        ISeq<Phenotype<DoubleGene, Double>> selected = new TournamentSelector<DoubleGene, Double>(3).select(parents,
                size, Optimize.MAXIMUM);
        return alterer.alter(selected, generation).population().stream().map(JeneticsOptimizer::genome).toList();
    }

    @Override
    ISeq<Phenotype<DoubleGene, Double>> survive(ISeq<Phenotype<DoubleGene, Double>> all) {
        return new EliteSelector<DoubleGene, Double>(Math.max(1, size / 10), new TournamentSelector<>(3)).select(all,
                size, Optimize.MAXIMUM);
    }

    @Override
    Double fitnessOf(double[] fitness) {
        return orWorst(fitness[0]);
    }

    @Override
    double[] valuesOf(Double fitness) {
        return new double[] {fitness};
    }

    static GeneticAlgorithm restore(JsonNode s) {
        int n = StateJson.intOf(s, "dimensions");
        GeneticAlgorithm ga = new GeneticAlgorithm(n, StateJson.intOf(s, "population"), StateJson.longOf(s, "seed"),
                initialOf(s, n));
        ga.restoreFrom(s);
        return ga;
    }
}
