package dev.kumiki.evolve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kumiki.eval.Evaluation;
import dev.kumiki.eval.task.Task;
import dev.kumiki.eval.task.TaskCatalog;
import dev.kumiki.evolve.fitness.TaskFitness;
import dev.kumiki.evolve.space.Candidate;
import dev.kumiki.evolve.space.SearchSpace;
import dev.kumiki.llm.LanguageModel;
import dev.kumiki.llm.runtime.RuntimeOptions;
import dev.kumiki.llm.runtime.TransformerLanguageModel;
import dev.kumiki.tensor.io.SyntheticModel;

/** {@link TaskFitness} on real tiny models and real tiny tasks, checked against the evaluation library run directly. */
class TaskFitnessTest {
    static final int TRAIN = 12;
    static final int TEST = 5;

    @TempDir
    static Path dir;
    static final List<Path> MODELS = new ArrayList<>();
    static Task mc;
    static Task ppl;

    @BeforeAll
    static void setUp() throws Exception {
        for (int v = 0; v < 3; v++) {
            MODELS.add(SyntheticModel.llama().layers(1).hidden(16).intermediate(24).vocab(300).variant(v)
                    .contextLength(64).byteLevelTokenizer().write(dir.resolve("models/m" + v)));
        }
        StringBuilder train = new StringBuilder();
        StringBuilder ptrain = new StringBuilder();
        for (int i = 0; i < TRAIN; i++) {
            train.append(doc(i));
            ptrain.append("{\"text\": \"the sum of ").append(i).append(" and ").append(i + 1).append("\"}\n");
        }
        StringBuilder test = new StringBuilder();
        StringBuilder ptest = new StringBuilder();
        for (int i = 0; i < TEST; i++) {
            test.append(doc(100 + i));
            ptest.append("{\"text\": \"one more sentence number ").append(i).append("\"}\n");
        }
        write("tasks/data/mc/train.jsonl", train.toString());
        write("tasks/data/mc/test.jsonl", test.toString());
        write("tasks/data/ppl/train.jsonl", ptrain.toString());
        write("tasks/data/ppl/test.jsonl", ptest.toString());
        write("tasks/mc.yaml", mcTask("mc", "data/mc"));
        write("tasks/ppl.yaml", """
                task: ppl
                dataset_path: data/ppl
                training_split: train
                test_split: test
                output_type: loglikelihood_rolling
                doc_to_text: ""
                doc_to_target: text
                metric_list:
                  - metric: word_perplexity
                """);
        mc = Task.load(dir.resolve("tasks/mc.yaml"));
        ppl = Task.load(dir.resolve("tasks/ppl.yaml"));
    }

    static String doc(int i) {
        return "{\"question\": \"is " + i + " even?\", \"label\": " + (i % 2) + "}\n";
    }

    static String mcTask(String name, String data) {
        return """
                task: %s
                dataset_path: %s
                training_split: train
                test_split: test
                output_type: multiple_choice
                doc_to_text: "Q: {{question}}\\nA:"
                doc_to_target: label
                doc_to_choice: ["yes", "no"]
                metric_list:
                  - metric: acc
                  - metric: acc_norm
                """.formatted(name, data);
    }

    static Path write(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
        return p;
    }

    static TransformerLanguageModel open(int v) throws IOException {
        return TransformerLanguageModel.open(MODELS.get(v), SearchTest.RUNTIME);
    }

    /** The mc task with its training split as the evaluated one, for the library to run directly. */
    static Task mcTrain() throws Exception {
        return Task.load(write("direct/mc.yaml", mcTask("mc", "../tasks/data/mc").replace("test_split: test",
                "test_split: train")));
    }

    static Task pplTrain() throws Exception {
        return Task.load(write("direct/ppl.yaml", Files.readString(dir.resolve("tasks/ppl.yaml"))
                .replace("data/ppl", "../tasks/data/ppl").replace("test_split: test", "test_split: train")));
    }

    /** The evaluation library's score of {@code task} on {@code model}, run directly. */
    static double direct(LanguageModel model, Task task, String metric) {
        var m = Evaluation.builder(model).addTask(task).optBootstrapIters(0).build().run().task(task.config().task())
                .orElseThrow().metric(metric, "none").orElseThrow();
        return m.higherIsBetter() ? m.value() : -m.value();
    }

