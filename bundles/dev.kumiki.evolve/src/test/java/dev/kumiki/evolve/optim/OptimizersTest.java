package dev.kumiki.evolve.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

class OptimizersTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Function<double[], double[]> objective(String name) {
        return name.equals("nsga2") ? Nsga2Test::zdt1 : x -> new double[] {-TestFunctions.rosenbrock(x)};
    }

    private static void step(Optimizer o, Function<double[], double[]> f) {
        List<double[]> genomes = o.ask();
        o.tell(genomes, genomes.stream().map(f).toList());
    }

    /**
     * An optimiser written to JSON text and read back proposes, for the next 5 generations, exactly (bit for bit) the
     * genomes the uninterrupted one proposes, and ends in the same state.
     */
    @ParameterizedTest
    @ValueSource(strings = {"cma-es", "ga", "nsga2"})
    void stateThroughJsonTextContinuesExactly(String name) throws Exception {
        int objectives = name.equals("nsga2") ? 2 : 1;
        Function<double[], double[]> f = objective(name);
        Optimizer uninterrupted = Optimizers.of(name, 6, 0, 77, objectives);
        for (int g = 0; g < 7; g++) {
            step(uninterrupted, f);
        }
        String text = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(uninterrupted.state());
        Optimizer restored = Optimizers.restore((ObjectNode) JSON.readTree(text), name, 6);
        assertEquals(name, restored.name());
        assertEquals(7, restored.generation());
        assertEquals(uninterrupted.state(), restored.state());
        for (int g = 0; g < 5; g++) {
            List<double[]> expected = uninterrupted.ask();
            CmaEsTest.assertGenomesEqual(expected, restored.ask());
            List<double[]> fitness = expected.stream().map(f).toList();
            uninterrupted.tell(expected, fitness);
            restored.tell(expected, fitness);
        }
        assertEquals(JSON.writeValueAsString(uninterrupted.state()), JSON.writeValueAsString(restored.state()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"cma-es", "ga", "nsga2"})
    void theSameSeedProposesTheSameGenomesAndAnotherSeedOthers(String name) {
        int objectives = name.equals("nsga2") ? 2 : 1;
        Function<double[], double[]> f = objective(name);
        Optimizer a = Optimizers.of(name, 4, 8, 5, objectives);
        Optimizer b = Optimizers.of(name, 4, 8, 5, objectives);
        Optimizer other = Optimizers.of(name, 4, 8, 6, objectives);
        for (int g = 0; g < 4; g++) {
            List<double[]> expected = a.ask();
            CmaEsTest.assertGenomesEqual(expected, b.ask());
            // genomes shared across seeds exist (the start, 0.5 everywhere, and unaltered copies of it), not whole
            // generations
            List<double[]> others = other.ask();
            boolean same = true;
            for (int i = 0; i < expected.size(); i++) {
                same &= Arrays.equals(expected.get(i), others.get(i));
            }
            assertFalse(same, "generation " + g);
            step(a, f);
            step(b, f);
            step(other, f);
        }
    }

    @Test
    void aStateBeforeTheFirstTellAndNonFiniteFitnessRoundTrip() throws Exception {
        Optimizer fresh = Optimizers.of("ga", 2, 4, 1, 1);
        Optimizer restored = Optimizers.restore((ObjectNode) JSON.readTree(JSON.writeValueAsString(fresh.state())));
        CmaEsTest.assertGenomesEqual(fresh.ask(), restored.ask());

        List<double[]> genomes = fresh.ask();
        fresh.tell(genomes, List.of(new double[] {Double.NaN}, new double[] {Double.NEGATIVE_INFINITY},
                new double[] {Double.POSITIVE_INFINITY}, new double[] {0.1 + 0.2}));
        String text = JSON.writeValueAsString(fresh.state());
        restored = Optimizers.restore((ObjectNode) JSON.readTree(text));
        assertEquals(text, JSON.writeValueAsString(restored.state()));
        CmaEsTest.assertGenomesEqual(fresh.ask(), restored.ask());
    }

    @Test
    void createsEachOptimizerByName() {
        assertInstanceOf(CmaEs.class, Optimizers.of("cma-es", 3, 0, 1, 1));
        assertInstanceOf(GeneticAlgorithm.class, Optimizers.of("ga", 3, 0, 1, 1));
        assertInstanceOf(Nsga2.class, Optimizers.of("nsga2", 3, 0, 1, 3));
        assertEquals(3, Optimizers.of("nsga2", 3, 0, 1, 3).objectives());
    }

    @Test
    void anUnknownNameIsRefusedWithTheNearestOne() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Optimizers.of("cmaes", 3, 0, 1, 1));
        assertEquals("unknown optimizer 'cmaes' (did you mean 'cma-es'?); expected one of [cma-es, ga, nsga2]",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Optimizers.of("nsga-2", 3, 0, 1, 2));
        assertEquals("unknown optimizer 'nsga-2' (did you mean 'nsga2'?); expected one of [cma-es, ga, nsga2]",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Optimizers.of("bayesian", 3, 0, 1, 1));
        assertEquals("unknown optimizer 'bayesian'; expected one of [cma-es, ga, nsga2]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Optimizers.of("cma-es", 3, 0, 1, 2));
        assertEquals("cma-es: optimises a single objective, the fitness has 2; use 'nsga2' for several objectives "
                + "(a Pareto front) or weight them into one", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Optimizers.of("cma-es", 3, 1, 1, 1));
        assertEquals("cma-es: population must be at least 2 (or 0 for the default 4 + 3 ln n), found 1",
                e.getMessage());
    }

    @Test
    void aStateOfAnotherOptimizerOrDimensionIsRefused() {
        ObjectNode ga = Optimizers.of("ga", 4, 0, 1, 1).state();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Optimizers.restore(ga, "cma-es", 4));
        assertEquals("the checkpoint holds the state of optimizer 'ga', this search uses 'cma-es': resume with "
                + "optimizer 'ga' or start a new search in another folder", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Optimizers.restore(ga, "ga", 5));
        assertEquals("the checkpoint's optimizer 'ga' searches 4 dimensions, this search's space has 5: the space "
                + "changed since the checkpoint (models, layer groups or settings); resume with the original "
                + "configuration or start a new search in another folder", e.getMessage());
    }

    @Test
    void aDamagedStateIsRefusedNamingTheKey() {
        ObjectNode cma = Optimizers.of("cma-es", 3, 0, 1, 1).state();
        cma.remove("pc");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Optimizers.restore(cma));
        assertEquals("optimizer state of 'cma-es' has no 'pc'; the checkpoint is damaged or was written by another "
                + "program: start a new search", e.getMessage());
        ObjectNode short1 = Optimizers.of("cma-es", 3, 0, 1, 1).state();
        short1.set("mean", StateJson.array(new double[] {0.5, 0.5}));
        e = assertThrows(IllegalArgumentException.class, () -> Optimizers.restore(short1));
        assertEquals("optimizer state of 'cma-es': 'mean' should be 3 numbers, found [0.5,0.5]; the checkpoint is "
                + "damaged or was written by another program: start a new search", e.getMessage());
        ObjectNode other = JSON.createObjectNode().put("optimizer", "ga2");
        e = assertThrows(IllegalArgumentException.class, () -> Optimizers.restore(other));
        assertEquals("optimizer state names the optimizer 'ga2' (did you mean 'ga'?), expected one of [cma-es, ga, "
                + "nsga2]; the checkpoint is damaged or was written by another program: start a new search",
                e.getMessage());
    }
}
