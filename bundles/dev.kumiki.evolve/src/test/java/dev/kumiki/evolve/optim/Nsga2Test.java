package dev.kumiki.evolve.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class Nsga2Test {

    /** ZDT1 (Zitzler, Deb, Thiele 2000), both objectives negated so that they are maximised. */
    static double[] zdt1(double[] x) {
        double sum = 0;
        for (int i = 1; i < x.length; i++) {
            sum += x[i];
        }
        double g = 1 + 9 * sum / (x.length - 1);
        double f1 = x[0];
        double f2 = g * (1 - Math.sqrt(f1 / g));
        return new double[] {-f1, -f2};
    }

    @Test
    void zdt1GivesANonDominatedSpreadFrontNearTheTrueOne() {
        Nsga2 nsga = new Nsga2(5, 40, 21, 2, null);
        for (int g = 0; g < 100; g++) {
            List<double[]> genomes = nsga.ask();
            nsga.tell(genomes, genomes.stream().map(Nsga2Test::zdt1).toList());
        }
        List<Individual> front = nsga.front();
        List<Individual> population = nsga.individuals();
        assertTrue(front.size() >= 10, "front of " + front.size());
        for (Individual a : front) {
            for (Individual b : population) {
                assertFalse(dominates(b.fitness(), a.fitness()), "a front member is dominated");
            }
        }
        // the true front is f2 = 1 − √f1 (where g = 1): how far above it in f2 the found front lies
        double worstGap = 0;
        double minF1 = 1;
        double maxF1 = 0;
        for (Individual i : front) {
            double f1 = -i.fitness()[0];
            double f2 = -i.fitness()[1];
            worstGap = Math.max(worstGap, f2 - (1 - Math.sqrt(f1)));
            minF1 = Math.min(minF1, f1);
            maxF1 = Math.max(maxF1, f1);
        }
        System.out.println("NSGA-II on ZDT1 (n=5, 40 x 100): front of " + front.size() + ", f1 in [" + minF1 + ", "
                + maxF1 + "], largest gap to the true front " + worstGap);
        assertTrue(worstGap < 0.1, "gap " + worstGap);
        assertTrue(minF1 < 0.1 && maxF1 > 0.8, "f1 spread [" + minF1 + ", " + maxF1 + "]");
    }

    private static boolean dominates(double[] a, double[] b) {
        boolean better = false;
        for (int k = 0; k < a.length; k++) {
            if (a[k] < b[k]) {
                return false;
            }
            better |= a[k] > b[k];
        }
        return better;
    }

    @Test
    void needsTwoObjectivesAndTheToldNumberOfValues() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Optimizers.of("nsga2", 3, 0, 1, 1));
        assertEquals("nsga2: searches 2 or more objectives, found 1; use 'cma-es' or 'ga' for a single objective",
                e.getMessage());
        Nsga2 nsga = new Nsga2(3, 4, 1, 2, null);
        List<double[]> genomes = nsga.ask();
        List<double[]> fitness = new ArrayList<>(genomes.stream().map(Nsga2Test::zdt1).toList());
        fitness.set(1, new double[] {1});
        e = assertThrows(IllegalArgumentException.class, () -> nsga.tell(genomes, fitness));
        assertEquals("nsga2: optimises 2 objective(s), fitness 1 has 1 values", e.getMessage());
    }
}
