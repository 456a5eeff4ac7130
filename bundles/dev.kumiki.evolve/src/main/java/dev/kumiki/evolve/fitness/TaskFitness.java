package dev.kumiki.evolve.fitness;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.kumiki.eval.Evaluation;
import dev.kumiki.eval.EvaluationException;
import dev.kumiki.eval.EvaluationResults;
import dev.kumiki.eval.MetricResult;
import dev.kumiki.eval.task.Dataset;
import dev.kumiki.eval.task.DatasetReader;
import dev.kumiki.eval.task.Doc;
import dev.kumiki.eval.task.FilterPipeline;
import dev.kumiki.eval.task.MetricSpec;
import dev.kumiki.eval.task.Task;
import dev.kumiki.eval.task.TaskCatalog;
import dev.kumiki.eval.task.TaskConfig;
import dev.kumiki.eval.task.TaskException;
import dev.kumiki.evolve.EvolutionException;
import dev.kumiki.llm.LanguageModel;

/**
 * A fitness made of evaluation tasks, each scored by one of its metrics: one objective (the weighted mean of the
 * tasks' scores) or, multi-objective, one objective per task (weights unused). Scores are maximised: a metric whose
 * higher values are worse (the perplexities) is negated.
 * <p>
 * Each task has two splits of its dataset: the search split, which {@link #evaluate} scores, and the test split, held
 * out for {@link #test} (the final model's score, never seen by the search). With a subsample of N, each generation
 * scores N documents of the search split drawn with the search's seed and the generation — the same documents for
 * every candidate of a generation, so that they compare, and other documents in the next, so that the search does not
 * overfit a fixed few. The drawn documents keep their split's name and order; when few-shot examples come from the
 * search split too, they are drawn from the subsample.
 * {@snippet :
 * TaskFitness fitness = TaskFitness.builder()
 *         .addTask(catalog, "arith_ja", "exact_match", 1.0)
 *         .searchSplit("train")
 *         .testSplit("test")
 *         .subsample(32)
 *         .build();
 * }
 */
public final class TaskFitness implements Fitness {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<Entry> entries;
    private final int subsample;
    private final boolean multiObjective;
    private final List<String> objectives;
    private int cachedGeneration = -1;
    private long cachedSeed;
    private List<Task> cachedTasks;

    /** One task as the fitness uses it: its search and test tasks (the task with each split as its evaluated one). */
    private record Entry(String name, String metric, String filter, double weight, Task search, Task test,
            String searchSplit, String testSplit, boolean defaultFilter) {
        /** How objectives name it: {@code task/metric}, and {@code ,filter} when not the task's first filter. */
        String label() {
            return name + "/" + metric + (defaultFilter ? "" : "," + filter);
        }
    }

