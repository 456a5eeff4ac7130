package dev.kumiki.eval;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

import dev.kumiki.eval.metrics.JapaneseMetrics;
import dev.kumiki.eval.metrics.TextMetric;
import dev.kumiki.eval.task.TaskConfig;
import dev.kumiki.eval.task.TaskConfig.OutputType;
import dev.kumiki.tensor.io.Names;

/**
 * The metrics a task's {@code metric_list} may name: the built-in ones of lm-evaluation-harness ({@code acc},
 * {@code acc_norm}, {@code exact_match}, {@code perplexity}, {@code word_perplexity}, {@code byte_perplexity},
 * {@code bits_per_byte}) and any {@link TextMetric} registered by name for {@code generate_until} tasks
 * ({@code char_f1}, {@code rouge_l}, …). The Japanese metrics of {@link JapaneseMetrics#all()} and its language
 * check ({@code only_japanese}) are registered from the start; register others before tasks are added to an
 * evaluation (which checks the names):
 * {@snippet :
 * Metrics.register("my_metric", (prediction, reference) -> prediction.contains(reference) ? 1 : 0);
 * }
 */
public final class Metrics {
    private static final Map<String, TextMetric> TEXT = new ConcurrentHashMap<>();
    private static volatile Predicate<String> japanese;

    /** Built-in metrics and the output types they apply to. */
    private static final Map<String, Set<OutputType>> BUILT_IN = Map.of(
            "acc", Set.of(OutputType.MULTIPLE_CHOICE, OutputType.LOGLIKELIHOOD),
            "acc_norm", Set.of(OutputType.MULTIPLE_CHOICE),
            "exact_match", Set.of(OutputType.MULTIPLE_CHOICE, OutputType.GENERATE_UNTIL),
            "perplexity", Set.of(OutputType.LOGLIKELIHOOD),
            "word_perplexity", Set.of(OutputType.LOGLIKELIHOOD_ROLLING),
            "byte_perplexity", Set.of(OutputType.LOGLIKELIHOOD_ROLLING),
            "bits_per_byte", Set.of(OutputType.LOGLIKELIHOOD_ROLLING));

    static {
        TEXT.putAll(JapaneseMetrics.all());
        japanese = JapaneseMetrics.isJapanese();
    }

    private Metrics() {
    }

    /**
     * Makes {@code metric} available to {@code generate_until} tasks as {@code name} (averaged over samples, higher is
     * better unless the task says otherwise). A built-in name cannot be replaced; registering a name again replaces
     * the earlier metric.
     */
    public static void register(String name, TextMetric metric) {
        Objects.requireNonNull(metric, "metric");
        if (name == null || name.isBlank() || name.contains(",")) {
            throw new IllegalArgumentException("a metric name is a plain word, not '" + name + "'");
        }
        if (BUILT_IN.containsKey(name)) {
            throw new IllegalArgumentException("'" + name + "' is a built-in metric and cannot be replaced");
        }
        TEXT.put(name, metric);
    }

    /** The text metric registered as {@code name}. */
    public static Optional<TextMetric> text(String name) {
        return Optional.ofNullable(TEXT.get(name));
    }

    /** All metric names, built-in and registered, sorted. */
    public static Set<String> names() {
        Set<String> s = new TreeSet<>(BUILT_IN.keySet());
        s.addAll(TEXT.keySet());
        return s;
    }

    /** The names that apply to {@code type}, sorted. */
    public static Set<String> names(OutputType type) {
        Set<String> s = new TreeSet<>();
        BUILT_IN.forEach((k, v) -> {
            if (v.contains(type)) {
                s.add(k);
            }
        });
        if (type == OutputType.GENERATE_UNTIL) {
            s.addAll(TEXT.keySet());
        }
        return s;
    }

    /**
     * Sets the test behind the {@code only_japanese} metric option: true when a response is written in Japanese.
     * The metrics package provides it ({@code JapaneseText::isJapanese}).
     */
    public static void setJapaneseCheck(Predicate<String> check) {
        japanese = Objects.requireNonNull(check, "check");
    }

    /** The Japanese-language check, if one is set. */
    public static Optional<Predicate<String>> japaneseCheck() {
        return Optional.ofNullable(japanese);
    }

    /** Whether {@code name} can score a task of {@code type}. */
    public static boolean appliesTo(String name, OutputType type) {
        Set<OutputType> types = BUILT_IN.get(name);
        return types != null ? types.contains(type) : type == OutputType.GENERATE_UNTIL && TEXT.containsKey(name);
    }

    /** lm-eval's aggregation of {@code metric} when the task names none. */
    public static String defaultAggregation(String metric) {
        return switch (metric) {
            case "perplexity" -> "perplexity";
            case "word_perplexity", "byte_perplexity" -> "weighted_perplexity";
            case "bits_per_byte" -> "bits_per_byte";
            default -> "mean";
        };
    }

    /** lm-eval's {@code higher_is_better} of {@code metric} when the task does not say. */
    public static boolean defaultHigherIsBetter(String metric) {
        return !List.of("perplexity", "word_perplexity", "byte_perplexity", "bits_per_byte").contains(metric);
    }

    /** Checks that every metric of {@code task} exists and applies to its output type; null when all do. */
    public static String problem(TaskConfig task) {
        for (var m : task.metricList()) {
            String name = m.metric();
            if (!BUILT_IN.containsKey(name) && !TEXT.containsKey(name)) {
                return "unknown metric '" + name + "'" + Names.nearest(name, names())
                        .map(s -> "; did you mean '" + s + "'?").orElse("") + " (Kumiki has "
                        + String.join(", ", names()) + ")";
            }
            if (!appliesTo(name, task.outputType())) {
                return "the metric '" + name + "' does not apply to output_type " + task.outputType().yamlName()
                        + " (it has " + String.join(", ", names(task.outputType())) + ")";
            }
            if (m.onlyJapanese() && task.outputType() != OutputType.GENERATE_UNTIL) {
                return "only_japanese (of metric '" + name + "') needs generated answers: output_type "
                        + "generate_until";
            }
            if (m.onlyJapanese() && japanese == null) {
                return "only_japanese (of metric '" + name + "') needs the Japanese-language check, which is not "
                        + "installed (Metrics.setJapaneseCheck)";
            }
        }
        return null;
    }
}
