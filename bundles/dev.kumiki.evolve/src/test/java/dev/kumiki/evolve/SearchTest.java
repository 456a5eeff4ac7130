package dev.kumiki.evolve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.kumiki.llm.runtime.RuntimeOptions;
import dev.kumiki.llm.tokenizer.PretrainedTokenizer;
import dev.kumiki.tensor.io.SyntheticModel;
import dev.kumiki.tensor.kernel.Kernels;

/** The search loop on a cheap space: cache, checkpoints, resume, cancel, Pareto front, refusals. */
class SearchTest {
    static final RuntimeOptions RUNTIME = new RuntimeOptions(Kernels.scalar(), 1, 8);
    static final double[] TARGET = {0.3, 0.7};

    @TempDir
    static Path shared;
    static Path model;
    static PretrainedTokenizer tokenizer;

    @TempDir
    Path dir;

    @BeforeAll
    static void model() throws IOException {
        model = tinyModel(shared.resolve("model"));
        tokenizer = PretrainedTokenizer.load(model);
    }

    @AfterAll
    static void closeTokenizer() {
        tokenizer.close();
    }

    static Path tinyModel(Path where) throws IOException {
        return SyntheticModel.llama().layers(1).hidden(16).intermediate(24).vocab(300).contextLength(64)
                .byteLevelTokenizer().write(where);
    }

    static GridSpace space(int dims) {
        return new GridSpace(dims, 0.1, model, tokenizer);
    }

    static Search.Builder definition(dev.kumiki.evolve.fitness.Fitness fitness, long seed, Path folder) {
        return Search.builder(space(2), new SeededOptimizer(2, fitness.objectives().size(), 6, seed, 0.2), fitness)
                .generations(6).seed(seed).folder(folder).runtimeOptions(RUNTIME);
    }

    @Test
    void cacheSkipsRepeatsAndCountsHits() throws IOException {
        PointFitness fitness = new PointFitness(0, TARGET);
        SearchResult r;
        try (Search s = definition(fitness, 7, null).build()) {
            r = s.run();
        }
        GenerationReport last = r.last().orElseThrow();
        assertEquals(6, r.history().size());
        assertEquals(6 * 6, last.totalEvaluations() + last.totalCacheHits(), "every candidate is evaluated or hit");
        assertTrue(last.totalCacheHits() > 0, "a 0.1 grid repeats keys: " + last.totalCacheHits());
        assertEquals(fitness.evaluations.get(), last.totalEvaluations(), "hits never reach the fitness");
        int sum = 0;
        for (GenerationReport g : r.history()) {
            assertEquals(6, g.candidates());
            assertEquals(6, g.evaluations() + g.cacheHits());
            sum += g.evaluations();
            assertTrue(g.evaluationSeconds() >= 0 && g.overheadSeconds() > 0);
            assertTrue(g.best()[0] <= r.best().fitness(0));
            assertTrue(g.mean()[0] <= g.best()[0]);
        }
        assertEquals(sum, last.totalEvaluations());
        // the best is the true optimum of what was evaluated: its fitness is recomputed from its parameters
        double[] x = {r.best().parameters().get("x0"), r.best().parameters().get("x1")};
        assertEquals(PointFitness.of(x, TARGET), r.best().fitness(0), 1e-15);
        assertEquals(r.best().fitness(0) - 1, r.testFitness()[0], 1e-15, "scored by test() on the held-out split");
        assertEquals(SearchResult.Stop.GENERATIONS, r.stop());
        assertEquals(List.of(), r.paretoFront(), "one objective has no front");
    }

