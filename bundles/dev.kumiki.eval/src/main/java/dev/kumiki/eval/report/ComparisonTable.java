package dev.kumiki.eval.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

import dev.kumiki.eval.EvaluationResults;
import dev.kumiki.eval.MetricResult;
import dev.kumiki.eval.TaskResult;
import dev.kumiki.tensor.io.InputFiles;

/**
 * Models compared on chosen scores, one row a model and one column a score, as papers print them (Sakana's Table 1:
 * model, JA maths, JA skill, EN maths), with the outcome of checks made along the way. Written as JSON
 * ({@value #JSON}), Markdown ({@value #MARKDOWN}) and a self-contained HTML page with a bar chart per column
 * ({@value #HTML}).
 *
 * {@snippet :
 * ComparisonTable t = ComparisonTable.of("Results",
 *         List.of(new ComparisonTable.ColumnSpec("JA maths", "mult_ja", "exact_match,japanese-only", true)),
 *         List.of(new ComparisonTable.Source("base", baseResults), new ComparisonTable.Source("ps", psResults)),
 *         List.of());
 * t.write(folder); // report.json, report.md, report.html
 * }
 *
 * @param title         the table's heading
 * @param columns       the scores compared
 * @param rows          the models, in the order given
 * @param checks        checks made on the way (may be empty)
 * @param kumikiVersion the version that wrote it
 */
