package dev.kumiki.eval;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.stream.Collector;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

import dev.kumiki.eval.Aggregation.Item;
import dev.kumiki.eval.metrics.TextMetric;
import dev.kumiki.eval.task.Doc;
import dev.kumiki.eval.task.FilterPipeline;
import dev.kumiki.eval.task.MetricSpec;
import dev.kumiki.eval.task.Task;
import dev.kumiki.eval.task.TaskConfig;
import dev.kumiki.eval.task.TaskConfig.OutputType;
import dev.kumiki.eval.task.TaskConfigDump;
import dev.kumiki.eval.task.TaskException;
import dev.kumiki.llm.LanguageModel;

/**
 * Runs tasks against a {@link LanguageModel} as lm-evaluation-harness does: each document becomes the requests of
 * its task's output type, responses are filtered and scored, and scores are aggregated with standard errors.
 * Configured by a builder, run as a lazy stream of per-document {@link SampleRecord}s — the same shape serves a
 * progress bar, cancellation ({@code limit}, {@code takeWhile}, or the cancel flag, checked between requests) and
 * live charts:
 * {@snippet :
 * Evaluation evaluation = Evaluation.builder(model)
 *         .addTask(Task.load(Path.of("tasks/arith_en.yaml")))
 *         .optLimit(100)
 *         .optProgress(p -> System.out.printf("%d/%d %.0f tok/s%n", p.done(), p.total(), p.tokensPerSecond()))
 *         .build();
 * EvaluationResults results = evaluation.stream()
 *         .peek(samples::write)                // per-sample JSONL
 *         .collect(evaluation.toResults());
 * }
 * Documents are evaluated one at a time in split order, so few-shot examples (drawn with the seed) are the same on
 * every run and on every backend.
 */
public final class Evaluation {
    /** The Kumiki version written into results when the caller gives none. */
    public static final String KUMIKI_VERSION = "0.1.0";
    /** lm-eval's few-shot seed. */
    public static final long DEFAULT_FEWSHOT_SEED = 1234;
    /** Bootstrap resamples for the standard errors of non-mean aggregations (lm-eval uses 100000). */
    public static final int DEFAULT_BOOTSTRAP_ITERS = 10_000;

    private final LanguageModel model;
    private final List<Task> tasks;
    private final int limit;
    private final long fewshotSeed;
    private final int bootstrapIters;
    private final Consumer<Progress> progress;
    private final BooleanSupplier cancelled;
    private final String kumikiVersion;

    private Evaluation(Builder b) {
        this.model = b.model;
        this.tasks = List.copyOf(b.tasks);
        this.limit = b.limit;
        this.fewshotSeed = b.fewshotSeed;
        this.bootstrapIters = b.bootstrapIters;
        this.progress = b.progress;
        this.cancelled = b.cancelled;
        this.kumikiVersion = b.kumikiVersion;
    }

    /** A builder for an evaluation of {@code model}. */
    public static Builder builder(LanguageModel model) {
        return new Builder(model);
    }

    /** The tasks, in the order they run. */
    public List<Task> tasks() {
        return tasks;
    }

    /** Documents each task evaluates (its split, cut to the limit). */
    public int documents(Task t) {
        int n = t.evalDocs().size();
        return limit > 0 ? Math.min(limit, n) : n;
    }

    /**
     * The per-document results, computed lazily as the stream is consumed: task by task, document by document.
     * Each call starts afresh. Throws {@link EvaluationException} for a bad document or template and
     * {@link CancellationException} when the cancel flag is raised.
     */
    public Stream<SampleRecord> stream() {
        return StreamSupport.stream(new Run(), false);
    }

    /** Runs everything and returns the scores. */
    public EvaluationResults run() {
        return stream().collect(toResults());
    }