    @Test
    void checkpointHoldsTheSearchAndNothingHalfWritten() throws IOException {
        Path folder = dir.resolve("search");
        SearchResult r;
        try (Search s = definition(new PointFitness(0, TARGET), 3, folder).build()) {
            r = s.run();
        }
        SearchCheckpoint c = SearchCheckpoint.read(folder).orElseThrow();
        assertEquals(6, c.generation());
        assertEquals(3, c.seed());
        assertEquals("test-es", c.optimizerName());
        assertEquals(6, c.optimizerState().get("generation").asInt());
        assertEquals(6, c.told().size());
        assertEquals(r.last().orElseThrow().totalEvaluations(), c.cache().size());
        assertEquals(r.best(), c.best());
        assertEquals(r.history(), c.history(), "the history round-trips through JSON exactly");
        assertTrue(c.cache().containsKey(r.best().key()));
        assertArrayEquals(r.best().fitness(), c.cache().get(r.best().key()));
        JsonNode fp = c.fingerprint();
        assertEquals("ps", fp.get("space").asText());
        assertEquals(2, fp.get("dimensions").asInt());
        assertEquals("[\"x0\",\"x1\"]", fp.get("coordinates").toString());
        assertEquals("test-es", fp.get("optimizer").asText());
        assertEquals(3, fp.get("seed").asLong());
        // history.jsonl: one line per generation, the same reports
        List<String> lines = Files.readAllLines(folder.resolve("history.jsonl"));
        assertEquals(6, lines.size());
        ObjectMapper json = new ObjectMapper();
        for (int g = 0; g < 6; g++) {
            assertEquals(r.history().get(g), SearchCheckpoint.report(json.readTree(lines.get(g))));
        }
        assertEquals(r.best().recipe(), Files.readString(folder.resolve("best.yml")));
        try (Stream<Path> files = Files.list(folder)) {
            assertEquals(List.of(".kumiki-search-lock", "best.yml", "checkpoint.json", "history.jsonl",
                    "test.json"),
                    files.map(p -> p.getFileName().toString()).sorted().toList(), "no temporary file is left");
        }
        // a new search refuses a folder holding a checkpoint
        var e = assertThrows(EvolutionException.class, () -> definition(new PointFitness(0, TARGET), 3, folder)
                .build());
        assertTrue(e.getMessage().contains("already holds the checkpoint of a search; resume it"), e.getMessage());
    }

    /**
     * A PointFitness whose first evaluation waits until the other search sharing {@code gate} has begun one too, so
     * that the two searches surely run at the same time.
     */
    static final class Gated implements dev.kumiki.evolve.fitness.Fitness {
        final PointFitness point = new PointFitness(2, TARGET);
        private final java.util.concurrent.CountDownLatch gate;
        private boolean waited;

        Gated(java.util.concurrent.CountDownLatch gate) {
            this.gate = gate;
        }

        @Override
        public List<String> objectives() {
            return point.objectives();
        }

        @Override
        public double[] evaluate(dev.kumiki.llm.LanguageModel model, int generation, long seed) {
            synchronized (this) {
                if (!waited) {
                    waited = true;
                    gate.countDown();
                    try {
                        assertTrue(gate.await(30, java.util.concurrent.TimeUnit.SECONDS), "the other search began");
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                }
            }
            return point.evaluate(model, generation, seed);
        }

        @Override
        public double[] test(dev.kumiki.llm.LanguageModel model) {
            return point.test(model);
        }
    }

