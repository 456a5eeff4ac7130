package dev.kumiki.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kumiki.engine.Configuration;
import dev.kumiki.engine.Diagnostic;
import dev.kumiki.engine.Engine;
import dev.kumiki.engine.Execution;
import dev.kumiki.engine.NodeKinds;
import dev.kumiki.engine.NodeState;
import dev.kumiki.engine.RunListener;
import dev.kumiki.engine.RunOptions;
import dev.kumiki.engine.RunRecords;
import dev.kumiki.llm.runtime.RuntimeOptions;
import dev.kumiki.llm.runtime.TransformerLanguageModel;
import dev.kumiki.model.yaml.PipelineYaml;
import dev.kumiki.tensor.io.SyntheticModel;

/**
 * EvolveMerge in a pipeline: the mistakes that would fail the first candidate (an unknown task, empty bounds, a method
 * without its base, models whose shapes cannot be merged) are reported on the node and its setting when the pipeline
 * is configured; a tiny search runs, reports its series per generation, writes its recipe and history, and a rerun
 * resumes from the node's search folder instead of starting again; a finished search comes from the cache.
 */
class EvolveMergeNodeTest {
    static final NodeKinds KINDS = NodeKinds.discover();
    static final Engine ENGINE = new Engine(KINDS);

    @TempDir
    static Path dir;

    @BeforeAll
    static void models() throws IOException {
        for (int v = 0; v < 3; v++) {
            SyntheticModel.llama().layers(2).hidden(32).intermediate(48).vocab(320).variant(v).contextLength(128)
                    .byteLevelTokenizer().write(dir.resolve("models/" + List.of("base", "ja", "math").get(v)));
        }
        SyntheticModel.llama().layers(2).hidden(16).intermediate(48).vocab(320).contextLength(128)
                .byteLevelTokenizer().write(dir.resolve("models/narrow"));
    }

    static final String MODELS = """
            kumiki: 1
            nodes:
              base: {kind: LoadModel, path: models/base}
              ja: {kind: LoadModel, path: models/ja}
              math: {kind: LoadModel, path: models/math}
              narrow: {kind: LoadModel, path: models/narrow}
            """;
    static final String CONNECTED = "connections: [ja.model -> evolve.models, math.model -> evolve.models, "
            + "base.model -> evolve.base]\n";

    static Configuration configure(String text) {
        PipelineYaml.Result r = KINDS.yaml().read(text, "p.kumiki");
        assertEquals(List.of(), r.errors());
        return ENGINE.configure(r.pipeline(), dir);
    }

    static List<String> diagnostics(String evolve, String connections) {
        return configure(MODELS + "  evolve: " + evolve + "\n" + connections).diagnostics().stream()
                .map(Diagnostic::toString).toList();
    }

    @Test
    void aCompleteSearchConfiguresWithItsOutputsInTheNodesFolder() {
        Configuration c = configure(MODELS + "  evolve: {kind: EvolveMerge, tasks: [counters_ja]}\n" + CONNECTED);
        assertEquals(List.of(), c.diagnostics());
        FileValue recipe = (FileValue) c.spec("evolve", "recipe").orElseThrow();
        assertTrue(recipe.path().startsWith(dir.resolve(".kumiki/evolve/evolve")), recipe.path().toString());
        assertEquals("best.yml", recipe.path().getFileName().toString());
        ModelSpec model = (ModelSpec) c.spec("evolve", "model").orElseThrow();
        assertEquals(((ModelSpec) c.spec("ja", "model").orElseThrow()).tensors(), model.tensors());
        // the few-shot count is part of the fitness, so a search with another is another search, in its own folder;
        // choices are read as kumiki evolve spells them (cma-es) too
        Configuration zeroShot = configure(MODELS + "  evolve: {kind: EvolveMerge, tasks: [counters_ja], num_fewshot: "
                + "0, optimizer: cma-es}\n" + CONNECTED);
        assertEquals(List.of(), zeroShot.diagnostics());
        FileValue other = (FileValue) zeroShot.spec("evolve", "recipe").orElseThrow();
        assertTrue(other.path().startsWith(dir.resolve(".kumiki/evolve/evolve")), other.path().toString());
        assertNotEquals(recipe.path(), other.path());
        assertEquals(List.of("error: node 'evolve', num_fewshot: 'num_fewshot' must be between -1 and 100, found -2"),
                diagnostics("{kind: EvolveMerge, tasks: [counters_ja], num_fewshot: -2}", CONNECTED));
    }

    /** {@code diagnostics} is one error, which begins with {@code start}. */
    static void assertOneError(String start, List<String> diagnostics) {
        assertEquals(1, diagnostics.size(), diagnostics.toString());
        assertTrue(diagnostics.get(0).startsWith(start), diagnostics.get(0));
    }

