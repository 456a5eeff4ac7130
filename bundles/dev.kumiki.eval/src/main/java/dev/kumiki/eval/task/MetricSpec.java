package dev.kumiki.eval.task;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One entry of {@code metric_list}.
 *
 * @param metric            the metric's name ({@code acc}, {@code exact_match}, or one registered in
 *                          {@link dev.kumiki.eval.Metrics})
 * @param aggregation       how per-sample values are combined ({@code mean}, {@code median}, {@code perplexity},
 *                          {@code weighted_perplexity}, {@code bits_per_byte}); null: the metric's own
 * @param higherIsBetter    null: the metric's own
 * @param ignoreCase        exact_match: compare lower-cased
 * @param ignorePunctuation exact_match: drop ASCII punctuation (Python's {@code string.punctuation}) first
 * @param ignoreNumbers     exact_match: drop digits first
 * @param regexesToIgnore   exact_match: remove these patterns first
 * @param onlyJapanese      Kumiki's extension: a sample scores 0 unless its raw response is Japanese (Sakana's
 *                          {@code acc_ja})
 */
public record MetricSpec(String metric, String aggregation, Boolean higherIsBetter, boolean ignoreCase,
        boolean ignorePunctuation, boolean ignoreNumbers, List<String> regexesToIgnore, boolean onlyJapanese) {

    public MetricSpec {
        Objects.requireNonNull(metric, "metric");
        regexesToIgnore = List.copyOf(regexesToIgnore);
        regexesToIgnore.forEach(Pattern::compile);
    }

    /** The metric with its defaults. */
    public static MetricSpec of(String metric) {
        return new MetricSpec(metric, null, null, false, false, false, List.of(), false);
    }

    /** lm-eval's metrics when a task has no {@code metric_list}. */
    public static List<MetricSpec> defaults(TaskConfig.OutputType type) {
        return switch (type) {
            case LOGLIKELIHOOD -> List.of(of("perplexity"), of("acc"));
            case LOGLIKELIHOOD_ROLLING -> List.of(of("word_perplexity"), of("byte_perplexity"), of("bits_per_byte"));
            case MULTIPLE_CHOICE -> List.of(of("acc"), of("acc_norm"));
            case GENERATE_UNTIL -> List.of(of("exact_match"));
        };
    }
}