    /** Runs two searches on two threads at once; each builder is given its fitness. */
    static List<SearchResult> together(java.util.function.Function<Gated, Search.Builder> a,
            java.util.function.Function<Gated, Search.Builder> b, Gated fa, Gated fb) throws Exception {
        var pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            List<java.util.concurrent.Future<SearchResult>> runs = new ArrayList<>();
            for (var pair : List.of(Map.entry(a, fa), Map.entry(b, fb))) {
                runs.add(pool.submit(() -> {
                    try (Search s = pair.getKey().apply(pair.getValue()).build()) {
                        return s.run();
                    }
                }));
            }
            List<SearchResult> results = new ArrayList<>();
            for (var r : runs) {
                results.add(r.get(120, java.util.concurrent.TimeUnit.SECONDS));
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    static void assertSameSearch(SearchResult expected, SearchResult actual) {
        assertEquals(expected.best(), actual.best());
        assertArrayEquals(expected.testFitness(), actual.testFitness());
        assertEquals(expected.history().size(), actual.history().size());
        for (int g = 0; g < expected.history().size(); g++) {
            GenerationReport x = expected.history().get(g);
            GenerationReport y = actual.history().get(g);
            assertArrayEquals(x.best(), y.best(), "generation " + (g + 1));
            assertArrayEquals(x.mean(), y.mean(), "generation " + (g + 1));
            assertEquals(x.bestSoFar(), y.bestSoFar(), "generation " + (g + 1));
            assertEquals(x.evaluations(), y.evaluations(), "generation " + (g + 1));
            assertEquals(x.cacheHits(), y.cacheHits(), "generation " + (g + 1));
        }
    }

    @Test
    void searchesOfTheSameCandidatesRunningTogetherEvaluateEachOnce() throws Exception {
        SearchResult alone;
        try (Search s = definition(new PointFitness(0, TARGET), 17, null).build()) {
            alone = s.run();
        }
        long candidates = alone.last().orElseThrow().totalEvaluations();
        var gate = new java.util.concurrent.CountDownLatch(2);
        Gated fa = new Gated(gate);
        Gated fb = new Gated(gate);
        List<SearchResult> two = together(f -> definition(f, 17, dir.resolve("a")).share("models m1"),
                f -> definition(f, 17, dir.resolve("b")).share("models m1"), fa, fb);
        for (SearchResult r : two) {
            assertSameSearch(alone, r);
        }
        int evaluated = fa.point.evaluations.get() + fb.point.evaluations.get();
        assertEquals(candidates, evaluated, "each candidate evaluated by one of the two searches");
        assertTrue(fa.point.evaluations.get() > 0 && fb.point.evaluations.get() > 0, "both searches evaluated: "
                + fa.point.evaluations + " and " + fb.point.evaluations);
        long sharedA = two.get(0).history().stream().mapToLong(GenerationReport::shared).sum();
        long sharedB = two.get(1).history().stream().mapToLong(GenerationReport::shared).sum();
        assertEquals(fb.point.evaluations.get(), sharedA, "what b evaluated is what a was given");
        assertEquals(fa.point.evaluations.get(), sharedB, "what a evaluated is what b was given");
        assertEquals(1, fa.point.tests.get() + fb.point.tests.get(), "the best is scored on the test split once");
        // the count is kept, so that a report says where an evaluation's time went
        GenerationReport withShared = two.get(0).history().stream().filter(g -> g.shared() > 0).findFirst()
                .orElse(two.get(1).history().stream().filter(g -> g.shared() > 0).findFirst().orElseThrow());
        assertEquals(withShared, SearchCheckpoint.report(SearchCheckpoint.json(withShared)));
        assertEquals(0, SharedEvaluations.scopes(), "nothing is kept once the searches are closed");

        // another identity (other models, or the same models written again): nothing is shared
        var gate2 = new java.util.concurrent.CountDownLatch(2);
        Gated fc = new Gated(gate2);
        Gated fd = new Gated(gate2);
        List<SearchResult> apart = together(f -> definition(f, 17, null).share("models m1"),
                f -> definition(f, 17, null).share("models m1 written again"), fc, fd);
        assertSameSearch(alone, apart.get(0));
        assertSameSearch(alone, apart.get(1));
        assertEquals(candidates, fc.point.evaluations.get());
        assertEquals(candidates, fd.point.evaluations.get());
        assertEquals(0, apart.get(0).history().stream().mapToLong(GenerationReport::shared).sum());
    }

    @Test
    void searchesOnSeveralThreadsShareAsWell() throws Exception {
        SearchResult alone;
        try (Search s = definition(new PointFitness(0, TARGET), 23, null).build()) {
            alone = s.run();
        }
        var gate = new java.util.concurrent.CountDownLatch(2);
        Gated fa = new Gated(gate);
        Gated fb = new Gated(gate);
        List<SearchResult> two = together(f -> definition(f, 23, null).share("m").threads(3),
                f -> definition(f, 23, null).share("m").threads(2), fa, fb);
        assertSameSearch(alone, two.get(0));
        assertSameSearch(alone, two.get(1));
        assertEquals(alone.last().orElseThrow().totalEvaluations(), fa.point.evaluations.get()
                + fb.point.evaluations.get(), "each candidate evaluated once");
        assertEquals(0, SharedEvaluations.scopes());
    }

    @Test
    void aSearchCancelledBesideAnotherLeavesItsCandidatesToIt() throws Exception {
        SearchResult alone;
        try (Search s = definition(new PointFitness(0, TARGET), 19, null).build()) {
            alone = s.run();
        }
        var gate = new java.util.concurrent.CountDownLatch(2);
        Gated fa = new Gated(gate);
        Gated fb = new Gated(gate);
        // a is cancelled once it has evaluated 5 candidates, with claims of its own open in the generation
        List<SearchResult> two = together(f -> definition(f, 19, null).share("m").cancelled(
                () -> fa.point.evaluations.get() >= 5), f -> definition(f, 19, null).share("m"), fa, fb);
        assertEquals(SearchResult.Stop.CANCELLED, two.get(0).stop());
        assertSameSearch(alone, two.get(1));
        assertEquals(0, SharedEvaluations.scopes());
    }

    @Test
    void checkpointIsReplacedAtomically() throws IOException {
        // every checkpoint read while a search runs is whole and at the generation just reported
        Path folder = dir.resolve("atomic");
        List<Integer> seen = new ArrayList<>();
        try (Search s = definition(new PointFitness(0, TARGET), 5, folder).listener(rep -> {
            try {
                seen.add(SearchCheckpoint.read(folder).orElseThrow().generation() - rep.generation());
            } catch (IOException ex) {
                throw new AssertionError(ex);
            }
        }).build()) {
            s.run();
        }
        assertEquals(List.of(0, 0, 0, 0, 0, 0), seen);
    }

    @Test
    void resumeEqualsUninterrupted() throws IOException {
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        SearchResult whole;
        try (Search s = definition(new PointFitness(0, TARGET), 11, a).build()) {
            whole = s.run();
        }
        try (Search s = definition(new PointFitness(0, TARGET), 11, b).build()) {
            assertEquals(3, s.stream().limit(3).count());
        }
        assertEquals(3, SearchCheckpoint.read(b).orElseThrow().generation());
        for (boolean replay : new boolean[] {true, false}) {
            Path c = dir.resolve("c" + replay);
            copy(b, c);
            Search.Builder def = definition(new PointFitness(0, TARGET), 11, null);
            if (!replay) {
                def.optimizerRestore(SeededOptimizer::restore);
            }
            SearchResult resumed;
            try (Search s = Search.resume(c, def)) {
                assertEquals(3, s.generation());
                resumed = s.run();
            }
            assertEquals(whole.best(), resumed.best());
            assertArrayEquals(whole.testFitness(), resumed.testFitness());
            assertEquals(6, resumed.history().size());
            for (int g = 0; g < 6; g++) {
                GenerationReport x = whole.history().get(g);
                GenerationReport y = resumed.history().get(g);
                assertArrayEquals(x.best(), y.best());
                assertArrayEquals(x.mean(), y.mean());
                assertEquals(x.bestSoFar(), y.bestSoFar());
                assertEquals(x.evaluations(), y.evaluations());
                assertEquals(x.cacheHits(), y.cacheHits());
            }
            SearchCheckpoint ca = SearchCheckpoint.read(a).orElseThrow();
            SearchCheckpoint cc = SearchCheckpoint.read(c).orElseThrow();
            assertEquals(ca.optimizerState(), cc.optimizerState());
            assertEquals(ca.cache().keySet(), cc.cache().keySet());
            assertEquals(6, Files.readAllLines(c.resolve("history.jsonl")).size());
        }
    }

    @Test
    void aCompleteSearchResumedKeepsItsTestScoreInsteadOfScoringItAgain() throws IOException {
        Path a = dir.resolve("complete");
        PointFitness first = new PointFitness(0, TARGET);
        SearchResult whole;
        try (Search s = definition(first, 5, a).build()) {
            whole = s.run();
        }
        assertEquals(1, first.tests.get());
        assertTrue(Files.isRegularFile(a.resolve(Search.TEST_FILE)));
        // a pipeline run again resumes the finished search: the best is the same, its test score read back
        PointFitness again = new PointFitness(0, TARGET);
        try (Search s = Search.resume(a, definition(again, 5, null))) {
            SearchResult r = s.run();
            assertEquals(whole.best(), r.best());
            assertArrayEquals(whole.testFitness(), r.testFitness());
        }
        assertEquals(0, again.tests.get(), "the kept test score is used");
        assertEquals(0, again.evaluations.get());
        // kept for another candidate (or unreadable): scored again
        Files.writeString(a.resolve(Search.TEST_FILE), Files.readString(a.resolve(Search.TEST_FILE))
                .replace(whole.best().key(), "another"));
        PointFitness third = new PointFitness(0, TARGET);
        try (Search s = Search.resume(a, definition(third, 5, null))) {
            assertArrayEquals(whole.testFitness(), s.run().testFitness());
        }
        assertEquals(1, third.tests.get());
    }

    @Test
    void kumikisOptimisersResumeFromTheirStateToTheUninterruptedResult() throws IOException {
        for (String name : List.of("cma-es", "nsga2")) {
            int k = name.equals("nsga2") ? 2 : 1;
            double[][] targets = k == 1 ? new double[][] {TARGET} : new double[][] {TARGET, {0.9, 0.1}};
            java.util.function.Supplier<Search.Builder> def = () -> Search.builder(space(2),
                    dev.kumiki.evolve.optim.Optimizers.of(name, 2, 6, 13, k), new PointFitness(0, targets))
                    .generations(5).seed(13).runtimeOptions(RUNTIME);
            SearchResult whole;
            try (Search s = def.get().folder(dir.resolve(name + "-whole")).build()) {
                whole = s.run();
            }
            Path cut = dir.resolve(name + "-cut");
            try (Search s = def.get().folder(cut).build()) {
                assertEquals(2, s.stream().limit(2).count());
            }
            SearchResult resumed;
            try (Search s = Search.resume(cut, def.get())) {
                assertEquals(2, s.generation());
                resumed = s.run();
            }
            assertEquals(whole.best(), resumed.best(), name);
            assertEquals(whole.paretoFront(), resumed.paretoFront(), name);
            for (int g = 0; g < 5; g++) {
                assertArrayEquals(whole.history().get(g).mean(), resumed.history().get(g).mean(), name + " " + g);
            }
            assertEquals(SearchCheckpoint.read(dir.resolve(name + "-whole")).orElseThrow().optimizerState(),
                    SearchCheckpoint.read(cut).orElseThrow().optimizerState(), name);
        }
    }

    static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path p : files.toList()) {
                Files.copy(p, to.resolve(p.getFileName()));
            }
        }
    }

