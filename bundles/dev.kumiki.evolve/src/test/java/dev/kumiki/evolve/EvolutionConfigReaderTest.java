package dev.kumiki.evolve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kumiki.evolve.EvolutionConfig.Bounds;
import dev.kumiki.evolve.EvolutionConfig.Dfs;
import dev.kumiki.evolve.EvolutionConfig.Hybrid;
import dev.kumiki.evolve.EvolutionConfig.NamedModel;
import dev.kumiki.evolve.EvolutionConfig.Ps;
import dev.kumiki.evolve.EvolutionConfig.TaskSpec;

/**
 * The settings file of {@code kumiki evolve}: every key read with its type and range, paths relative to the file,
 * defaults for keys left out, and each mistake refused with the file, line, column and key named (and the nearest
 * known name for a misspelt one).
 */
class EvolutionConfigReaderTest {
    @TempDir
    static Path dir;

    static Path file;

    @BeforeAll
    static void files() throws IOException {
        for (String m : List.of("base", "ja", "math")) {
            Files.createDirectories(dir.resolve("models").resolve(m));
            Files.writeString(dir.resolve("models").resolve(m).resolve("config.json"), "{}");
        }
        Files.createDirectories(dir.resolve("tasks"));
        Files.writeString(dir.resolve("tasks/mine.yaml"), "task: mine\n");
        Files.createDirectories(dir.resolve("runs"));
        Files.writeString(dir.resolve("runs/best.yml"), "merge_method: ties\n");
        file = dir.resolve("runs/evolve.yml");
    }

    static EvolutionConfig parse(String yaml) throws EvolutionException {
        return EvolutionConfigReader.parse(file, yaml);
    }

    static String refused(String yaml) {
        return assertThrows(EvolutionException.class, () -> parse(yaml)).getMessage();
    }

    static final String MINIMAL = """
            models:
              ja: ../models/ja
              math: ../models/math
            base: ../models/base
            fitness:
              tasks: [arith_ja]
            output: out
            """;

    @Test
    void everyKeyIsReadWithPathsRelativeToTheFile() throws EvolutionException {
        EvolutionConfig c = parse("""
                models:
                  ja: ../models/ja
                  math: ../models/math
                base: ../models/base
                space: ps
                ps:
                  method: dare_ties
                  parameters: [density, weight]
                  layer_groups: 4
                  smooth: true
                  bounds: {weight: [-0.5, 1.5], density: [0.1, 1]}
                  normalize: true
                  allow_negative_weights: true
                optimizer:
                  name: ga
                  population: 12
                  sigma: 0.25
                budget:
                  generations: 7
                  time_limit: 90m
                fitness:
                  tasks:
                    - arith_ja
                    - {name: ../tasks/mine.yaml, weight: 2.5, metric: acc}
                  metric: exact_match
                  search_split: validation
                  test_split: test
                  subsample: 16
                  num_fewshot: 0
                seed: 7
                output: out/evolve
                """);
        Path models = dir.resolve("models");
        assertEquals(Map.of("ja", models.resolve("ja"), "math", models.resolve("math")), c.models());
        assertEquals(List.of("ja", "math"), List.copyOf(c.models().keySet()));
        assertEquals(Optional.of(new NamedModel("base", models.resolve("base"))), c.base());
        assertEquals(new Ps("dare_ties", List.of("density", "weight"), 4, Map.of("weight", new Bounds(-0.5, 1.5),
                "density", new Bounds(0.1, 1)), Optional.of(true), true, true), c.space());
        assertEquals(new EvolutionConfig.OptimizerSettings("ga", 12, 0.25), c.optimizer());
        assertEquals(new EvolutionConfig.Budget(7, Optional.of(Duration.ofMinutes(90))), c.budget());
        assertEquals(List.of(new TaskSpec("arith_ja", 1, Optional.of("exact_match")),
                new TaskSpec(dir.resolve("tasks/mine.yaml").toString(), 2.5, Optional.of("acc"))),
                c.fitness().tasks());
        assertEquals(Optional.of("validation"), c.fitness().searchSplit());
        assertEquals(Optional.of("test"), c.fitness().testSplit());
        assertEquals(16, c.fitness().subsample());
        assertEquals(Optional.of(0), c.fitness().numFewshot());
        assertEquals(7, c.seed());
        assertEquals(dir.resolve("runs/out/evolve"), c.output());
    }

    @Test
    void keysLeftOutTakeThePapersAndMergekitEvolvesDefaults() throws EvolutionException {
        EvolutionConfig c = parse(MINIMAL);
        // ties over weight and density (mergekit-evolve's per-model parameters), one value for all layers
        assertEquals(new Ps("ties", List.of("weight", "density"), 1, Map.of(), Optional.empty(), false), c.space());
        // CMA-ES with the paper's sigma 1/6 and its default population
        assertEquals(new EvolutionConfig.OptimizerSettings("cma-es", 0, 1.0 / 6), c.optimizer());
        assertEquals(new EvolutionConfig.Budget(20, Optional.empty()), c.budget());
        // the tasks' own training and evaluated splits
        assertEquals(Optional.empty(), c.fitness().searchSplit());
        assertEquals(Optional.empty(), c.fitness().testSplit());
        assertEquals(0, c.fitness().subsample());
        assertEquals(Optional.empty(), c.fitness().numFewshot());
        assertEquals(42, c.seed());
    }