    @Test
    void searchAndTestSplitsAreScoredAsTheEvaluationLibraryScoresThem() throws Exception {
        TaskFitness f = TaskFitness.builder().addTask(mc, "acc", 2).addTask(ppl, "word_perplexity", 1).build();
        assertEquals(List.of("weighted(2.0×mc/acc, 1.0×ppl/word_perplexity)"), f.objectives());
        // the search split is the training split: a task whose evaluated split is train, run directly
        Task mcTrain = mcTrain();
        Task pplTrain = pplTrain();
        try (TransformerLanguageModel m = open(1)) {
            double acc = direct(m, mcTrain, "acc");
            double ppx = direct(m, pplTrain, "word_perplexity");
            assertTrue(ppx < 0, "a perplexity is negated: " + ppx);
            assertEquals((2 * acc + ppx) / 3, f.evaluate(m, 1, 5)[0], 1e-12);
            double testAcc = direct(m, mc, "acc");
            double testPpx = direct(m, ppl, "word_perplexity");
            assertEquals((2 * testAcc + testPpx) / 3, f.test(m)[0], 1e-12);
            assertNotEquals(f.evaluate(m, 1, 5)[0], f.test(m)[0], "the test split is another split");
            TaskFitness multi = TaskFitness.builder().addTask(mc, "acc", 1).addTask(ppl, "word_perplexity", 1)
                    .multiObjective(true).build();
            assertEquals(List.of("mc/acc", "ppl/word_perplexity"), multi.objectives());
            assertArrayEquals(new double[] {acc, ppx}, multi.evaluate(m, 3, 5), 1e-12);
        }
    }

    @Test
    void aTaskWithAValidationSplitIsSearchedOnItUnlessItIsTheEvaluatedOne() throws Exception {
        // perplexities, so that every split scores differently and a wrong split cannot match by chance
        write("tasks/data/pplv/train.jsonl", Files.readString(dir.resolve("tasks/data/ppl/train.jsonl")));
        write("tasks/data/pplv/validation.jsonl", "{\"text\": \"a validation sentence\"}\n"
                + "{\"text\": \"and another one, longer than the first\"}\n");
        write("tasks/data/pplv/test.jsonl", Files.readString(dir.resolve("tasks/data/ppl/test.jsonl")));
        String ppl = Files.readString(dir.resolve("tasks/ppl.yaml")).replace("data/ppl", "data/pplv");
        Task withValidation = Task.load(write("tasks/pplv.yaml", ppl.replace("test_split: test",
                "validation_split: validation\ntest_split: test")));
        // evaluated on its validation split (it has no test split): the search keeps to the training split
        Task validationEvaluated = Task.load(write("tasks/pplv2.yaml", ppl.replace("test_split: test",
                "validation_split: validation")));
        String direct = ppl.replace("data/pplv", "../tasks/data/pplv");
        Task directValidation = Task.load(write("direct/pplv.yaml", direct.replace("test_split: test",
                "test_split: validation")));
        Task directTrain = Task.load(write("direct/pplv2.yaml", direct.replace("test_split: test",
                "test_split: train")));
        try (TransformerLanguageModel m = open(2)) {
            double onValidation = direct(m, directValidation, "word_perplexity");
            double onTrain = direct(m, directTrain, "word_perplexity");
            assertNotEquals(onValidation, onTrain);
            TaskFitness f = TaskFitness.builder().addTask(withValidation, "word_perplexity", 1).build();
            assertEquals(onValidation, f.evaluate(m, 1, 5)[0], 1e-12);
            assertEquals(direct(m, withValidation, "word_perplexity"), f.test(m)[0], 1e-12);
            TaskFitness g = TaskFitness.builder().addTask(validationEvaluated, "word_perplexity", 1).build();
            assertEquals(onTrain, g.evaluate(m, 1, 5)[0], 1e-12);
            assertEquals(onValidation, g.test(m)[0], 1e-12);
        }
    }