    @Test
    void aCheckpointOfAnotherSearchIsRefusedSayingWhatDiffers() throws IOException {
        Path folder = dir.resolve("s");
        try (Search s = definition(new PointFitness(0, TARGET), 1, folder).build()) {
            s.stream().limit(2).forEach(r -> { });
        }
        var e = assertThrows(EvolutionException.class, () -> Search.resume(folder,
                definition(new PointFitness(0, TARGET), 2, null)));
        assertTrue(e.getMessage().startsWith("cannot resume the search in " + folder + ": its checkpoint was "
                + "written by a search defined otherwise: "), e.getMessage());
        assertTrue(e.getMessage().contains("seed is 1 there and 2 here"), e.getMessage());
        PointFitness f = new PointFitness(0, TARGET);
        var e2 = assertThrows(EvolutionException.class, () -> Search.resume(folder, Search.builder(space(3),
                new SeededOptimizer(3, 1, 6, 1, 0.2), f).seed(1).runtimeOptions(RUNTIME)));
        assertTrue(e2.getMessage().contains("dimensions is 2 there and 3 here"), e2.getMessage());
        assertTrue(e2.getMessage().contains("coordinates is [\"x0\",\"x1\"] there and [\"x0\",\"x1\",\"x2\"] here"),
                e2.getMessage());
        var e3 = assertThrows(EvolutionException.class, () -> Search.resume(dir.resolve("empty"),
                definition(new PointFitness(0, TARGET), 1, null)));
        assertTrue(e3.getMessage().contains("holds no search checkpoint"), e3.getMessage());
        assertEquals(0, f.evaluations.get(), "refused before any candidate ran");
    }