    @Test
    void mistakesAreReportedOnTheirSettingBeforeAnythingRuns() {
        assertOneError("error: node 'evolve', tasks: there is no task 'counters_jp' (did you mean 'counters_ja'?)",
                diagnostics("{kind: EvolveMerge, tasks: [counters_jp]}", CONNECTED));
        assertEquals(List.of("error: node 'evolve', bounds: bounds of density [0.9, 0.2] are empty: the minimum is "
                + "above the maximum; swap them"), diagnostics("{kind: EvolveMerge, tasks: [counters_ja], bounds: "
                        + "[{parameter: density, min: 0.9, max: 0.2}]}", CONNECTED));
        assertEquals(List.of("error: node 'evolve', bounds: bounds are given for 'densty', which is not searched "
                + "(did you mean 'density'?); the parameters searched are weight, density"), diagnostics(
                        "{kind: EvolveMerge, tasks: [counters_ja], bounds: [{parameter: densty, min: 0, max: 1}]}",
                        CONNECTED));
        assertEquals(List.of("error: node 'evolve', base: method ties works on differences from a base model: "
                + "connect one to 'base'"), diagnostics("{kind: EvolveMerge, tasks: [counters_ja]}",
                        "connections: [ja.model -> evolve.models, math.model -> evolve.models]\n"));
        assertEquals(List.of("error: node 'evolve', tasks: nsga2 searches a Pareto front of two objectives or more, "
                + "one per task, and one task is given; add a task, or use cma-es or ga"), diagnostics(
                        "{kind: EvolveMerge, tasks: [counters_ja], optimizer: nsga2}", CONNECTED));
        // equal weights written out are two weights, not one (lists of values keep their repeats)
        assertEquals(List.of(), diagnostics("{kind: EvolveMerge, tasks: [counters_ja, qa_ja], weights: [0.5, 0.5], "
                + "metrics: [acc, char_f1]}", CONNECTED));
        // a metric per task: both objectives of a Pareto search scored as each task is meant to be
        assertEquals(List.of(), diagnostics("{kind: EvolveMerge, tasks: [counters_ja, qa_ja], optimizer: nsga2, "
                + "metrics: [acc, char_f1]}", CONNECTED));
        assertEquals(List.of("error: node 'evolve', metrics: 1 metrics are given for 2 tasks; give one per task, in "
                + "the order of tasks, or none to score metric on every task"), diagnostics("{kind: EvolveMerge, "
                        + "tasks: [counters_ja, qa_ja], optimizer: nsga2, metrics: [acc]}", CONNECTED));
        assertEquals(List.of("error: node 'evolve', metrics: 3 metrics are given for 2 tasks; give one per task, in "
                + "the order of tasks, or none to score metric on every task (in a [ ] list a metric,filter needs "
                + "quotes: [\"exact_match,japanese-only\", char_f1])"), diagnostics("{kind: EvolveMerge, tasks: "
                        + "[counters_ja, qa_ja], optimizer: nsga2, metrics: [acc,none, char_f1]}", CONNECTED));
        assertOneError("error: node 'evolve', metrics: task qa_ja does not produce the metric 'acc'", diagnostics(
                "{kind: EvolveMerge, tasks: [counters_ja, qa_ja], optimizer: nsga2, metrics: [acc, acc]}", CONNECTED));
        assertEquals(List.of("error: node 'evolve', metric: both metric and metrics are given; metrics names each "
                + "task's metric, so remove metric"), diagnostics("{kind: EvolveMerge, tasks: [counters_ja, qa_ja], "
                        + "optimizer: nsga2, metric: acc, metrics: [acc, char_f1]}", CONNECTED));
        assertEquals(List.of("error: node 'evolve', smooth: smooth interpolates the values of two or more layer groups "
                + "over the layers, and layer_groups is 1; set layer_groups to 2 or more, or turn smooth off"),
                diagnostics("{kind: EvolveMerge, tasks: [counters_ja], smooth: true}",
                CONNECTED));
        assertEquals(List.of(), diagnostics("{kind: EvolveMerge, tasks: [counters_ja], smooth: true, layer_groups: 2}",
                CONNECTED));
        List<String> shapes = diagnostics("{kind: EvolveMerge, tasks: [counters_ja]}", "connections: [ja.model -> "
                + "evolve.models, narrow.model -> evolve.models, base.model -> evolve.base]\n");
        assertEquals(1, shapes.size(), shapes.toString());
        assertTrue(shapes.get(0).startsWith("error: node 'evolve', models: the models cannot be merged: "),
                shapes.get(0));
    }