    @Test
    void dfsAndHybridSpaces() throws EvolutionException {
        // the paper's r = 3 and scales around 1
        assertEquals(new Dfs(3, new Bounds(0.5, 1.5), 0, "matrix"), parse(MINIMAL.replace("base: ../models/base\n",
                "") + "space: dfs\n").space());
        assertEquals(new Dfs(2, new Bounds(1, 1), 12, "per-layer"), parse(MINIMAL + "space: dfs\ndfs:\n  repeats: 2\n"
                + "  scale_bounds: [1, 1]\n  max_length: 12\n  scales: per-layer\n").space());
        EvolutionConfig fixed = parse(MINIMAL + "space: hybrid\nhybrid:\n  recipe: best.yml\n");
        assertEquals(new Hybrid(Optional.of(dir.resolve("runs/best.yml")), Optional.empty(), new Dfs(3,
                new Bounds(0.5, 1.5), 0, "matrix")), fixed.space());
        Hybrid searched = (Hybrid) parse(MINIMAL + "space: hybrid\nps:\n  method: task_arithmetic\ndfs:\n  repeats: "
                + "1\n").space();
        assertEquals(Optional.of(new Ps("task_arithmetic", List.of("weight"), 1, Map.of(), Optional.empty(), false)),
                searched.ps());
        assertEquals(1, searched.dfs().repeats());
        // the base may be one of the models, by name
        EvolutionConfig named = parse(MINIMAL.replace("base: ../models/base", "base: ja").replace("math: "
                + "../models/math", "math: ../models/math\n  other: ../models/base"));
        assertEquals(Optional.of(new NamedModel("ja", dir.resolve("models/ja"))), named.base());
        assertEquals(List.of("math", "other"), List.copyOf(named.models().keySet()));
    }

    @Test
    void misspeltKeysNameTheFileLineAndTheNearestKey() {
        assertEquals(file + ":5:1: unknown key 'fitnes' in the evolution settings; did you mean 'fitness'? (known "
                + "keys: models, base, space, ps, dfs, hybrid, optimizer, budget, fitness, seed, output)",
                refused(MINIMAL.replace("fitness:", "fitnes:")));
        assertEquals(file + ":10:3: unknown key 'methd' in the ps: block; did you mean 'method'? (known keys: method, "
                + "parameters, layer_groups, smooth, bounds, normalize, allow_negative_weights)",
                refused(MINIMAL + "ps:\n  method: ties\n  methd: ties\n"));
        assertEquals(file + ":9:3: unknown key 'genrations' in the budget: block; did you mean 'generations'? (known "
                + "keys: generations, time_limit)", refused(MINIMAL + "budget:\n  genrations: 3\n"));
        assertEquals(file + ":9:11: method must be one of mergekit's merge methods (breadcrumbs, breadcrumbs_ties, "
                + "dare_linear, dare_ties, della, della_linear, linear, model_stock, nuslerp, passthrough, sce, slerp, "
                + "task_arithmetic, ties); found 'dare_tie'; did you mean 'dare_ties'?",
                refused(MINIMAL + "ps:\n  method: dare_tie\n"));
        assertEquals(file + ":8:12: the optimizer must be cma-es, ga or nsga2; found 'nsga'; did you mean 'nsga2'?",
                refused(MINIMAL + "optimizer: nsga\n"));
        assertEquals(file + ":8:8: space must be ps, dfs or hybrid; found 'dsf'; did you mean 'dfs'?",
                refused(MINIMAL + "space: dsf\n"));
    }

    @Test
    void keysOfMergekitEvolveAndOptunaSayWhatToWrite() {
        assertEquals(file + ":8:1: max_fevals is not a Kumiki setting: Kumiki counts generations: write generations "
                + "in the budget: block (evaluations are generations × population)", refused(MINIMAL
                        + "max_fevals: 100\n"));
        assertEquals(file + ":9:3: popsize is not a Kumiki setting: write population in the optimizer: block",
                refused(MINIMAL + "optimizer:\n  popsize: 8\n"));
        assertEquals(file + ":8:1: generations belongs in the budget: block: write it indented under budget:",
                refused(MINIMAL + "generations: 3\n"));
    }

    @Test
    void smoothWithOneLayerGroupIsRefused() {
        assertEquals(file + ":9:11: smooth interpolates the values of two or more layer groups over the layers, and "
                + "layer_groups is 1; write layer_groups: 2 or more, or leave smooth out",
                refused(MINIMAL + "ps:\n  smooth: true\n"));
    }

