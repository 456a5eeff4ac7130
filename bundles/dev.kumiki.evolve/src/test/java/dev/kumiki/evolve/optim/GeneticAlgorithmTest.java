package dev.kumiki.evolve.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.ToDoubleFunction;

import org.junit.jupiter.api.Test;

class GeneticAlgorithmTest {

    @Test
    void improvesTheSphereAndNeverLosesItsBest() {
        ToDoubleFunction<double[]> f = TestFunctions.sphere(5);
        GeneticAlgorithm ga = new GeneticAlgorithm(5, 20, 11, null);
        double firstBest = Double.NEGATIVE_INFINITY;
        double previousBest = Double.NEGATIVE_INFINITY;
        for (int g = 0; g < 40; g++) {
            List<double[]> genomes = ga.ask();
            assertEquals(20, genomes.size());
            for (double[] x : genomes) {
                for (double v : x) {
                    assertTrue(v >= 0 && v <= 1);
                }
            }
            List<double[]> fitness = CmaEsTest.fitness(genomes, f);
            ga.tell(genomes, fitness);
            if (g == 0) {
                firstBest = fitness.stream().mapToDouble(v -> v[0]).max().orElseThrow();
            }
            double best = ga.best().orElseThrow().fitness()[0];
            // elitism: the best of parents and offspring always survives
            assertTrue(best >= previousBest, "generation " + g + ": " + best + " < " + previousBest);
            previousBest = best;
        }
        System.out.println("GA on the 5-d sphere: best of generation 0 " + -firstBest + ", after 40 generations "
                + -previousBest);
        assertTrue(-previousBest < 0.01, "best after 40 generations: " + -previousBest);
        assertTrue(-previousBest < -firstBest / 10, -firstBest + " -> " + -previousBest);
    }

    @Test
    void startsFromTheGivenGenomeAndTheDefaultPopulation() {
        GeneticAlgorithm ga = (GeneticAlgorithm) Optimizers.of("ga", 3, 0, 1, 1, new double[] {0.1, 0.2, 0.3});
        List<double[]> first = ga.ask();
        assertEquals(GeneticAlgorithm.DEFAULT_POPULATION, first.size());
        assertEquals(List.of(0.1, 0.2, 0.3), List.of(first.get(0)[0], first.get(0)[1], first.get(0)[2]));
    }

    @Test
    void failedEvaluationsRankLast() {
        GeneticAlgorithm ga = new GeneticAlgorithm(2, 4, 3, null);
        List<double[]> genomes = ga.ask();
        ga.tell(genomes, List.of(new double[] {Double.NaN}, new double[] {-1}, new double[] {-2}, new double[] {
                Double.NaN}));
        assertEquals(-1, ga.best().orElseThrow().fitness()[0]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new GeneticAlgorithm(2, 4, 3, null).tell(genomes.subList(0, 2), List.of()));
        assertEquals("ga: tell needs the 4 genomes of the last ask and their fitness, found 2 genomes and 0 fitness "
                + "values", e.getMessage());
    }
}
