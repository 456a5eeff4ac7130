package dev.kumiki.evolve.optim;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import io.jenetics.Alterer;
import io.jenetics.DoubleGene;
import io.jenetics.IntermediateCrossover;
import io.jenetics.Optimize;
import io.jenetics.Phenotype;
import io.jenetics.TournamentSelector;
import io.jenetics.ext.moea.NSGA2Selector;
import io.jenetics.ext.moea.Pareto;
import io.jenetics.ext.moea.Vec;
import io.jenetics.util.ISeq;

/**
 * Multi-objective search with NSGA-II (Deb et al. 2002) on Jenetics' operators, with ask/tell; every objective is
 * maximised. Parents are chosen by binary tournaments on the crowded comparison (lower non-domination rank, then larger
 * crowding distance, from Jenetics' {@link Pareto}), recombined by {@link IntermediateCrossover} and mutated by
 * Gaussian steps of 0.1 around the gene (a Jenetics {@code Mutator}, as in {@link GeneticAlgorithm}); the next population is the best {@code population} of parents and offspring by Jenetics'
 * {@link NSGA2Selector} (rank, then crowding distance). {@link #front()} is the current Pareto front.
 */
public final class Nsga2 extends JeneticsOptimizer<Vec<double[]>> {
    /** The name users write: {@code nsga2}. */
    public static final String NAME = "nsga2";
    /** The population when none is set. */
    public static final int DEFAULT_POPULATION = 20;

    private final Alterer<DoubleGene, Vec<double[]>> alterer;

    /**
     * An NSGA-II search.
     *
     * @param dimensions the genome's length
     * @param population genomes per generation, or 0 for {@link #DEFAULT_POPULATION}
     * @param seed the seed all randomness is derived from
     * @param objectives values per fitness, at least 2
     * @param initial the genome the first population starts with (the rest are uniform random), or null for 0.5
     *        everywhere
     */
    public Nsga2(int dimensions, int population, long seed, int objectives, double[] initial) {
        super(NAME, dimensions, population == 0 ? DEFAULT_POPULATION : population, seed, objectives, initial);
        if (objectives < 2) {
            throw new IllegalArgumentException("nsga2: searches 2 or more objectives, found " + objectives
                    + "; use 'cma-es' or 'ga' for a single objective");
        }
        this.alterer = Alterer.of(new IntermediateCrossover<DoubleGene, Vec<double[]>>(0.6, 0.25),
                new CreepMutator<Vec<double[]>>(Math.max(0.1, 1.0 / dimensions), 0.1));
    }

    @Override
    public String name() {
        return NAME;
    }

    /** The non-dominated individuals of the current population (copies; empty before the first {@link #tell}). */
    public List<Individual> front() {
        List<Individual> all = individuals();
        ISeq<Vec<double[]>> vecs = all.stream().map(i -> fitnessOf(i.fitness())).collect(ISeq.toISeq());
        int[] rank = Pareto.rank(vecs);
        List<Individual> front = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            if (rank[i] == 0) {
                front.add(all.get(i));
            }
        }
        return front;
    }

    @Override
    List<double[]> breed(ISeq<Phenotype<DoubleGene, Vec<double[]>>> parents) {
        ISeq<Vec<double[]>> vecs = parents.map(Phenotype::fitness);
        int[] rank = Pareto.rank(vecs);
        double[] crowding = crowding(vecs, rank);
        Map<Phenotype<DoubleGene, Vec<double[]>>, Integer> index = new IdentityHashMap<>();
        for (int i = 0; i < parents.size(); i++) {
            index.put(parents.get(i), i);
        }
        Comparator<Phenotype<DoubleGene, Vec<double[]>>> crowded = Comparator
                .comparingInt((Phenotype<DoubleGene, Vec<double[]>> p) -> -rank[index.get(p)])
                .thenComparingDouble(p -> crowding[index.get(p)]);
        ISeq<Phenotype<DoubleGene, Vec<double[]>>> selected = new TournamentSelector<>(crowded, 2).select(parents,
                size, Optimize.MAXIMUM);
        return alterer.alter(selected, generation).population().stream().map(JeneticsOptimizer::genome).toList();
    }

    /** Crowding distance of each individual within its own front. */
    private static double[] crowding(ISeq<Vec<double[]>> vecs, int[] rank) {
        double[] result = new double[vecs.size()];
        int maxRank = 0;
        for (int r : rank) {
            maxRank = Math.max(maxRank, r);
        }
        for (int r = 0; r <= maxRank; r++) {
            List<Integer> members = new ArrayList<>();
            for (int i = 0; i < rank.length; i++) {
                if (rank[i] == r) {
                    members.add(i);
                }
            }
            double[] d = Pareto.crowdingDistance(members.stream().map(vecs::get).collect(ISeq.toISeq()));
            for (int k = 0; k < members.size(); k++) {
                // a front of failed evaluations (−∞) has no finite distances: NaN would win every tournament
                result[members.get(k)] = Double.isNaN(d[k]) ? 0 : d[k];
            }
        }
        return result;
    }

    @Override
    ISeq<Phenotype<DoubleGene, Vec<double[]>>> survive(ISeq<Phenotype<DoubleGene, Vec<double[]>>> all) {
        return NSGA2Selector.<DoubleGene, double[], Vec<double[]>>ofVec().select(all, size, Optimize.MAXIMUM);
    }

    @Override
    Vec<double[]> fitnessOf(double[] fitness) {
        double[] v = new double[fitness.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = orWorst(fitness[i]);
        }
        return Vec.of(v);
    }

    @Override
    double[] valuesOf(Vec<double[]> fitness) {
        return fitness.data().clone();
    }

    static Nsga2 restore(JsonNode s) {
        int n = StateJson.intOf(s, "dimensions");
        Nsga2 o = new Nsga2(n, StateJson.intOf(s, "population"), StateJson.longOf(s, "seed"),
                StateJson.intOf(s, "objectives"), initialOf(s, n));
        o.restoreFrom(s);
        return o;
    }
}