    /** Aggregates the records of {@link #stream()} (all or some of them) into scores. */
    public Collector<SampleRecord, ?, EvaluationResults> toResults() {
        Instant start = Instant.now();
        return Collector.<SampleRecord, Map<String, Map<String, List<Item>>>, EvaluationResults>of(
                LinkedHashMap::new,
                (acc, r) -> {
                    Map<String, List<Item>> t = acc.computeIfAbsent(r.task(), k -> new LinkedHashMap<>());
                    t.computeIfAbsent("", k -> new ArrayList<>()).add(Item.of(1)); // counts documents
                    r.scores().forEach((k, v) -> t.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
                },
                (a, b) -> {
                    throw new UnsupportedOperationException("an evaluation stream is sequential");
                },
                acc -> aggregate(acc, start));
    }

    private EvaluationResults aggregate(Map<String, Map<String, List<Item>>> acc, Instant start) {
        List<TaskResult> results = new ArrayList<>();
        for (Task t : tasks) {
            Map<String, List<Item>> items = acc.get(t.config().task());
            if (items == null) {
                continue;
            }
            TaskConfig c = t.config();
            List<MetricResult> metrics = new ArrayList<>();
            for (MetricSpec m : c.metricList()) {
                for (String filter : filterNames(c)) {
                    List<Item> xs = items.getOrDefault(m.metric() + "," + filter, List.of());
                    Aggregation agg = Aggregation.byName(m.aggregation() != null ? m.aggregation()
                            : Metrics.defaultAggregation(m.metric()));
                    boolean hib = m.higherIsBetter() != null ? m.higherIsBetter()
                            : Metrics.defaultHigherIsBetter(m.metric());
                    metrics.add(new MetricResult(m.metric(), filter, agg.apply(xs), agg.stderr(xs, bootstrapIters),
                            agg.yamlName(), hib));
                }
            }
            results.add(new TaskResult(c.task(), c.alias(), c.version(), c.numFewshot(), t.evalDocs().size(),
                    items.get("").size(), metrics, TaskConfigDump.toMap(c)));
        }
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("limit", limit > 0 ? limit : null);
        settings.put("fewshot_seed", fewshotSeed);
        settings.put("bootstrap_iters", bootstrapIters);
        return new EvaluationResults(model.name(), start, kumikiVersion, settings, results);
    }

    private static List<String> filterNames(TaskConfig c) {
        return c.outputType() == OutputType.GENERATE_UNTIL ? c.filterList().stream().map(FilterPipeline::name)
                .toList() : List.of(TaskConfig.NO_FILTER);
    }

    /** The run behind one stream: which task and document come next, and the counters. */
    private final class Run extends Spliterators.AbstractSpliterator<SampleRecord> {
        private final int total;
        private int taskIndex;
        private int docIndex;
        private int done;
        private long tokens;
        private long nanos;
        private Task.Prompter prompter;

        Run() {
            super(Long.MAX_VALUE, Spliterator.ORDERED | Spliterator.NONNULL);
            total = tasks.stream().mapToInt(Evaluation.this::documents).sum();
        }

        @Override
        public boolean tryAdvance(Consumer<? super SampleRecord> action) {
            while (taskIndex < tasks.size() && docIndex >= documents(tasks.get(taskIndex))) {
                taskIndex++;
                docIndex = 0;
                prompter = null;
            }
            if (taskIndex >= tasks.size()) {
                return false;
            }
            Task task = tasks.get(taskIndex);
            Doc doc = task.evalDocs().get(docIndex);
            try {
                if (prompter == null) {
                    prompter = task.prompter(fewshotSeed);
                }
                SampleRecord r = evaluate(task, docIndex, doc);
                docIndex++;
                action.accept(r);
                return true;
            } catch (TaskException e) {
                throw new EvaluationException(e.getMessage(), e);
            } catch (LanguageModel.ContextTooLongException e) {
                throw new EvaluationException(task.config().where("task") + ": task " + task.config().task()
                        + ", document " + doc.where() + ": " + e.getMessage() + "; lower num_fewshot or "
                        + "max_gen_toks, or use a model with a longer context", e);
            }
        }

        private void checkCancelled() {
            if (cancelled.getAsBoolean()) {
                throw new CancellationException("evaluation cancelled after " + done + " of " + total
                        + " documents");
            }
        }

        private SampleRecord evaluate(Task task, int docId, Doc doc) throws TaskException {
            TaskConfig c = task.config();
            Map<String, Item> scores = new LinkedHashMap<>();
            List<String> choices = List.of();
            List<Double> logprobs = new ArrayList<>();
            List<Boolean> greedy = new ArrayList<>();
            List<String> responses = new ArrayList<>();
            Map<String, String> filtered = new LinkedHashMap<>();
            long docTokens = 0;
            long t0 = System.nanoTime();
            String prompt;
            Object target = task.target(doc);
            switch (c.outputType()) {
                case MULTIPLE_CHOICE -> {
                    prompt = prompter.context(doc);
                    choices = task.choices(doc);
                    for (String choice : choices) {
                        checkCancelled();
                        LanguageModel.LogLikelihood r = model.loglikelihood(prompt, c.targetDelimiter() + choice);
                        logprobs.add(r.logprob());
                        greedy.add(r.greedy());
                        docTokens += r.tokens();
                    }
                    scoreChoices(c, doc, target, choices, logprobs, greedy, scores);
                }
                case LOGLIKELIHOOD -> {
                    prompt = prompter.context(doc);
                    checkCancelled();
                    LanguageModel.LogLikelihood r = model.loglikelihood(prompt, task.targetText(doc));
                    logprobs.add(r.logprob());
                    greedy.add(r.greedy());
                    docTokens += r.tokens();
                    for (MetricSpec m : c.metricList()) {
                        String key = m.metric() + "," + TaskConfig.NO_FILTER;
                        switch (m.metric()) {
                            case "perplexity" -> scores.put(key, Item.of(r.logprob()));
                            case "acc" -> scores.put(key, Item.of(r.greedy() ? 1 : 0));
                            default -> throw new IllegalStateException(m.metric());
                        }
                    }
                }
                case LOGLIKELIHOOD_ROLLING -> {
                    prompt = "";
                    String text = task.targetText(doc);
                    checkCancelled();
                    LanguageModel.RollingLogLikelihood r = model.loglikelihoodRolling(text);
                    logprobs.add(r.logprob());
                    docTokens += r.tokens();
                    double words = words(text);
                    double bytes = text.getBytes(StandardCharsets.UTF_8).length;
                    for (MetricSpec m : c.metricList()) {
                        String key = m.metric() + "," + TaskConfig.NO_FILTER;
                        scores.put(key, new Item(r.logprob(), m.metric().equals("word_perplexity") ? words : bytes));
                    }
                }
                case GENERATE_UNTIL -> {
                    prompt = prompter.context(doc);
                    for (int rep = 0; rep < c.repeats(); rep++) {
                        checkCancelled();
                        LanguageModel.Generation g = model.generate(prompt, c.generation().settings(rep), null);
                        responses.add(g.text());
                        docTokens += g.generatedTokens();
                    }
                    List<String> golds = golds(task, doc, target);
                    for (FilterPipeline p : c.filterList()) {
                        String answer = p.apply(responses);
                        filtered.put(p.name(), answer);
                        for (MetricSpec m : c.metricList()) {
                            double s = 0;
                            boolean counts = !m.onlyJapanese()
                                    || Metrics.japaneseCheck().map(j -> j.test(responses.get(0))).orElse(false);
                            if (counts) {
                                for (String gold : golds) {
                                    s = Math.max(s, textScore(m, answer, gold));
                                }
                            }
                            scores.put(m.metric() + "," + p.name(), Item.of(s));
                        }
                    }
                }
                default -> throw new IllegalStateException();
            }
            nanos += System.nanoTime() - t0;
            tokens += docTokens;
            done++;
            Progress p = new Progress(c.task(), docId + 1, documents(task), done, total, tokens,
                    nanos == 0 ? 0 : tokens / (nanos / 1e9));
            SampleRecord record = new SampleRecord(c.task(), docId, doc.fields(), doc.where(), prompt, target,
                    choices, logprobs, greedy, responses, filtered, scores, docTokens, p);
            progress.accept(p);
            return record;
        }
    }

    /** The acceptable answers of a generation: the choice the target names, the targets of a list, or the text. */
    private static List<String> golds(Task task, Doc doc, Object target) throws TaskException {
        if (task.config().docToChoice() != null || !(target instanceof List<?>)) {
            return List.of(task.targetText(doc));
        }
        List<String> golds = new ArrayList<>();
        for (Object o : (List<?>) target) {
            golds.add(String.valueOf(o));
        }
        return golds;
    }

    private static double textScore(MetricSpec m, String answer, String gold) {
        if (m.metric().equals("exact_match")) {
            return ExactMatch.score(answer, gold, m);
        }
        TextMetric metric = Metrics.text(m.metric()).orElseThrow(() -> new EvaluationException("the metric '"
                + m.metric() + "' is no longer registered"));
        return metric.score(answer, gold);
    }

    /** lm-eval's multiple-choice scoring: acc, acc_norm (by characters), exact_match (greedy gold). */
    private static void scoreChoices(TaskConfig c, Doc doc, Object target, List<String> choices,
            List<Double> lls, List<Boolean> greedy, Map<String, Item> scores) throws TaskException {
        List<Integer> gold = new ArrayList<>();
        for (Object t : target instanceof List<?> l ? l : List.of(target)) {
            int g;
            if (t instanceof Integer i) {
                g = i >= 0 && i < choices.size() ? i : -1;
            } else {
                g = choices.indexOf(String.valueOf(t));
            }
            gold.add(g);
        }
        if (gold.contains(-1)) {
            throw new TaskException(doc.where() + ": task " + c.task() + ": the target " + target + " is not one of "
                    + "the " + choices.size() + " choices " + choices + " (doc_to_target gives an index from 0, or "
                    + "the text of a choice)");
        }
        int pred = 0;
        int predNorm = 0;
        for (int i = 1; i < lls.size(); i++) {
            if (lls.get(i) > lls.get(pred)) {
                pred = i;
            }
            if (lls.get(i) / len(choices.get(i)) > lls.get(predNorm) / len(choices.get(predNorm))) {
                predNorm = i;
            }
        }
        for (MetricSpec m : c.metricList()) {
            double s = switch (m.metric()) {
                case "acc" -> gold.contains(pred) ? 1 : 0;
                case "acc_norm" -> gold.contains(predNorm) ? 1 : 0;
                case "exact_match" -> gold.stream().anyMatch(greedy::get) ? 1 : 0;
                default -> throw new IllegalStateException(m.metric());
            };
            scores.put(m.metric() + "," + TaskConfig.NO_FILTER, Item.of(s));
        }
    }

    /** Python's {@code len(str)}: code points. */
    private static double len(String s) {
        return s.codePointCount(0, s.length());
    }

    /** lm-eval's word count: {@code len(re.split(r"\s+", text))}. */
    static int words(String text) {
        int n = 1;
        boolean inSpace = false;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            boolean space = isPythonSpace(cp);
            if (space && !inSpace) {
                n++;
            }
            inSpace = space;
            i += Character.charCount(cp);
        }
        return n;
    }