    @Test
    void aSubsampleIsTheSameWithinAGenerationAndScoredLikeThoseDocumentsAlone() throws Exception {
        TaskFitness f = TaskFitness.builder().addTask(mc, "acc", 1).subsample(4).build();
        int[] g1 = f.subsampleIndices(0, 1, 42);
        assertArrayEquals(g1, f.subsampleIndices(0, 1, 42), "every candidate of a generation sees the same");
        Set<String> seen = new HashSet<>();
        for (int g = 1; g <= 6; g++) {
            int[] idx = f.subsampleIndices(0, g, 42);
            assertEquals(4, idx.length);
            assertEquals(4, Arrays.stream(idx).distinct().count());
            assertTrue(Arrays.stream(idx).allMatch(i -> i >= 0 && i < TRAIN));
            int[] sorted = idx.clone();
            Arrays.sort(sorted);
            assertArrayEquals(sorted, idx, "in split order");
            seen.add(Arrays.toString(idx));
        }
        assertTrue(seen.size() > 1, "other generations draw other documents");
        assertTrue(!Arrays.equals(g1, f.subsampleIndices(0, 1, 43)), "another seed draws others");
        // the same documents written alone, evaluated directly
        List<String> lines = Files.readAllLines(dir.resolve("tasks/data/mc/train.jsonl"));
        StringBuilder chosen = new StringBuilder();
        for (int i : g1) {
            chosen.append(lines.get(i)).append('\n');
        }
        write("sub/data/train.jsonl", chosen.toString());
        write("sub/data/test.jsonl", doc(0));
        Task sub = Task.load(write("sub/mc.yaml", mcTask("mc", "data").replace("test_split: test",
                "test_split: train")));
        for (int v = 0; v < 3; v++) {
            try (TransformerLanguageModel m = open(v)) {
                assertEquals(direct(m, sub, "acc"), f.evaluate(m, 1, 42)[0], 1e-12, "model " + v);
            }
        }
    }

    @Test
    void anObjectiveNamesItsFilterUnlessItIsTheTasksFirst(@TempDir Path tasks) throws Exception {
        dev.kumiki.eval.tasks.ShippedTasks.write(tasks);
        TaskCatalog shipped = TaskCatalog.scan(List.of(tasks));
        for (String[] metric : new String[][] {{"exact_match", "mult_ja/exact_match"},
                {"exact_match,strict-match", "mult_ja/exact_match"},
                {"exact_match,japanese-only", "mult_ja/exact_match,japanese-only"}}) {
            TaskFitness f = TaskFitness.builder().addTask(shipped, "mult_ja", metric[0], 1).build();
            assertEquals(List.of(metric[1]), f.objectives(), metric[0]);
        }
    }

    @Test
    void mistakesAreNamedBeforeAnyCandidateRuns() throws Exception {
        TaskCatalog catalog = TaskCatalog.scan(List.of(dir.resolve("tasks")));
        var e = assertThrows(EvolutionException.class, () -> TaskFitness.builder().addTask(catalog, "mcc", "acc", 1));
        assertTrue(e.getMessage().startsWith("fitness: unknown task 'mcc'; did you mean 'mc'?"), e.getMessage());
        e = assertThrows(EvolutionException.class, () -> TaskFitness.builder().addTask(mc, "acc", 1)
                .searchSplit("validation").build());
        assertTrue(e.getMessage().startsWith("fitness: task mc ("), e.getMessage());
        assertTrue(e.getMessage().contains("has no split 'validation' for the search split; its splits are "),
                e.getMessage());
        assertTrue(e.getMessage().contains("train") && e.getMessage().contains("test"), e.getMessage());
        e = assertThrows(EvolutionException.class, () -> TaskFitness.builder().addTask(mc, "accc", 1).build());
        assertTrue(e.getMessage().contains("does not produce the metric 'accc' (did you mean 'acc'?); it produces "
                + "acc,none, acc_norm,none"), e.getMessage());
        e = assertThrows(EvolutionException.class, () -> TaskFitness.builder().addTask(mc, "exact_match", 1).build());
        assertTrue(e.getMessage().contains("does not produce the metric 'exact_match'"), e.getMessage());
        e = assertThrows(EvolutionException.class, () -> TaskFitness.builder().addTask(mc, "acc", 1)
                .searchSplit("test").build());
        assertEquals("fitness: task mc: the search split and the test split are both 'test'; the test split must "
                + "be held out from the search (give two splits, e.g. train and test)", e.getMessage());
        e = assertThrows(EvolutionException.class, () -> TaskFitness.builder().addTask(mc, "acc", 0).build());
        assertEquals("fitness: task mc: the weight must be a positive number, not 0.0", e.getMessage());
        e = assertThrows(EvolutionException.class, () -> TaskFitness.builder().addTask(mc, "acc", 1)
                .multiObjective(true).build());
        assertTrue(e.getMessage().startsWith("fitness: a multi-objective fitness needs two tasks or more"));
        e = assertThrows(EvolutionException.class, () -> TaskFitness.builder().build());
        assertEquals("fitness: no task given; name at least one evaluation task", e.getMessage());
    }

