package dev.kumiki.eval.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import dev.kumiki.eval.EvaluationResults;
import dev.kumiki.eval.MetricResult;
import dev.kumiki.eval.TaskResult;

/**
 * A self-contained HTML report of one or more models' results (no scripts, fonts or images from anywhere): a
 * leaderboard with each task's headline score per model, ranked by the average of the headline scores that are
 * higher-is-better, and per task an inline SVG bar chart of every metric with ±1 standard error whiskers.
 */
public final class HtmlReport {
    private static final String[] COLOURS = {"#4269d0", "#efb118", "#ff725c", "#6cc5b0", "#3ca951", "#ff8ab7",
        "#a463f2", "#97bbf5", "#9c6b4e", "#9498a0"};

    private HtmlReport() {
    }

    /** Writes the report of {@code runs} to {@code file} atomically. */
    public static void write(Path file, List<EvaluationResults> runs) throws IOException {
        AtomicFiles.writeString(file, render(runs));
    }

    /** The report of the {@code results.json} files {@code files}. */
    public static void writeFromFiles(Path file, List<Path> files) throws IOException {
        List<EvaluationResults> runs = new ArrayList<>();
        for (Path f : files) {
            runs.add(ResultsJson.read(f));
        }
        write(file, runs);
    }

    /** The report's HTML. */
    public static String render(List<EvaluationResults> runs) {
        if (runs.isEmpty()) {
            throw new IllegalArgumentException("a report needs at least one set of results");
        }
        // the tasks in first-seen order, with the headline metric of the run that first has them
        Map<String, MetricResult> headline = new LinkedHashMap<>();
        Map<String, List<String>> metricKeys = new LinkedHashMap<>();
        for (EvaluationResults r : runs) {
            for (TaskResult t : r.tasks()) {
                if (!t.metrics().isEmpty()) {
                    headline.putIfAbsent(t.task(), t.primary());
                }
                List<String> keys = metricKeys.computeIfAbsent(t.task(), k -> new ArrayList<>());
                for (MetricResult m : t.metrics()) {
                    if (!keys.contains(m.key())) {
                        keys.add(m.key());
                    }
                }
            }
        }
        List<EvaluationResults> ranked = new ArrayList<>(runs);
        ranked.sort(Comparator.comparingDouble((EvaluationResults r) -> {
            double a = average(r, headline);
            return Double.isNaN(a) ? Double.NEGATIVE_INFINITY : -a;
        }));
        StringBuilder h = new StringBuilder(8192);
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<title>Kumiki evaluation report</title>\n<style>\n")
                .append("body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em;color:#222}\n")
                .append("table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:.3em .6em;")
                .append("text-align:right}th:nth-child(2),td:nth-child(2){text-align:left}th{background:#f3f3f3}\n")
                .append(".best{font-weight:bold}.se{color:#777;font-size:.85em}\n")
                .append("svg text{font-size:12px;font-family:inherit}.swatch{display:inline-block;width:.8em;")
                .append("height:.8em;margin-right:.3em}\n</style>\n</head>\n<body>\n")
                .append("<h1>Kumiki evaluation report</h1>\n<p>").append(runs.size())
                .append(runs.size() == 1 ? " model" : " models").append(", ").append(headline.size())
                .append(headline.size() == 1 ? " task" : " tasks").append(".</p>\n");

        h.append("<h2>Leaderboard</h2>\n<table id=\"leaderboard\">\n<tr><th>#</th><th>Model</th><th>Average</th>");
        for (Map.Entry<String, MetricResult> e : headline.entrySet()) {
            h.append("<th>").append(esc(e.getKey())).append("<br><span class=\"se\">")
                    .append(esc(e.getValue().key())).append(e.getValue().higherIsBetter() ? " ↑" : " ↓")
                    .append("</span></th>");
        }
        h.append("</tr>\n");
        int rank = 0;
        for (EvaluationResults r : ranked) {
            rank++;
            h.append("<tr><td>").append(rank).append("</td><td>").append(swatch(runs.indexOf(r)))
                    .append(esc(r.model())).append("</td><td>").append(num(average(r, headline))).append("</td>");
            for (Map.Entry<String, MetricResult> e : headline.entrySet()) {
                Optional<MetricResult> m = find(r, e.getKey(), e.getValue().key());
                boolean best = m.isPresent() && isBest(runs, e.getKey(), m.get());
                h.append("<td").append(best ? " class=\"best\"" : "").append(">")
                        .append(m.map(x -> num(x.value()) + " <span class=\"se\">± " + num(x.stderr()) + "</span>")
                                .orElse("—"))
                        .append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</table>\n<p class=\"se\">Average: the mean of the headline scores that are higher-is-better. ")
                .append("± one standard error. Bold: the best model on the task.</p>\n");

        for (Map.Entry<String, List<String>> e : metricKeys.entrySet()) {
            String task = e.getKey();
            h.append("<h2 id=\"task-").append(esc(task)).append("\">").append(esc(task)).append("</h2>\n");
            for (String key : e.getValue()) {
                h.append(chart(runs, task, key));
            }
        }
        h.append("<p class=\"se\">Written by Kumiki ").append(esc(runs.get(0).kumikiVersion())).append(".</p>\n")
                .append("</body>\n</html>\n");
        return h.toString();
    }

    private static String chart(List<EvaluationResults> runs, String task, String key) {
        int rowH = 22;
        int labelW = 220;
        int barW = 360;
        int valueW = 130;
        List<MetricResult> values = new ArrayList<>();
        double max = 0;
        for (EvaluationResults r : runs) {
            MetricResult m = find(r, task, key).orElse(null);
            values.add(m);
            if (m != null && Double.isFinite(m.value())) {
                max = Math.max(max, m.value() + (Double.isFinite(m.stderr()) ? m.stderr() : 0));
            }
        }
        boolean unit = max <= 1;
        double scale = unit ? 1 : max == 0 ? 1 : max;
        int height = rowH * runs.size() + 8;
        StringBuilder s = new StringBuilder();
        MetricResult any = values.stream().filter(v -> v != null).findFirst().orElse(null);
        s.append("<h3>").append(esc(key)).append(any == null ? "" : any.higherIsBetter() ? " (higher is better)"
                : " (lower is better)").append("</h3>\n");
        s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(labelW + barW + valueW)
                .append("\" height=\"").append(height).append("\" role=\"img\" aria-label=\"")
                .append(esc(task + " " + key)).append("\">\n");
        for (int i = 0; i < runs.size(); i++) {
            int y = 4 + i * rowH;
            MetricResult m = values.get(i);
            s.append("<text x=\"0\" y=\"").append(y + 15).append("\">").append(esc(runs.get(i).model()))
                    .append("</text>\n");
            s.append("<rect x=\"").append(labelW).append("\" y=\"").append(y + 2).append("\" width=\"").append(barW)
                    .append("\" height=\"").append(rowH - 6).append("\" fill=\"#f3f3f3\"/>\n");
            if (m == null || !Double.isFinite(m.value())) {
                s.append("<text x=\"").append(labelW + barW + 6).append("\" y=\"").append(y + 15)
                        .append("\">—</text>\n");
                continue;
            }
            double w = Math.max(0, Math.min(1, m.value() / scale)) * barW;
            s.append("<rect x=\"").append(labelW).append("\" y=\"").append(y + 2).append("\" width=\"")
                    .append(fmt(w)).append("\" height=\"").append(rowH - 6).append("\" fill=\"")
                    .append(COLOURS[i % COLOURS.length]).append("\"/>\n");
            if (Double.isFinite(m.stderr()) && m.stderr() > 0) {
                double lo = labelW + Math.max(0, (m.value() - m.stderr()) / scale) * barW;
                double hi = labelW + Math.min(1, (m.value() + m.stderr()) / scale) * barW;
                int cy = y + rowH / 2 - 1;
                s.append("<path d=\"M").append(fmt(lo)).append(' ').append(cy).append("H").append(fmt(hi))
                        .append("M").append(fmt(lo)).append(' ').append(cy - 4).append("V").append(cy + 4)
                        .append("M").append(fmt(hi)).append(' ').append(cy - 4).append("V").append(cy + 4)
                        .append("\" stroke=\"#222\" fill=\"none\"/>\n");
            }
            s.append("<text x=\"").append(labelW + barW + 6).append("\" y=\"").append(y + 15).append("\">")
                    .append(num(m.value())).append(" ± ").append(num(m.stderr())).append("</text>\n");
        }
        return s.append("</svg>\n").toString();
    }

    private static Optional<MetricResult> find(EvaluationResults r, String task, String key) {
        return r.task(task).flatMap(t -> t.metrics().stream().filter(m -> m.key().equals(key)).findFirst());
    }

    private static boolean isBest(List<EvaluationResults> runs, String task, MetricResult m) {
        if (runs.size() < 2 || !Double.isFinite(m.value())) {
            return false;
        }
        for (EvaluationResults r : runs) {
            Optional<MetricResult> o = find(r, task, m.key());
            if (o.isPresent() && Double.isFinite(o.get().value())
                    && (m.higherIsBetter() ? o.get().value() > m.value() : o.get().value() < m.value())) {
                return false;
            }
        }
        return true;
    }

    /** The mean of {@code r}'s headline scores that are higher-is-better; NaN when there are none. */
    static double average(EvaluationResults r, Map<String, MetricResult> headline) {
        double sum = 0;
        int n = 0;
        for (Map.Entry<String, MetricResult> e : headline.entrySet()) {
            if (!e.getValue().higherIsBetter()) {
                continue;
            }
            Optional<MetricResult> m = find(r, e.getKey(), e.getValue().key());
            if (m.isPresent() && Double.isFinite(m.get().value())) {
                sum += m.get().value();
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    private static String swatch(int i) {
        return "<span class=\"swatch\" style=\"background:" + COLOURS[i % COLOURS.length] + "\"></span>";
    }

    private static String num(double d) {
        return Double.isFinite(d) ? String.format(Locale.ROOT, "%.4f", d) : "N/A";
    }

    private static String fmt(double d) {
        return String.format(Locale.ROOT, "%.1f", d);
    }

    /** Text made safe inside HTML elements and attribute values. */
    static String esc(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }
}
