package dev.kumiki.evolve.optim;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.ToDoubleFunction;

/** Standard test functions shifted into the unit cube (minimised), and a driver that runs an optimiser on them. */
final class TestFunctions {
    private TestFunctions() {
    }

    /** The sphere centred at 0.3 … 0.7 (spread over the coordinates), minimum 0 there. */
    static ToDoubleFunction<double[]> sphere(int n) {
        double[] centre = new double[n];
        for (int i = 0; i < n; i++) {
            centre[i] = 0.3 + 0.4 * i / Math.max(1, n - 1);
        }
        return x -> {
            double s = 0;
            for (int i = 0; i < n; i++) {
                double d = x[i] - centre[i];
                s += d * d;
            }
            return s;
        };
    }

    /** Rosenbrock's function of y = 1 + 4 (x − 0.6): minimum 0 at x = 0.6, the start 0.5 maps to y = 0.6. */
    static double rosenbrock(double[] x) {
        double s = 0;
        for (int i = 0; i < x.length - 1; i++) {
            double a = 1 + 4 * (x[i] - 0.6);
            double b = 1 + 4 * (x[i + 1] - 0.6);
            s += 100 * (b - a * a) * (b - a * a) + (1 - a) * (1 - a);
        }
        return s;
    }

    /**
     * Evaluations until a genome's value is below {@code target}, with fitness = −f (maximised), counting whole
     * generations as commons-math does; −1 when {@code budget} evaluations did not reach it.
     */
    static int evaluationsToTarget(Optimizer o, ToDoubleFunction<double[]> f, double target, int budget) {
        int evaluations = 0;
        while (evaluations < budget) {
            List<double[]> genomes = o.ask();
            List<double[]> fitness = new ArrayList<>();
            boolean reached = false;
            for (double[] g : genomes) {
                double v = f.applyAsDouble(g);
                evaluations++;
                reached |= v < target;
                fitness.add(new double[] {-v});
            }
            if (reached) {
                return evaluations;
            }
            o.tell(genomes, fitness);
        }
        return -1;
    }

    static int median(int[] values) {
        int[] s = values.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