    @Test
    void cancelKeepsTheLastCheckpoint() throws IOException {
        Path folder = dir.resolve("cancel");
        AtomicInteger calls = new AtomicInteger();
        PointFitness fitness = new PointFitness(0, TARGET);
        SearchResult r;
        // raised during generation 3: checked before each candidate (it is not in the cache's way)
        try (Search s = definition(fitness, 9, folder).cancelled(() -> calls.incrementAndGet() > 10).build()) {
            r = s.run();
        }
        assertEquals(SearchResult.Stop.CANCELLED, r.stop());
        int done = r.history().size();
        assertTrue(done >= 1 && done < 6, "stopped inside the search: " + done);
        assertEquals(done, SearchCheckpoint.read(folder).orElseThrow().generation());
        assertEquals(0, r.testFitness().length, "a cancelled search is not tested");
        // and it resumes to the uninterrupted result
        SearchResult resumed;
        try (Search s = Search.resume(folder, definition(new PointFitness(0, TARGET), 9, null))) {
            resumed = s.run();
        }
        SearchResult whole;
        try (Search s = definition(new PointFitness(0, TARGET), 9, dir.resolve("whole")).build()) {
            whole = s.run();
        }
        assertEquals(whole.best(), resumed.best());
    }

    @Test
    void aTimeLimitStopsBeforeAGenerationAndTheBestIsStillTested() throws IOException {
        SearchResult r;
        try (Search s = definition(new PointFitness(30, TARGET), 2, dir.resolve("timed")).generations(50)
                .timeLimit(java.time.Duration.ofMillis(1)).build()) {
            r = s.run();
        }
        assertEquals(SearchResult.Stop.TIME_LIMIT, r.stop());
        assertTrue(r.history().size() <= 1, "checked before each generation: " + r.history().size());
        if (r.best() != null) {
            assertEquals(r.best().fitness(0) - 1, r.testFitness()[0], 1e-15);
        }
    }

