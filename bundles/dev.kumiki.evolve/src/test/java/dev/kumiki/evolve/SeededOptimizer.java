package dev.kumiki.evolve;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.kumiki.evolve.optim.Optimizer;

/**
 * A test-only (μ=1, λ) evolution strategy: each generation draws λ genomes around the best genome so far, with
 * Gaussian steps from a generator seeded by the seed and the generation only, so that it honours the optimiser
 * contract (a restored one proposes what the uninterrupted one would). Several objectives are compared by their sum.
 */
final class SeededOptimizer implements Optimizer {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final int dimensions;
    private final int objectives;
    private final int population;
    private final long seed;
    private final double sigma;
    private int generation;
    private double[] center;
    private double centerFitness = Double.NEGATIVE_INFINITY;

    SeededOptimizer(int dimensions, int objectives, int population, long seed, double sigma) {
        this.dimensions = dimensions;
        this.objectives = objectives;
        this.population = population;
        this.seed = seed;
        this.sigma = sigma;
        this.center = new double[dimensions];
        java.util.Arrays.fill(center, 0.5);
    }

    @Override
    public String name() {
        return "test-es";
    }

    @Override
    public int dimensions() {
        return dimensions;
    }

    @Override
    public int objectives() {
        return objectives;
    }

    @Override
    public int generation() {
        return generation;
    }

    @Override
    public List<double[]> ask() {
        SplittableRandom r = new SplittableRandom(seed * 31 + generation);
        List<double[]> out = new ArrayList<>();
        for (int i = 0; i < population; i++) {
            double[] g = new double[dimensions];
            for (int d = 0; d < dimensions; d++) {
                g[d] = Math.min(1, Math.max(0, center[d] + sigma * gaussian(r)));
            }
            out.add(g);
        }
        return out;
    }

    private static double gaussian(SplittableRandom r) {
        // Box–Muller: SplittableRandom has no nextGaussian of its own that is stable across JDKs
        double u = 1 - r.nextDouble();
        double v = r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }

    @Override
    public void tell(List<double[]> genomes, List<double[]> fitness) {
        for (int i = 0; i < genomes.size(); i++) {
            double s = 0;
            for (double f : fitness.get(i)) {
                s += f;
            }
            if (s > centerFitness) {
                centerFitness = s;
                center = genomes.get(i).clone();
            }
        }
        generation++;
    }

    @Override
    public ObjectNode state() {
        ObjectNode o = JSON.createObjectNode();
        o.put("name", name());
        o.put("dimensions", dimensions);
        o.put("objectives", objectives);
        o.put("population", population);
        o.put("seed", seed);
        o.put("sigma", sigma);
        o.put("generation", generation);
        ArrayNode c = o.putArray("center");
        for (double x : center) {
            c.add(x);
        }
        o.put("center_fitness", Double.toString(centerFitness));
        return o;
    }

    /** Rebuilds an optimiser from {@link #state()}. */
    static SeededOptimizer restore(ObjectNode s) {
        SeededOptimizer o = new SeededOptimizer(s.get("dimensions").asInt(), s.get("objectives").asInt(),
                s.get("population").asInt(), s.get("seed").asLong(), s.get("sigma").asDouble());
        o.generation = s.get("generation").asInt();
        for (int d = 0; d < o.dimensions; d++) {
            o.center[d] = s.get("center").get(d).asDouble();
        }
        o.centerFitness = Double.parseDouble(s.get("center_fitness").asText());
        return o;
    }
}