    @Test
    void aTinySearchReportsEachGenerationAndARerunResumesIt() throws IOException {
        String text = MODELS + "  evolve: {kind: EvolveMerge, tasks: [counters_ja], generations: 2, population: 4, "
                + "subsample: 2, layer_groups: 1}\n" + CONNECTED;
        Configuration c = configure(text);
        assertEquals(List.of(), c.diagnostics());
        Execution.Result r = ENGINE.execute(c, RunOptions.defaults(dir).withUseCache(false), RunListener.NONE)
                .run();
        assertEquals(Execution.Status.SUCCEEDED, r.status(), r.nodes().toString());
        Map<String, List<RunRecords.Point>> series = RunRecords.metrics(r.recordDir(), "evolve");
        assertEquals(List.of(1L, 2L), series.get(EvolveMergeKind.BEST).stream().map(RunRecords.Point::step)
                .toList());
        assertEquals(2, series.get(EvolveMergeKind.MEAN).size());
        // ties over two models: a weight and a density each, named MODEL/PARAMETER
        assertTrue(series.keySet().stream().anyMatch(k -> k.startsWith("param/ja/weight")), series.keySet()
                .toString());
        assertTrue(series.keySet().stream().anyMatch(k -> k.startsWith("param/math/density")), series.keySet()
                .toString());
        for (RunRecords.Point p : series.get(EvolveMergeKind.BEST)) {
            assertTrue(p.value() >= 0 && p.value() <= 1, "accuracy " + p.value());
        }
        FileValue recipe = (FileValue) r.values().get("evolve").get("recipe");
        assertTrue(Files.readString(recipe.path()).contains("merge_method: ties"), Files.readString(recipe.path()));
        FileValue history = (FileValue) r.values().get("evolve").get("history");
        assertEquals(2, Files.readAllLines(history.path()).stream().filter(l -> !l.isBlank()).count());

        // the same search again: resumed from its checkpoint, every generation already done, so it only reports
        Execution.Result again = ENGINE.execute(configure(text), RunOptions.defaults(dir).withUseCache(false),
                RunListener.NONE).run();
        assertEquals(Execution.Status.SUCCEEDED, again.status(), again.nodes().toString());
        assertEquals(series.get(EvolveMergeKind.BEST), RunRecords.metrics(again.recordDir(), "evolve")
                .get(EvolveMergeKind.BEST));
    }

    /** How many mappings of {@code file} this process has (Linux). */
    static long mappings(Path file) throws IOException {
        String name = file.toRealPath().toString();
        return Files.readAllLines(Path.of("/proc/self/maps")).stream().filter(l -> l.endsWith(name)).count();
    }

    @Test
    void aHybridSearchesItsMergeThenAPathWhoseModelClosesWhatItOpened() throws IOException {
        String text = MODELS + "  evolve: {kind: EvolveMerge, space: hybrid, tasks: [counters_ja], generations: 1, "
                + "population: 4, subsample: 2, layer_groups: 1, repeats: 1}\n" + CONNECTED;
        Execution.Result r = ENGINE.execute(configure(text), RunOptions.defaults(dir).withUseCache(false),
                RunListener.NONE).run();
        assertEquals(Execution.Status.SUCCEEDED, r.status(), r.nodes().toString());
        // the searched merge first, then the path through it and the other model: a generation of each
        Map<String, List<RunRecords.Point>> series = RunRecords.metrics(r.recordDir(), "evolve");
        assertEquals(List.of(1L, 2L), series.get(EvolveMergeKind.BEST).stream().map(RunRecords.Point::step)
                .toList());
        EvolvedModel best = (EvolvedModel) r.values().get("evolve").get("model");
        assertTrue(best.first().isPresent(), "the hybrid's merge was searched in the node");
        assertTrue(Files.readString(best.recipe()).contains("kind: layer-path"), best.recipe().toString());
        Path weights = dir.resolve("models/math/model.safetensors");
        long before = mappings(weights);
        double score;
        try (TransformerLanguageModel m = LanguageModels.open(best, RuntimeOptions.defaults())) {
            assertTrue(mappings(weights) > before, "the model maps the models its path runs through");
            score = m.loglikelihood("問題：", "りんごは3個です。").logprob();
        }
        assertEquals(before, mappings(weights), "closing the model unmaps them again");
        try (TransformerLanguageModel m = LanguageModels.open(best, RuntimeOptions.defaults())) {
            assertEquals(score, m.loglikelihood("問題：", "りんごは3個です。").logprob(), 0.0);
        }
        assertEquals(before, mappings(weights));
    }