    @Test
    void aFolderInUseIsRefused() throws IOException {
        Path folder = dir.resolve("busy");
        try (SearchCheckpoint.Lock held = SearchCheckpoint.Lock.take(folder);
                Search s = definition(new PointFitness(0, TARGET), 1, folder).build()) {
            var e = assertThrows(EvolutionException.class, s::run);
            assertTrue(e.getMessage().startsWith("the search folder " + folder + " is in use by another search (pid "
                    + ProcessHandle.current().pid() + ")"), e.getMessage());
        }
    }

    @Test
    void badDefinitionsAreRefusedBeforeAnyCandidate() {
        PointFitness f = new PointFitness(0, TARGET);
        var e = assertThrows(EvolutionException.class, () -> Search.builder(space(2),
                new SeededOptimizer(3, 1, 4, 1, 0.2), f).build());
        assertEquals("the test-es optimiser searches 3 coordinates but the ps space has 2 (x0, x1)", e.getMessage());
        e = assertThrows(EvolutionException.class, () -> Search.builder(space(2),
                new SeededOptimizer(2, 2, 4, 1, 0.2), f).build());
        assertEquals("the test-es optimiser maximises 2 objectives but the fitness has 1 (sphere)", e.getMessage());
        e = assertThrows(EvolutionException.class, () -> Search.builder(space(0),
                new SeededOptimizer(0, 1, 4, 1, 0.2), f).build());
        assertEquals("the ps search space has no coordinates to search (its bounds leave nothing free)",
                e.getMessage());
        e = assertThrows(EvolutionException.class, () -> Search.builder(space(2),
                new SeededOptimizer(2, 1, 4, 1, 0.2), f).generations(0));
        assertEquals("a search needs at least 1 generation, not 0", e.getMessage());
        assertEquals(0, f.evaluations.get());
    }

    @Test
    void multiObjectiveKeepsTheParetoFrontOfEverythingEvaluated() throws IOException {
        Path folder = dir.resolve("pareto");
        PointFitness fitness = new PointFitness(0, new double[] {0.2, 0.2}, new double[] {0.8, 0.9});
        SearchResult r;
        try (Search s = Search.builder(space(2), new SeededOptimizer(2, 2, 8, 4, 0.3), fitness).generations(5)
                .seed(4).folder(folder).runtimeOptions(RUNTIME).threads(2).build()) {
            r = s.run();
        }
        // by brute force over the cache: the candidates no other evaluated candidate dominates
        Map<String, double[]> cache = SearchCheckpoint.read(folder).orElseThrow().cache();
        List<String> expected = new ArrayList<>();
        for (var a : cache.entrySet()) {
            boolean dominated = false;
            for (var b : cache.values()) {
                dominated |= ScoredCandidate.dominates(b, a.getValue());
            }
            if (!dominated) {
                expected.add(a.getKey());
            }
        }
        List<String> front = r.paretoFront().stream().map(ScoredCandidate::key).sorted().toList();
        assertEquals(expected.stream().sorted().toList(), front);
        assertTrue(front.size() >= 2, "two conflicting objectives have a front: " + front);
        for (ScoredCandidate c : r.paretoFront()) {
            assertArrayEquals(cache.get(c.key()), c.fitness());
        }
        double bestSum = r.paretoFront().stream().mapToDouble(c -> c.fitness(0) + c.fitness(1)).max().orElseThrow();
        assertEquals(bestSum, r.best().fitness(0) + r.best().fitness(1));
        assertEquals(r.paretoFront(), r.last().orElseThrow().paretoFront());
        assertNotNull(r.testFitness());
        assertEquals(2, r.testFitness().length);
        assertFalse(r.history().isEmpty());
    }
}
