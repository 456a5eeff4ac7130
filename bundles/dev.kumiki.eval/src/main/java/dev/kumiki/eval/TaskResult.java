package dev.kumiki.eval;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A task's scores.
 *
 * @param task       the task's name
 * @param alias      the name shown in reports
 * @param version    {@code metadata.version}
 * @param numFewshot few-shot examples per prompt
 * @param original   documents in the evaluated split
 * @param effective  documents evaluated (after {@code --limit})
 * @param metrics    the scores, in metric_list order then filter order
 * @param config     the task's configuration as written into results.json
 */
public record TaskResult(String task, String alias, double version, int numFewshot, int original, int effective,
        List<MetricResult> metrics, Map<String, Object> config) {

    public TaskResult {
        metrics = List.copyOf(metrics);
        config = Collections.unmodifiableMap(new LinkedHashMap<>(config));
    }

    /** The score {@code metric} under filter {@code filter}. */
    public Optional<MetricResult> metric(String metric, String filter) {
        return metrics.stream().filter(m -> m.metric().equals(metric) && m.filter().equals(filter)).findFirst();
    }

    /** The task's headline score: its first metric under its first filter. */
    public MetricResult primary() {
        return metrics.get(0);
    }
}