public record ComparisonTable(String title, List<Column> columns, List<Row> rows, List<CheckLine> checks,
        String kumikiVersion) {
    public static final String JSON = "report.json";
    public static final String MARKDOWN = "report.md";
    public static final String HTML = "report.html";
    /** In every file written, near its start: a file of the same name without it is not replaced. */
    public static final String MARKER = "Kumiki Report";

    public ComparisonTable {
        Objects.requireNonNull(title, "title");
        columns = List.copyOf(columns);
        rows = List.copyOf(rows);
        checks = List.copyOf(checks);
        for (Row r : rows) {
            if (r.cells().size() != columns.size()) {
                throw new IllegalArgumentException("row " + r.label() + " has " + r.cells().size() + " cells for "
                        + columns.size() + " columns");
            }
        }
    }

    /**
     * A column as asked for: a task and one of its scores.
     *
     * @param label   the heading ({@code JA maths})
     * @param task    the task ({@code mult_ja})
     * @param metric  {@code metric,filter} as results.json names it ({@code exact_match,japanese-only}), or empty
     *                for the task's headline score
     * @param percent whether values (fractions) are shown as percentages
     */
    public record ColumnSpec(String label, String task, String metric, boolean percent) {
        public ColumnSpec {
            Objects.requireNonNull(label, "label");
            Objects.requireNonNull(task, "task");
            metric = metric == null ? "" : metric;
        }
    }

    /** A model's results under the label its row shows. */
    public record Source(String label, EvaluationResults results) {
    }

    /** A column as written: the score's key resolved, and which way is better. */
    public record Column(String label, String task, String metric, boolean percent, boolean higherIsBetter) {
    }

    /** A score; NaN value when the model has none for the column. */
    public record Cell(double value, double stderr, int items) {
        public static final Cell MISSING = new Cell(Double.NaN, Double.NaN, 0);

        public boolean present() {
            return Double.isFinite(value);
        }
    }

    /** A model: its label, the name its results give, and a cell per column. */
    public record Row(String label, String model, List<Cell> cells) {
        public Row {
            cells = List.copyOf(cells);
        }
    }

    /** A check's outcome: its name, whether it was met, and a sentence saying what was compared. */
    public record CheckLine(String name, boolean met, String text) {
    }

    /**
     * The table of {@code sources} on {@code columns}.
     *
     * @throws IllegalArgumentException when a column's score is in none of the sources (a misspelt task or metric:
     *                                  the message names it and what the sources have)
     */
    public static ComparisonTable of(String title, List<ColumnSpec> columns, List<Source> sources,
            List<CheckLine> checks) {
        List<Column> resolved = new ArrayList<>();
        for (ColumnSpec c : columns) {
            MetricResult found = null;
            for (Source s : sources) {
                Optional<MetricResult> m = find(s.results(), c.task(), c.metric());
                if (m.isPresent()) {
                    found = m.get();
                    break;
                }
            }
            if (found == null) {
                throw new IllegalArgumentException("column '" + c.label() + "': no model has " + c.task()
                        + (c.metric().isEmpty() ? "" : " " + c.metric()) + "; they have " + available(sources));
            }
            resolved.add(new Column(c.label(), c.task(), found.key(), c.percent(), found.higherIsBetter()));
        }
        List<Row> rows = new ArrayList<>();
        for (Source s : sources) {
            List<Cell> cells = new ArrayList<>();
            for (Column c : resolved) {
                Optional<TaskResult> t = s.results().task(c.task());
                Optional<MetricResult> m = find(s.results(), c.task(), c.metric());
                cells.add(m.map(x -> new Cell(x.value(), x.stderr(), t.get().effective())).orElse(Cell.MISSING));
            }
            rows.add(new Row(s.label(), s.results().model(), cells));
        }
        String version = sources.isEmpty() ? "" : sources.get(0).results().kumikiVersion();
        return new ComparisonTable(title, resolved, rows, checks, version);
    }

    private static Optional<MetricResult> find(EvaluationResults r, String task, String key) {
        Optional<TaskResult> t = r.task(task);
        if (t.isEmpty() || t.get().metrics().isEmpty()) {
            return Optional.empty();
        }
        if (key.isEmpty()) {
            return Optional.of(t.get().primary());
        }
        return t.get().metrics().stream().filter(m -> m.key().equals(key)).findFirst();
    }

    private static String available(List<Source> sources) {
        Map<String, List<String>> keys = new LinkedHashMap<>();
        for (Source s : sources) {
            for (TaskResult t : s.results().tasks()) {
                List<String> k = keys.computeIfAbsent(t.task(), x -> new ArrayList<>());
                t.metrics().stream().map(MetricResult::key).filter(x -> !k.contains(x)).forEach(k::add);
            }
        }
        if (keys.isEmpty()) {
            return "no scores";
        }
        List<String> parts = new ArrayList<>();
        keys.forEach((t, k) -> parts.add(t + " (" + String.join(", ", k) + ")"));
        return String.join("; ", parts);
    }

    /**
     * The first row with the best value in column {@code c}, or -1 when fewer than two rows have a value or all of
     * them are the same (nothing stands out).
     */
    public int best(int c) {
        int best = -1;
        int present = 0;
        boolean differ = false;
        for (int i = 0; i < rows.size(); i++) {
            Cell cell = rows.get(i).cells().get(c);
            if (!cell.present()) {
                continue;
            }
            present++;
            if (best < 0) {
                best = i;
                continue;
            }
            double b = rows.get(best).cells().get(c).value();
            differ |= cell.value() != b;
            if (columns.get(c).higherIsBetter() ? cell.value() > b : cell.value() < b) {
                best = i;
            }
        }
        return present < 2 || !differ ? -1 : best;
    }

    /** Whether row {@code row} has the best value of column {@code c} (ties are all best; see {@link #best}). */
    public boolean isBest(int c, int row) {
        int best = best(c);
        return best >= 0 && rows.get(row).cells().get(c).present()
                && rows.get(row).cells().get(c).value() == rows.get(best).cells().get(c).value();
    }

    /** {@code cell} as its column shows it: {@code 78.5 %} or {@code 0.105}; a dash when missing. */
    public String format(int c, Cell cell) {
        if (!cell.present()) {
            return "–";
        }
        return columns.get(c).percent() ? String.format(Locale.ROOT, "%.1f %%", cell.value() * 100)
                : number(cell.value());
    }

    /** {@code cell}'s standard error in the column's unit, or empty. */
    public String formatStderr(int c, Cell cell) {
        if (!cell.present() || !Double.isFinite(cell.stderr())) {
            return "";
        }
        return columns.get(c).percent() ? String.format(Locale.ROOT, "%.1f", cell.stderr() * 100)
                : number(cell.stderr());
    }

    static String number(double v) {
        double a = Math.abs(v);
        return String.format(Locale.ROOT, a >= 1e6 ? "%.3e" : a >= 1000 ? "%.1f" : a >= 10 ? "%.2f" : "%.3f", v);
    }

    /** The table in Markdown: a header line, the rows, the best value of each column in bold, then the checks. */
    public String markdown() {
        StringBuilder b = new StringBuilder();
        b.append("<!-- ").append(MARKER).append(": written by a pipeline run; the next run replaces this file -->\n");
        b.append("## ").append(title).append("\n\n| model |");
        for (Column c : columns) {
            b.append(' ').append(md(c.label())).append(" |");
        }
        b.append("\n|---|");
        b.append("---:|".repeat(columns.size()));
        b.append('\n');
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            b.append("| ").append(md(r.label())).append(" |");
            for (int c = 0; c < columns.size(); c++) {
                String v = format(c, r.cells().get(c));
                String se = formatStderr(c, r.cells().get(c));
                b.append(' ').append(isBest(c, i) ? "**" + v + "**" : v).append(se.isEmpty() ? "" : " ± " + se)
                        .append(" |");
            }
            b.append('\n');
        }
        b.append('\n');
        List<String> scores = new ArrayList<>();
        for (Column c : columns) {
            scores.add(c.label() + ": " + c.task() + " " + c.metric() + (c.higherIsBetter() ? ", higher" : ", lower")
                    + " is better" + (c.percent() ? ", in %" : ""));
        }
        b.append("Scores: ").append(md(String.join("; ", scores))).append(". ± one standard error; bold: the best.\n");
        if (!checks.isEmpty()) {
            b.append("\n### Checks\n\n");
            for (CheckLine c : checks) {
                b.append("- ").append(c.met() ? "met" : "**not met**").append(" \u2014 ").append(md(c.name()))
                        .append(": ").append(md(c.text())).append('\n');
            }
        }
        return b.toString();
    }

    private static String md(String s) {
        return s.replace("|", "\\|").replace("\n", " ");
    }

    /** The table as a JSON tree: title, columns, rows (label, model, per column value, stderr, items), checks. */
    public Map<String, Object> toMap() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("generator", MARKER);
        root.put("title", title);
        List<Object> cols = new ArrayList<>();
        for (Column c : columns) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("label", c.label());
            m.put("task", c.task());
            m.put("metric", c.metric());
            m.put("percent", c.percent());
            m.put("higher_is_better", c.higherIsBetter());
            cols.add(m);
        }
        root.put("columns", cols);
        List<Object> rs = new ArrayList<>();
        for (Row r : rows) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("label", r.label());
            m.put("model", r.model());
            List<Object> cells = new ArrayList<>();
            for (Cell c : r.cells()) {
                Map<String, Object> cell = new LinkedHashMap<>();
                cell.put("value", Json.finite(c.value()));
                cell.put("stderr", Json.finite(c.stderr()));
                cell.put("items", c.items());
                cells.add(cell);
            }
            m.put("cells", cells);
            rs.add(m);
        }
        root.put("rows", rs);
        List<Object> cs = new ArrayList<>();
        for (CheckLine c : checks) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", c.name());
            m.put("met", c.met());
            m.put("text", c.text());
            cs.add(m);
        }
        root.put("checks", cs);
        root.put("kumiki_version", kumikiVersion);
        return root;
    }

    /**
     * Writes {@value #JSON}, {@value #MARKDOWN} and {@value #HTML} into {@code folder}, each whole or not at all.
     *
     * @throws IOException when one of them exists and was not written by Kumiki (nothing is written then), or when
     *                     they cannot be written
     */
    public void write(Path folder) throws IOException {
        Optional<String> foreign = foreign(folder);
        if (foreign.isPresent()) {
            throw new IOException(foreign.get());
        }
        java.nio.file.Files.createDirectories(folder);
        AtomicFiles.writeString(folder.resolve(JSON),
                Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(toMap()) + "\n");
        AtomicFiles.writeString(folder.resolve(MARKDOWN), markdown());
        AtomicFiles.writeString(folder.resolve(HTML), html());
    }

    /**
     * Why {@link #write} would refuse {@code folder}: a file of a report's names there that Kumiki did not write (its
     * first kilobytes lack {@value #MARKER}); empty when it may write.
     */
    public static Optional<String> foreign(Path folder) throws IOException {
        for (String name : List.of(JSON, MARKDOWN, HTML)) {
            Path f = folder.resolve(name);
            if (java.nio.file.Files.exists(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                byte[] head = new byte[2048];
                int n = 0;
                if (java.nio.file.Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    try (var in = java.nio.file.Files.newInputStream(f)) {
                        n = in.readNBytes(head, 0, head.length);
                    }
                }
                if (!new String(head, 0, n, java.nio.charset.StandardCharsets.UTF_8).contains(MARKER)) {
                    return Optional.of(f + " exists and was not written by a Kumiki report, so it is not replaced; "
                            + "move it away or write the report to another folder");
                }
            }
        }
        return Optional.empty();
    }

    /** The table {@link #write} wrote as {@value #JSON}. */
    public static ComparisonTable read(Path json) throws IOException {
        JsonNode root = InputFiles.readJson(json, "report");
        if (root == null || !root.path("columns").isArray() || !root.path("rows").isArray()) {
            throw new IOException(json + " is not a report Kumiki wrote: it has no columns and rows");
        }
        List<Column> columns = new ArrayList<>();
        for (JsonNode c : root.path("columns")) {
            columns.add(new Column(c.path("label").asText(), c.path("task").asText(), c.path("metric").asText(),
                    c.path("percent").asBoolean(), c.path("higher_is_better").asBoolean(true)));
        }
        List<Row> rows = new ArrayList<>();
        for (JsonNode r : root.path("rows")) {
            List<Cell> cells = new ArrayList<>();
            for (JsonNode c : r.path("cells")) {
                cells.add(new Cell(c.path("value").isNumber() ? c.path("value").asDouble() : Double.NaN,
                        c.path("stderr").isNumber() ? c.path("stderr").asDouble() : Double.NaN,
                        c.path("items").asInt()));
            }
            rows.add(new Row(r.path("label").asText(), r.path("model").asText(), cells));
        }
        List<CheckLine> checks = new ArrayList<>();
        for (JsonNode c : root.path("checks")) {
            checks.add(new CheckLine(c.path("name").asText(), c.path("met").asBoolean(), c.path("text").asText()));
        }
        try {
            return new ComparisonTable(root.path("title").asText(), columns, rows, checks,
                    root.path("kumiki_version").asText());
        } catch (IllegalArgumentException e) {
            throw new IOException(json + " is not a report Kumiki wrote: " + e.getMessage(), e);
        }
    }

    /**
     * A self-contained page (no scripts, fonts or images from anywhere): the table, a bar chart per column with the
     * models side by side (the best in another colour), and the checks.
     */
    public String html() {
        StringBuilder h = new StringBuilder(8192);
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"generator\" content=\"")
                .append(MARKER).append("\">\n<title>")
                .append(HtmlReport.esc(title)).append("</title>\n<style>\n")
                .append("body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em;color:#222}\n")
                .append("table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:.3em .6em;")
                .append("text-align:right}th:first-child,td:first-child{text-align:left}th{background:#f3f3f3}\n")
                .append(".best{font-weight:bold}.se{color:#777;font-size:.85em}.met{color:#2e7d32}")
                .append(".unmet{color:#c62828;font-weight:bold}\nsvg text{font-size:12px;font-family:inherit}\n")
                .append(".charts{display:flex;flex-wrap:wrap;gap:2em}\n</style>\n</head>\n<body>\n<h1>")
                .append(HtmlReport.esc(title)).append("</h1>\n<table id=\"results\">\n<tr><th>Model</th>");
        for (Column c : columns) {
            h.append("<th>").append(HtmlReport.esc(c.label())).append("<br><span class=\"se\">")
                    .append(HtmlReport.esc(c.task() + " " + c.metric())).append(c.higherIsBetter() ? " ↑" : " ↓")
                    .append("</span></th>");
        }
        h.append("</tr>\n");
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            h.append("<tr><td title=\"").append(HtmlReport.esc(r.model())).append("\">")
                    .append(HtmlReport.esc(r.label())).append("</td>");
            for (int c = 0; c < columns.size(); c++) {
                Cell cell = r.cells().get(c);
                String se = formatStderr(c, cell);
                h.append("<td").append(isBest(c, i) ? " class=\"best\"" : "").append(">")
                        .append(HtmlReport.esc(format(c, cell)))
                        .append(se.isEmpty() ? "" : " <span class=\"se\">± " + HtmlReport.esc(se) + "</span>")
                        .append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</table>\n<p class=\"se\">± one standard error. Bold: the best model in the column. Hover a model ")
                .append("for the name its results give.</p>\n<div class=\"charts\">\n");
        for (int c = 0; c < columns.size(); c++) {
            h.append(chart(c));
        }
        h.append("</div>\n");
        if (!checks.isEmpty()) {
            h.append("<h2>Checks</h2>\n<ul id=\"checks\">\n");
            for (CheckLine c : checks) {
                h.append("<li><span class=\"").append(c.met() ? "met\">met" : "unmet\">not met").append("</span> \u2014 ")
                        .append(HtmlReport.esc(c.name())).append(": ").append(HtmlReport.esc(c.text()))
                        .append("</li>\n");
            }
            h.append("</ul>\n");
        }
        h.append("<p class=\"se\">Written by Kumiki ").append(HtmlReport.esc(kumikiVersion)).append(".</p>\n")
                .append("</body>\n</html>\n");
        return h.toString();
    }

    private String chart(int c) {
        int rowH = 22;
        int labelW = 110;
        int barW = 260;
        int valueW = 90;
        double max = 0;
        for (Row r : rows) {
            Cell cell = r.cells().get(c);
            if (cell.present()) {
                max = Math.max(max, cell.value() + (Double.isFinite(cell.stderr()) ? cell.stderr() : 0));
            }
        }
        double scale = columns.get(c).percent() ? 1 : max <= 0 ? 1 : max;
        StringBuilder s = new StringBuilder("<figure>\n<figcaption>");
        s.append(HtmlReport.esc(columns.get(c).label())).append("</figcaption>\n");
        s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(labelW + barW + valueW)
                .append("\" height=\"").append(rowH * rows.size() + 8).append("\" role=\"img\" aria-label=\"")
                .append(HtmlReport.esc(columns.get(c).label())).append("\">\n");
        for (int i = 0; i < rows.size(); i++) {
            int y = 4 + i * rowH;
            Cell cell = rows.get(i).cells().get(c);
            s.append("<text x=\"0\" y=\"").append(y + 15).append("\">").append(HtmlReport.esc(rows.get(i).label()))
                    .append("</text>\n<rect x=\"").append(labelW).append("\" y=\"").append(y + 2)
                    .append("\" width=\"").append(barW).append("\" height=\"").append(rowH - 6)
                    .append("\" fill=\"#f3f3f3\"/>\n");
            if (cell.present()) {
                double w = Math.max(0, Math.min(1, cell.value() / scale)) * barW;
                s.append("<rect x=\"").append(labelW).append("\" y=\"").append(y + 2).append("\" width=\"")
                        .append(String.format(Locale.ROOT, "%.1f", w)).append("\" height=\"").append(rowH - 6)
                        .append("\" fill=\"").append(isBest(c, i) ? "#d9480f" : "#4269d0").append("\"/>\n");
            }
            s.append("<text x=\"").append(labelW + barW + 6).append("\" y=\"").append(y + 15).append("\">")
                    .append(HtmlReport.esc(format(c, cell))).append("</text>\n");
        }
        return s.append("</svg>\n</figure>\n").toString();
    }
}
