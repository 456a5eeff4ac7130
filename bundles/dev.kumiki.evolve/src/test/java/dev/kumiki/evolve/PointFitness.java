package dev.kumiki.evolve;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import dev.kumiki.evolve.fitness.Fitness;
import dev.kumiki.llm.LanguageModel;

/**
 * A test fitness of the parameters a {@link GridSpace} candidate stands for: objective k is
 * {@code -Σ (x - target_k)²}. It checks that it is given an open model, counts its calls and can be made slow.
 */
final class PointFitness implements Fitness {
    final AtomicInteger evaluations = new AtomicInteger();
    final AtomicInteger tests = new AtomicInteger();
    private final double[][] targets;
    private final long sleepMillis;

    PointFitness(long sleepMillis, double[]... targets) {
        this.targets = targets;
        this.sleepMillis = sleepMillis;
    }

    @Override
    public List<String> objectives() {
        return targets.length == 1 ? List.of("sphere") : java.util.stream.IntStream.range(0, targets.length)
                .mapToObj(k -> "sphere" + k).toList();
    }

    @Override
    public double[] evaluate(LanguageModel model, int generation, long seed) {
        evaluations.incrementAndGet();
        if (sleepMillis > 0) {
            try {
                Thread.sleep(sleepMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return score(model);
    }

    @Override
    public double[] test(LanguageModel model) {
        tests.incrementAndGet();
        double[] f = score(model);
        for (int k = 0; k < f.length; k++) {
            f[k] -= 1; // a "test split" that differs from the search one
        }
        return f;
    }

    double[] score(LanguageModel model) {
        // the model must be open: a closed one fails here
        model.loglikelihood("a", "b");
        double[] x = GridSpace.OPENED.get(model);
        double[] f = new double[targets.length];
        for (int k = 0; k < targets.length; k++) {
            f[k] = of(x, targets[k]);
        }
        return f;
    }

    static double of(double[] x, double[] target) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s -= (x[i] - target[i]) * (x[i] - target[i]);
        }
        return s;
    }
}