    @Test
    void aFinishedSearchComesFromTheCacheAsTheModelItFound() throws IOException {
        String text = MODELS + "  evolve: {kind: EvolveMerge, space: hybrid, tasks: [counters_ja], generations: 1, "
                + "population: 4, subsample: 2, layer_groups: 1, repeats: 1, output: searches/cached}\n" + CONNECTED;
        RunOptions options = RunOptions.defaults(dir);
        Execution.Result first = ENGINE.execute(configure(text), options, RunListener.NONE).run();
        assertEquals(Execution.Status.SUCCEEDED, first.status(), first.nodes().toString());
        assertEquals(NodeState.DONE, first.nodes().get("evolve").state());
        // the outputs in the order the kind declares them, the model first, as a run's table shows it
        assertEquals(List.of("model", "recipe", "history", "pareto"), List.copyOf(first.nodes().get("evolve")
                .outputs().keySet()));

        // the same search, settings and inputs: not opened again (resuming it would score its best on the test
        // split once more), but the same model and files
        Execution.Result again = ENGINE.execute(configure(text), options, RunListener.NONE).run();
        assertEquals(NodeState.CACHED, again.nodes().get("evolve").state(), again.nodes().get("evolve").toString());
        assertTrue(ENGINE.plan(configure(text), options).stream().filter(n -> n.node().equals("evolve")).findFirst()
                .orElseThrow().fromCache(), "a plan tells so before the run");
        EvolvedModel found = (EvolvedModel) first.values().get("evolve").get("model");
        EvolvedModel kept = (EvolvedModel) again.values().get("evolve").get("model");
        assertEquals(found.recipe(), kept.recipe());
        assertEquals(found.kind(), kept.kind());
        assertEquals(found.config(), kept.config());
        assertTrue(java.util.Arrays.equals(found.genome(), kept.genome()));
        assertTrue(java.util.Arrays.equals(found.first().orElseThrow(), kept.first().orElseThrow()));
        assertEquals(found.spec().tensors(), kept.spec().tensors());
        for (String port : List.of("recipe", "history", "pareto")) {
            assertEquals(first.values().get("evolve").get(port), again.values().get("evolve").get(port), port);
        }
        try (TransformerLanguageModel a = LanguageModels.open(found, RuntimeOptions.defaults());
                TransformerLanguageModel b = LanguageModels.open(kept, RuntimeOptions.defaults())) {
            assertEquals(a.loglikelihood("問題：", "りんごは3個です。").logprob(),
                    b.loglikelihood("問題：", "りんごは3個です。").logprob(), 0.0);
        }

        // a search folder that is gone (or changed) is searched again
        try (var files = Files.walk(dir.resolve("searches/cached"))) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
        Execution.Result gone = ENGINE.execute(configure(text), options, RunListener.NONE).run();
        assertEquals(NodeState.DONE, gone.nodes().get("evolve").state(), gone.nodes().get("evolve").toString());
        assertTrue(Files.isRegularFile(found.recipe()));
    }

    @Test
    void aPathWithoutScalesIsSavedAsTheModelItRuns() throws IOException {
        String text = MODELS + "  evolve: {kind: EvolveMerge, space: dfs, tasks: [counters_ja], generations: 1, "
                + "population: 4, subsample: 2, repeats: 2, scales: none}\n"
                + "  save: {kind: SaveModel, path: out/dfs}\n"
                + "connections: [ja.model -> evolve.models, math.model -> evolve.models, evolve.model -> save.model]\n";
        Execution.Result r = ENGINE.execute(configure(text), RunOptions.defaults(dir).withUseCache(false),
                RunListener.NONE).run();
        assertEquals(Execution.Status.SUCCEEDED, r.status(), r.nodes().toString());
        EvolvedModel best = (EvolvedModel) r.values().get("evolve").get("model");
        String recipe = Files.readString(best.recipe());
        Path saved = dir.resolve("out/dfs");
        try (TransformerLanguageModel path = LanguageModels.open(best, RuntimeOptions.defaults());
                TransformerLanguageModel folder = TransformerLanguageModel.open(saved, RuntimeOptions.defaults())) {
            int steps = (int) recipe.lines().filter(l -> l.contains("layer:")).count();
            assertEquals(steps, folder.transformer().config().layers(), recipe);
            for (String[] text2 : new String[][] {{"問題：", "りんごは3個です。"}, {"Question:", " 7 apples"}}) {
                var a = path.loglikelihood(text2[0], text2[1]);
                var b = folder.loglikelihood(text2[0], text2[1]);
                assertEquals(a.logprob(), b.logprob(), 1e-9, recipe);
                assertEquals(a.greedy(), b.greedy());
            }
            assertNotEquals(0, steps);
        }
    }
}