    /** A space choosing one of the three models. */
    static final class ModelChoice implements SearchSpace {
        @Override
        public String kind() {
            return "ps";
        }

        @Override
        public int dimensions() {
            return 1;
        }

        @Override
        public List<String> names() {
            return List.of("model");
        }

        @Override
        public Candidate decode(double[] genome) {
            int v = Math.min(2, (int) (Math.min(1, Math.max(0, genome[0])) * 3));
            return new Candidate() {
                @Override
                public String key() {
                    return "m" + v;
                }

                @Override
                public String recipe() {
                    return "model: m" + v + "\n";
                }

                @Override
                public Map<String, Double> parameters() {
                    return Map.of("model", (double) v);
                }

                @Override
                public TransformerLanguageModel open(RuntimeOptions options) throws IOException {
                    return TransformerLanguageModel.open(MODELS.get(v), options);
                }
            };
        }
    }

    @Test
    void aSearchWithRealTasksOnRealModelsEndsOnItsBestScoredOnTheHeldOutSplit() throws Exception {
        TaskFitness f = TaskFitness.builder().addTask(mc, "acc_norm", 1).addTask(ppl, "word_perplexity", 1).build();
        SearchResult r;
        try (Search s = Search.builder(new ModelChoice(), new SeededOptimizer(1, 1, 4, 2, 0.4), f).generations(2)
                .seed(2).folder(dir.resolve("search")).runtimeOptions(SearchTest.RUNTIME).build()) {
            r = s.run();
        }
        Map<String, double[]> cache = SearchCheckpoint.read(dir.resolve("search")).orElseThrow().cache();
        // every evaluated model scores as the evaluation library says, and the best is the highest
        Task mcTrain = mcTrain();
        Task pplTrain = pplTrain();
        double top = Double.NEGATIVE_INFINITY;
        for (var e : cache.entrySet()) {
            try (TransformerLanguageModel m = open(Integer.parseInt(e.getKey().substring(1)))) {
                double expected = (direct(m, mcTrain, "acc_norm") + direct(m, pplTrain, "word_perplexity")) / 2;
                assertEquals(expected, e.getValue()[0], 1e-12, e.getKey());
                top = Math.max(top, expected);
            }
        }
        assertEquals(top, r.best().fitness(0));
        try (TransformerLanguageModel m = open(Integer.parseInt(r.best().key().substring(1)))) {
            assertEquals((direct(m, mc, "acc_norm") + direct(m, ppl, "word_perplexity")) / 2, r.testFitness()[0],
                    1e-12, "the held-out score");
        }
        assertEquals(r.best().recipe(), Files.readString(dir.resolve("search/best.yml")));
        double inside = r.history().stream().mapToDouble(GenerationReport::evaluationSeconds).sum();
        double outside = r.history().stream().mapToDouble(GenerationReport::overheadSeconds).sum();
        assertTrue(inside > 0 && outside > 0);
        // a figure to quote, not to assert (timings depend on the machine's load)
        System.out.printf(java.util.Locale.ROOT, "TaskFitnessTest search: %d evaluations, %.3f s evaluating, %.3f s "
                + "outside evaluation (ratio %.3f)%n", r.last().orElseThrow().totalEvaluations(), inside, outside,
                outside / inside);
    }
}
