package dev.kumiki.eval;

/**
 * One aggregated score of a task.
 *
 * @param metric         the metric's name ({@code acc})
 * @param filter         the filter pipeline's name ({@code none})
 * @param value          the aggregate
 * @param stderr         its standard error; NaN when there is none (written "N/A", as lm-eval does)
 * @param aggregation    how samples were combined
 * @param higherIsBetter whether a larger value is better
 */
public record MetricResult(String metric, String filter, double value, double stderr, String aggregation,
        boolean higherIsBetter) {

    /** lm-eval's key in {@code results.json}: {@code "acc,none"}. */
    public String key() {
        return metric + "," + filter;
    }
}