    @Test
    void mergekitEvolvesLayerGranularityIsNamedOtherwise() {
        assertEquals(file + ":9:3: layer_granularity is not a Kumiki setting: mergekit-evolve's layer_granularity "
                + "counts layers per group; Kumiki counts groups: write layer_groups (8 layers in groups of 2: "
                + "layer_groups: 4)", refused(MINIMAL + "ps:\n  layer_granularity: 2\n"));
    }

    @Test
    void wrongTypesAndRangesNameTheFileLineAndKey() {
        assertEquals(file + ":9:16: generations must be a whole number of at least 1 and at most 1000000; found "
                + "'many'", refused(MINIMAL + "budget:\n  generations: many\n"));
        assertEquals(file + ":9:10: sigma must be a number above 0 and at most 1; found a list", refused(MINIMAL
                + "optimizer:\n  sigma: [0.1]\n"));
        assertEquals(file + ":9:14: normalize must be true or false; found 'maybe'", refused(MINIMAL
                + "ps:\n  normalize: maybe\n"));
        assertEquals(file + ":9:15: time_limit must be a duration such as 90s, 30m or 2h (a number alone is "
                + "seconds); found 'soon'", refused(MINIMAL + "budget:\n  time_limit: soon\n"));
        assertEquals(file + ":1:9: models must be a block of name: folder lines, e.g.\nmodels:\n  ja: ../models/ja\n"
                + "  math: ../models/math", refused("models: [a, b]\nfitness: {tasks: [arith_ja]}\noutput: out\n"));
    }

    @Test
    void emptyBoundsAndUnknownTasksAreRefusedBeforeAnythingRuns() {
        assertEquals(file + ":10:21: bounds: density [0.9, 0.2] is empty: the minimum is above the maximum; write "
                + "[0.2, 0.9]", refused(MINIMAL + "ps:\n  method: ties\n  bounds: {density: [0.9, 0.2]}\n"));
        assertEquals(file + ":9:20: bounds: weight goes below 0 but allow_negative_weights is false; raise the lower "
                + "bound to 0 or write allow_negative_weights: true", refused(MINIMAL
                        + "ps:\n  bounds: {weight: [-1, 1]}\n"));
        assertEquals(file + ":9:12: bounds are given for 'epsilon', which is not searched; the parameters searched "
                + "are weight, density", refused(MINIMAL + "ps:\n  bounds: {epsilon: [0, 1]}\n"));
        String unknown = refused(MINIMAL.replace("[arith_ja]", "[arith_jp]"));
        assertEquals(file + ":6:11: there is no task 'arith_jp' (did you mean 'arith_ja'?); the shipped tasks are "
                + "arith_en, arith_ja, mult_en, mult_ja, counters_ja, qa_ja, ppl_en, ppl_ja (kumiki tasks lists them), and a task YAML "
                + "file is named by its path ending in .yaml", unknown);
        assertEquals(file + ":6:11: there is no task file " + dir.resolve("runs/nothere.yaml") + " (relative to the "
                + "settings file's folder " + dir.resolve("runs") + "); give a task YAML file, or the name of a "
                + "shipped task (arith_en, arith_ja, mult_en, mult_ja, counters_ja, qa_ja, ppl_en, ppl_ja)",
                refused(MINIMAL.replace("[arith_ja]", "[nothere.yaml]")));
    }

    @Test
    void inconsistentSettingsAreRefusedWithWhatToDo() {
        assertEquals(file + ":8:11: method ties works on differences from a base model, and no base is given; write "
                + "base: FOLDER (or the name of one of the models)", refused(MINIMAL.replace("base: ../models/base\n",
                        "") + "ps:\n  method: ties\n"));
        assertEquals(file + ":6:10: nsga2 searches a Pareto front of two objectives or more, one per task, and "
                + "fitness names one task; add a task, or use cma-es or ga", refused(MINIMAL + "optimizer: nsga2\n"));
        assertEquals(file + ":9:3: a dfs: block is given but space is ps (the default); write space: dfs (or hybrid)"
                + ", or remove the block", refused(MINIMAL + "dfs:\n  repeats: 2\n"));
        assertEquals(file + ":2:7: models: ja: " + dir.resolve("runs/models/ja") + " (relative to the settings "
                + "file's folder " + dir.resolve("runs") + ") is not a Hugging Face model folder (it has no "
                + "config.json); give a local model folder, Kumiki downloads nothing",
                refused(MINIMAL.replace("ja: ../models/ja", "ja: models/ja")));
        assertEquals(file + ":7:9: output: the search's folder " + dir.resolve("models/ja") + " is an input ("
                + dir.resolve("models/ja") + "); give the search a folder of its own",
                refused(MINIMAL.replace("output: out", "output: ../models/ja")));
        assertEquals(file + ": output is missing: the folder the search writes its checkpoint, best recipe, history "
                + "and Pareto front to (output: out/evolve)", refused(MINIMAL.replace("output: out\n", "")));
        assertEquals(file + ":7:15: search_split and test_split are both 'test'; the test split must be held out from "
                + "the search: give two different splits", refused(MINIMAL.replace("fitness:\n",
                        "fitness:\n  search_split: test\n  test_split: test\n")));
    }
}