    /** Python's {@code \s} for text: Unicode whitespace (str.isspace) and the ASCII separators. */
    private static boolean isPythonSpace(int cp) {
        return Character.isWhitespace(cp) || Character.isSpaceChar(cp) || (cp >= 0x1c && cp <= 0x1f)
                || cp == 0x85;
    }

    /** Configures an {@link Evaluation}: {@code add…}/{@code set…} for what it needs, {@code opt…} for the rest. */
    public static final class Builder {
        private final LanguageModel model;
        private final List<Task> tasks = new ArrayList<>();
        private int limit;
        private long fewshotSeed = DEFAULT_FEWSHOT_SEED;
        private int bootstrapIters = DEFAULT_BOOTSTRAP_ITERS;
        private Consumer<Progress> progress = p -> { };
        private BooleanSupplier cancelled = () -> false;
        private String kumikiVersion = KUMIKI_VERSION;

        private Builder(LanguageModel model) {
            this.model = Objects.requireNonNull(model, "model");
        }

        /**
         * Adds a task, checking that its metrics exist and apply to its output type.
         *
         * @throws EvaluationException naming the task file when a metric is unknown or does not apply, or when a
         *                             task of the same name was added already
         */
        public Builder addTask(Task task) {
            String problem = Metrics.problem(task.config());
            if (problem != null) {
                throw new EvaluationException(task.config().where("metric_list") + ": task " + task.config().task()
                        + ": " + problem);
            }
            for (Task t : tasks) {
                if (t.config().task().equals(task.config().task())) {
                    throw new EvaluationException("the task " + task.config().task() + " is given twice ("
                            + t.config().where("task") + " and " + task.config().where("task") + ")");
                }
            }
            tasks.add(task);
            return this;
        }