    private TaskFitness(List<Entry> entries, int subsample, boolean multiObjective) {
        this.entries = List.copyOf(entries);
        this.subsample = subsample;
        this.multiObjective = multiObjective;
        if (multiObjective) {
            this.objectives = entries.stream().map(Entry::label).toList();
        } else {
            this.objectives = List.of(entries.size() == 1 ? entries.get(0).label()
                    : "weighted(" + String.join(", ", entries.stream().map(e -> e.weight + "×" + e.label()).toList())
                            + ")");
        }
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public List<String> objectives() {
        return objectives;
    }

    /** Documents each generation scores per task; 0 for the whole search split. */
    public int subsample() {
        return subsample;
    }

    /**
     * What this fitness is, for a search's fingerprint: the tasks, metrics, weights, splits and their sizes, the
     * subsample and whether it is multi-objective.
     */
    public ObjectNode definition() {
        ObjectNode o = JSON.createObjectNode();
        ArrayNode tasks = o.putArray("tasks");
        for (Entry e : entries) {
            ObjectNode t = tasks.addObject();
            t.put("task", e.name);
            t.put("metric", e.metric + "," + e.filter);
            t.put("weight", e.weight);
            t.put("num_fewshot", e.search.config().numFewshot());
            t.put("search_split", e.searchSplit);
            t.put("search_documents", e.search.evalDocs().size());
            t.put("test_split", e.testSplit);
            t.put("test_documents", e.test.evalDocs().size());
        }
        o.put("subsample", subsample);
        o.put("multi_objective", multiObjective);
        return o;
    }

    /**
     * The documents of the search split that generation {@code generation} of a search seeded {@code seed} scores for
     * the task at {@code index}: their positions in the split, ascending (all of them without a subsample).
     */
    public int[] subsampleIndices(int index, int generation, long seed) {
        int n = entries.get(index).search.evalDocs().size();
        if (subsample == 0 || subsample >= n) {
            int[] all = new int[n];
            Arrays.setAll(all, i -> i);
            return all;
        }
        // a partial Fisher–Yates shuffle seeded by the search's seed, the generation and the task
        SplittableRandom r = new SplittableRandom(seed * 1_000_003L + generation * 8191L + index);
        int[] perm = new int[n];
        Arrays.setAll(perm, i -> i);
        for (int i = 0; i < subsample; i++) {
            int j = i + r.nextInt(n - i);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        int[] chosen = Arrays.copyOf(perm, subsample);
        Arrays.sort(chosen);
        return chosen;
    }

    @Override
    public double[] evaluate(LanguageModel model, int generation, long seed) {
        return score(model, tasksOf(generation, seed));
    }

    @Override
    public double[] test(LanguageModel model) {
        return score(model, entries.stream().map(Entry::test).toList());
    }

    /** The search tasks of a generation, built once and shared by its candidates. */
    private synchronized List<Task> tasksOf(int generation, long seed) {
        if (cachedTasks != null && cachedGeneration == generation && cachedSeed == seed) {
            return cachedTasks;
        }
        List<Task> tasks = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            if (subsample == 0 || subsample >= e.search.evalDocs().size()) {
                tasks.add(e.search);
                continue;
            }
            List<Doc> all = e.search.evalDocs();
            List<Doc> docs = new ArrayList<>();
            for (int k : subsampleIndices(i, generation, seed)) {
                docs.add(all.get(k));
            }
            Map<String, List<Doc>> splits = new LinkedHashMap<>(e.search.dataset().splits());
            splits.put(e.searchSplit, docs);
            try {
                tasks.add(Task.of(e.search.config(), new Dataset(splits, e.search.dataset().files())));
            } catch (TaskException ex) {
                throw new EvolutionException(ex.getMessage(), ex);
            }
        }
        cachedGeneration = generation;
        cachedSeed = seed;
        cachedTasks = List.copyOf(tasks);
        return cachedTasks;
    }

    private double[] score(LanguageModel model, List<Task> tasks) {
        double[] values = new double[entries.size()];
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            EvaluationResults results;
            try {
                results = Evaluation.builder(model).addTask(tasks.get(i)).optBootstrapIters(0).build().run();
            } catch (EvaluationException ex) {
                throw new EvolutionException(ex.getMessage(), ex);
            }
            MetricResult m = results.task(e.name).flatMap(t -> t.metric(e.metric, e.filter)).orElseThrow(
                    () -> new IllegalStateException("the evaluation of " + e.name + " gave no " + e.metric + ","
                            + e.filter));
            values[i] = m.higherIsBetter() ? m.value() : -m.value();
        }
        if (multiObjective) {
            return values;
        }
        double sum = 0;
        double weights = 0;
        for (int i = 0; i < values.length; i++) {
            sum += entries.get(i).weight * values[i];
            weights += entries.get(i).weight;
        }
        return new double[] {sum / weights};
    }

    /** Configures a {@link TaskFitness}. */
    public static final class Builder {
        private record Wanted(TaskConfig config, Task task, String metric, double weight) {
        }

        private final List<Wanted> wanted = new ArrayList<>();
        private String searchSplit;
        private String testSplit;
        private int subsample;
        private boolean multiObjective;

        private Builder() {
        }

        /**
         * Adds a task scored by {@code metric} ({@code acc}, {@code exact_match}, or {@code metric,filter} for a
         * filter other than the task's first) with {@code weight} in the weighted mean.
         */
        public Builder addTask(Task task, String metric, double weight) {
            wanted.add(new Wanted(task.config(), task, Objects.requireNonNull(metric, "metric"), weight));
            return this;
        }

        /**
         * Adds the task {@code name} of {@code catalog} (or every task of the tag {@code name}), its data read when
         * the fitness is built.
         *
         * @throws EvolutionException for a name that is neither a task nor a tag, with the nearest
         */
        public Builder addTask(TaskCatalog catalog, String name, String metric, double weight) {
            List<TaskConfig> configs;
            try {
                configs = catalog.select(List.of(name));
            } catch (TaskException e) {
                throw new EvolutionException("fitness: " + e.getMessage(), e);
            }
            for (TaskConfig c : configs) {
                wanted.add(new Wanted(c, null, Objects.requireNonNull(metric, "metric"), weight));
            }
            return this;
        }

        /**
         * The split the search scores candidates on; unless set, the task's validation split when it has one that it
         * does not evaluate, else its training split.
         */
        public Builder searchSplit(String split) {
            searchSplit = split;
            return this;
        }

        /** The held-out split the best candidate is scored on; the task's evaluated split unless set. */
        public Builder testSplit(String split) {
            testSplit = split;
            return this;
        }

        /** Documents per task each generation scores, drawn afresh each generation; 0 (all) unless set. */
        public Builder subsample(int documents) {
            if (documents < 0) {
                throw new EvolutionException("fitness: the subsample must be 0 (every document) or more, not "
                        + documents);
            }
            subsample = documents;
            return this;
        }

        /** One objective per task (for NSGA-II) instead of their weighted mean. */
        public Builder multiObjective(boolean on) {
            multiObjective = on;
            return this;
        }

