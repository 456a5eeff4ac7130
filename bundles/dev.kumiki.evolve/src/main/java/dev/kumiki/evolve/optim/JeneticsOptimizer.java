package dev.kumiki.evolve.optim;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.jenetics.DoubleChromosome;
import io.jenetics.DoubleGene;
import io.jenetics.Genotype;
import io.jenetics.Phenotype;
import io.jenetics.util.ISeq;
import io.jenetics.util.RandomRegistry;

/**
 * What the genetic algorithm and NSGA-II share: a population of evaluated genomes kept between generations, Jenetics'
 * operators run on it with a random generator that depends only on (seed, generation, stream), and the state.
 *
 * <p>Each generation {@link #ask()} breeds {@code population} offspring from the current population (selection then
 * alteration, by the subclass); {@link #tell} adds them, evaluated, and the subclass selects the next population from
 * parents and offspring together (a (μ + λ) scheme, as NSGA-II prescribes; elitism for the GA). Generation 0 asks the
 * initial genome (0.5 everywhere, or the space's) and {@code population − 1} uniform random ones.
 *
 * <p>A fitness of NaN (a failed evaluation) is ranked as −∞: it is never preferred to a real score.
 *
 * @param <C> Jenetics' fitness type
 */
abstract sealed class JeneticsOptimizer<C extends Comparable<? super C>> implements Optimizer
        permits GeneticAlgorithm, Nsga2 {

    final int n;
    final int size;
    final long seed;
    final int objectives;
    final double[] initial;
    int generation;
    List<Individual> population = List.of();
    private List<double[]> asked;

    JeneticsOptimizer(String name, int dimensions, int population, long seed, int objectives, double[] initial) {
        if (dimensions < 1) {
            throw new IllegalArgumentException(name + ": the genome needs at least 1 dimension, found " + dimensions);
        }
        if (population < 2) {
            throw new IllegalArgumentException(name + ": population must be at least 2, found " + population);
        }
        if (initial != null && initial.length != dimensions) {
            throw new IllegalArgumentException(
                    name + ": the initial genome has " + initial.length + " values, expected " + dimensions);
        }
        this.n = dimensions;
        this.size = population;
        this.seed = seed;
        this.objectives = objectives;
        this.initial = initial == null ? null : initial.clone();
    }

    @Override
    public int dimensions() {
        return n;
    }

    @Override
    public int objectives() {
        return objectives;
    }

    @Override
    public int generation() {
        return generation;
    }

    /** Genomes per generation. */
    public int population() {
        return size;
    }

    /** The current population with its fitness (copies), as selected by the last {@link #tell}. */
    public List<Individual> individuals() {
        return population.stream().map(i -> new Individual(i.genome().clone(), i.fitness().clone())).toList();
    }

    @Override
    public List<double[]> ask() {
        if (asked == null) {
            asked = generation == 0 && population.isEmpty() ? first() : withRandom(0, () -> breed(phenotypes()));
        }
        return asked.stream().map(double[]::clone).toList();
    }

    private List<double[]> first() {
        SplittableRandom random = new SplittableRandom(StateJson.mix(seed, 0, 1));
        List<double[]> genomes = new ArrayList<>(size);
        double[] start = initial == null ? new double[n] : initial.clone();
        if (initial == null) {
            Arrays.fill(start, 0.5);
        }
        genomes.add(clip(start));
        while (genomes.size() < size) {
            genomes.add(random.doubles(n).toArray());
        }
        return genomes;
    }

    @Override
    public void tell(List<double[]> genomes, List<double[]> fitness) {
        List<double[]> expected = ask();
        if (genomes.size() != expected.size() || fitness.size() != expected.size()) {
            throw new IllegalArgumentException(name() + ": tell needs the " + expected.size() + " genomes of the "
                    + "last ask and their fitness, found " + genomes.size() + " genomes and " + fitness.size()
                    + " fitness values");
        }
        List<Individual> offspring = new ArrayList<>(expected.size());
        for (int k = 0; k < expected.size(); k++) {
            if (!Arrays.equals(expected.get(k), genomes.get(k))) {
                throw new IllegalArgumentException(name() + ": genome " + k + " told is not the one ask() proposed "
                        + "in generation " + generation + "; tell the genomes of the last ask, in the same order");
            }
            double[] f = fitness.get(k);
            if (f.length != objectives) {
                throw new IllegalArgumentException(name() + ": optimises " + objectives + " objective(s), fitness "
                        + k + " has " + f.length + " values");
            }
            offspring.add(new Individual(expected.get(k), f.clone()));
        }
        if (population.isEmpty()) {
            population = List.copyOf(offspring);
        } else {
            List<Individual> all = new ArrayList<>(population);
            all.addAll(offspring);
            // selectors return the instances they were given: map them back to keep the told values bit for bit
            Map<Phenotype<DoubleGene, C>, Individual> told = new IdentityHashMap<>();
            List<Phenotype<DoubleGene, C>> pool = new ArrayList<>(all.size());
            for (Individual i : all) {
                Phenotype<DoubleGene, C> p = phenotype(i);
                told.put(p, i);
                pool.add(p);
            }
            population = withRandom(1, () -> survive(ISeq.of(pool))).stream()
                    .map(p -> told.getOrDefault(p, new Individual(genome(p), valuesOf(p.fitness())))).toList();
        }
        generation++;
        asked = null;
    }

    /** The genomes of the offspring of {@code parents} (each in the unit cube), {@link #size} of them. */
    abstract List<double[]> breed(ISeq<Phenotype<DoubleGene, C>> parents);

    /** The next population, {@link #size} of parents and offspring. */
    abstract ISeq<Phenotype<DoubleGene, C>> survive(ISeq<Phenotype<DoubleGene, C>> parentsAndOffspring);

    /** Jenetics' fitness of one evaluated genome (NaN as −∞). */
    abstract C fitnessOf(double[] fitness);

    /** Our fitness values back from Jenetics'. */
    abstract double[] valuesOf(C fitness);

    private <T> T withRandom(int stream, java.util.function.Supplier<T> work) {
        return RandomRegistry.with(new SplittableRandom(StateJson.mix(seed, generation, 2 + stream)))
                .call(work::get);
    }

    ISeq<Phenotype<DoubleGene, C>> phenotypes() {
        return population.stream().map(this::phenotype).collect(ISeq.toISeq());
    }

    private Phenotype<DoubleGene, C> phenotype(Individual i) {
        DoubleGene[] genes = new DoubleGene[n];
        for (int j = 0; j < n; j++) {
            genes[j] = DoubleGene.of(i.genome()[j], 0, 1);
        }
        return Phenotype.of(Genotype.of(DoubleChromosome.of(genes)), generation, fitnessOf(i.fitness()));
    }

    static double[] genome(Phenotype<DoubleGene, ?> p) {
        return clip(((DoubleChromosome) p.genotype().chromosome()).toArray());
    }

    static double orWorst(double v) {
        return Double.isNaN(v) ? Double.NEGATIVE_INFINITY : v;
    }

    static double[] clip(double[] x) {
        double[] r = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            r[i] = Math.min(1, Math.max(0, x[i]));
        }
        return r;
    }

    @Override
    public ObjectNode state() {
        ObjectNode s = StateJson.object(name(), n);
        s.put("population", size);
        s.put("objectives", objectives);
        s.put("seed", seed);
        s.put("generation", generation);
        if (initial != null) {
            s.set("initial", StateJson.array(initial));
        }
        ArrayNode individuals = s.putArray("individuals");
        for (Individual i : population) {
            ObjectNode o = individuals.addObject();
            o.set("genome", StateJson.array(i.genome()));
            o.set("fitness", StateJson.array(i.fitness()));
        }
        return s;
    }

    /** The generation and population of {@code s} into this optimiser (created with the settings of {@code s}). */
    JeneticsOptimizer<C> restoreFrom(JsonNode s) {
        generation = StateJson.intOf(s, "generation");
        JsonNode individuals = StateJson.required(s, "individuals");
        List<Individual> list = new ArrayList<>();
        for (JsonNode o : individuals) {
            list.add(new Individual(StateJson.arrayOf(o, "genome", n), StateJson.arrayOf(o, "fitness", objectives)));
        }
        if (!list.isEmpty() && list.size() != size || list.isEmpty() && generation > 0) {
            throw new IllegalArgumentException("optimizer state of '" + name() + "': 'individuals' should hold "
                    + size + " genomes, found " + list.size()
                    + "; the checkpoint is damaged or was written by another program: start a new search");
        }
        population = List.copyOf(list);
        return this;
    }

    static double[] initialOf(JsonNode s, int n) {
        return s.has("initial") ? StateJson.arrayOf(s, "initial", n) : null;
    }
}