        /** At most {@code n} documents per task (lm-eval's {@code --limit}); 0 for all. */
        public Builder optLimit(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("limit must be 0 (all) or more, not " + n);
            }
            limit = n;
            return this;
        }

        /** The seed few-shot examples are drawn with (lm-eval's {@code --fewshot_random_seed}, 1234). */
        public Builder optFewshotSeed(long seed) {
            fewshotSeed = seed;
            return this;
        }

        /** Bootstrap resamples for standard errors of non-mean aggregations; 0 leaves them out. */
        public Builder optBootstrapIters(int iters) {
            if (iters < 0) {
                throw new IllegalArgumentException("bootstrap iterations must be 0 or more, not " + iters);
            }
            bootstrapIters = iters;
            return this;
        }

        /** Told after each document. */
        public Builder optProgress(Consumer<Progress> listener) {
            progress = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** Checked before each request to the model; when it turns true the stream throws CancellationException. */
        public Builder optCancelled(BooleanSupplier flag) {
            cancelled = Objects.requireNonNull(flag, "flag");
            return this;
        }

        /** The version written into results (the product's version). */
        public Builder optKumikiVersion(String version) {
            kumikiVersion = Objects.requireNonNull(version, "version");
            return this;
        }

        /** The evaluation; it needs at least one task. */
        public Evaluation build() {
            if (tasks.isEmpty()) {
                throw new IllegalStateException("an evaluation needs at least one task");
            }
            return new Evaluation(this);
        }
    }
}