        /**
         * The fitness. Everything is checked here, before any candidate runs.
         *
         * @throws EvolutionException naming the task, for a missing split, a metric the task does not produce, a bad
         *                            weight or a task given twice
         */
        public TaskFitness build() {
            if (wanted.isEmpty()) {
                throw new EvolutionException("fitness: no task given; name at least one evaluation task");
            }
            List<Entry> entries = new ArrayList<>();
            List<String> names = new ArrayList<>();
            for (Wanted w : wanted) {
                TaskConfig c = w.config;
                String name = c.task();
                if (names.contains(name)) {
                    throw new EvolutionException("fitness: the task " + name + " is given twice");
                }
                names.add(name);
                if (!Double.isFinite(w.weight) || w.weight <= 0) {
                    throw new EvolutionException("fitness: task " + name + ": the weight must be a positive number, "
                            + "not " + w.weight);
                }
                String[] mf = w.metric.split(",", 2);
                String metric = mf[0].strip();
                List<String> filters = c.filterList().stream().map(FilterPipeline::name).toList();
                String filter = mf.length > 1 ? mf[1].strip() : filters.get(0);
                List<String> produced = new ArrayList<>();
                for (MetricSpec m : c.metricList()) {
                    for (String f : c.outputType() == TaskConfig.OutputType.GENERATE_UNTIL ? filters
                            : List.of(TaskConfig.NO_FILTER)) {
                        produced.add(m.metric() + "," + f);
                    }
                }
                if (!produced.contains(metric + "," + filter)) {
                    List<String> metrics = c.metricList().stream().map(MetricSpec::metric).toList();
                    throw new EvolutionException("fitness: task " + name + " (" + c.where("metric_list") + ") does not "
                            + "produce the metric '" + w.metric + "'" + dev.kumiki.tensor.io.Names.suggestion(metric,
                                    metrics) + "; it produces " + String.join(", ", produced));
                }
                Task task = w.task;
                if (task == null) {
                    try {
                        task = Task.of(c);
                    } catch (TaskException e) {
                        throw new EvolutionException("fitness: " + e.getMessage(), e);
                    }
                }
                Dataset loaded = task.dataset();
                // the reader reads only the splits a task evaluates: the search and test splits are read here
                java.util.Set<String> available = new java.util.LinkedHashSet<>(loaded.names());
                available.addAll(loaded.files().keySet());
                String test = testSplit != null ? testSplit : c.evalSplit();
                // lm-eval's validation split is the one for choosing among models; a task without one (or whose
                // evaluated split it is) is searched on its training split
                String search = searchSplit != null ? searchSplit
                        : c.validationSplit() != null && !c.validationSplit().equals(test) ? c.validationSplit()
                        : c.trainingSplit();
                if (search == null) {
                    throw new EvolutionException("fitness: task " + name + " (" + c.where("task") + ") has no "
                            + "training split to search on; set the search split to one of its splits ("
                            + String.join(", ", available) + ")");
                }
                Map<String, List<Doc>> splits = new LinkedHashMap<>(loaded.splits());
                for (String[] s : new String[][] {{search, "search"}, {test, "test"}}) {
                    List<Doc> docs = splits.get(s[0]);
                    if (docs == null && loaded.files().containsKey(s[0])) {
                        try {
                            docs = DatasetReader.readFile(loaded.files().get(s[0]));
                        } catch (TaskException e) {
                            throw new EvolutionException("fitness: task " + name + ": " + e.getMessage(), e);
                        }
                        splits.put(s[0], docs);
                    }
                    if (docs == null || docs.isEmpty()) {
                        throw new EvolutionException("fitness: task " + name + " (" + c.where("task") + ") has "
                                + (docs == null ? "no split '" + s[0] + "'" : "no documents in its split '" + s[0]
                                        + "'") + " for the " + s[1] + " split; its splits are "
                                + String.join(", ", available));
                    }
                }
                Dataset data = new Dataset(splits, loaded.files());
                if (search.equals(test)) {
                    throw new EvolutionException("fitness: task " + name + ": the search split and the test split "
                            + "are both '" + search + "'; the test split must be held out from the search (give two "
                            + "splits, e.g. train and test)");
                }
                try {
                    Task searchTask = Task.of(c.toBuilder().setTestSplit(search).build(), data);
                    Task testTask = Task.of(c.toBuilder().setTestSplit(test).build(), data);
                    if (c.numFewshot() > 0 && searchTask.config().effectiveFewshotSplit().equals(test)) {
                        throw new EvolutionException("fitness: task " + name + " draws its few-shot examples from '"
                                + test + "', the held-out test split; set its fewshot_split to another split");
                    }
                    entries.add(new Entry(name, metric, filter, w.weight, searchTask, testTask, search, test,
                            filters.isEmpty() || filter.equals(filters.get(0))));
                } catch (TaskException e) {
                    throw new EvolutionException("fitness: " + e.getMessage(), e);
                }
            }
            if (multiObjective && entries.size() < 2) {
                throw new EvolutionException("fitness: a multi-objective fitness needs two tasks or more (one "
                        + "objective each), not " + entries.size());
            }
            return new TaskFitness(entries, subsample, multiObjective);
        }
    }
}
