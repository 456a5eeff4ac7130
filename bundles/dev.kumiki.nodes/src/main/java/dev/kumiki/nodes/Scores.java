package dev.kumiki.nodes;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import dev.kumiki.engine.PortSpec;
import dev.kumiki.engine.PortValue;
import dev.kumiki.eval.EvaluationResults;
import dev.kumiki.eval.MetricResult;
import dev.kumiki.eval.TaskResult;

/**
 * An evaluation's scores on a {@link ModelPorts#SCORES} port: per task and metric a value and its standard error, the
 * model's name, and where results.json, the per-sample records and the report were written. What a report, a chart
 * or an evolutionary search reads.
 *
 * @param results the scores, as results.json holds them
 * @param folder  the folder holding the files
 * @param resultsJson {@code results.json}
 * @param samples the per-sample records, one JSONL file per task
 * @param report  the HTML report, when one was written
 */
public record Scores(EvaluationResults results, Path folder, Path resultsJson, List<Path> samples,
        Optional<Path> report) implements PortValue {
    public Scores {
        samples = List.copyOf(samples);
    }

    @Override
    public PortSpec spec() {
        return new Spec(results.tasks().stream().map(t -> new Spec.TaskMetrics(t.task(),
                t.metrics().stream().map(MetricResult::key).distinct().toList())).toList());
    }

    /** Each task's headline score, for a run's summary: {@code ppl_en word_perplexity 312.5 ± 4.1}. */
    @Override
    public String summary() {
        List<String> parts = new ArrayList<>();
        for (TaskResult t : results.tasks()) {
            if (!t.metrics().isEmpty()) {
                MetricResult m = t.primary();
                parts.add(t.task() + " " + m.metric() + (m.filter().equals("none") ? "" : " (" + m.filter() + ")")
                        + " " + number(m.value()) + (Double.isNaN(m.stderr()) ? "" : " ± " + number(m.stderr())));
            }
        }
        return String.join("; ", parts) + " (" + results.tasks().stream().mapToInt(TaskResult::effective).sum()
                + " items)";
    }

    /** Every score as a table: task, metric, filter, value, standard error, and whether higher is better. */
    public String table() {
        return table(results);
    }

    /** {@code results} as a table for a terminal. */
    public static String table(EvaluationResults results) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"task", "metric", "filter", "value", "stderr", "items", "better"});
        for (TaskResult t : results.tasks()) {
            for (MetricResult m : t.metrics()) {
                rows.add(new String[] {t.task(), m.metric(), m.filter(), number(m.value()),
                    Double.isNaN(m.stderr()) ? "N/A" : number(m.stderr()), t.effective() + "/" + t.original(),
                    m.higherIsBetter() ? "higher" : "lower"});
            }
        }
        int[] w = new int[rows.get(0).length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        StringBuilder b = new StringBuilder();
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                boolean right = i == 3 || i == 4 || i == 5;
                String cell = right ? " ".repeat(w[i] - r[i].length()) + r[i] : r[i] + " ".repeat(w[i] - r[i].length());
                line.append(i == 0 ? "" : "  ").append(cell);
            }
            b.append(line.toString().stripTrailing()).append('\n');
        }
        return b.toString();
    }

    /** Four decimals for small numbers, fewer for large ones, powers of ten for huge ones (perplexities). */
    static String number(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return String.valueOf(v);
        }
        double a = Math.abs(v);
        return String.format(Locale.ROOT, a >= 1e6 ? "%.3e" : a >= 1000 ? "%.1f" : a >= 10 ? "%.3f" : "%.4f", v);
    }

    /**
     * What a scores port will carry, known at configure time: the tasks and the {@code metric,filter} keys each
     * reports.
     *
     * @param tasks the tasks, in the order they run
     */
    public record Spec(List<TaskMetrics> tasks) implements PortSpec {
        public Spec {
            tasks = List.copyOf(tasks);
        }

        /** A task and its score keys ({@code acc,none}). */
        public record TaskMetrics(String task, List<String> metrics) {
            public TaskMetrics {
                metrics = List.copyOf(metrics);
            }
        }

        @Override
        public String summary() {
            List<String> parts = new ArrayList<>();
            for (TaskMetrics t : tasks) {
                parts.add(t.task() + " (" + String.join(", ", t.metrics()) + ")");
            }
            return "scores of " + String.join(", ", parts);
        }
    }
}
