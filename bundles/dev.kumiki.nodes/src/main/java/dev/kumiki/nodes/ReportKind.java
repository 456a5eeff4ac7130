package dev.kumiki.nodes;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.eclipse.emf.ecore.EClass;

import dev.kumiki.engine.ConfigureContext;
import dev.kumiki.engine.ExecuteContext;
import dev.kumiki.engine.Inputs;
import dev.kumiki.engine.NodeKind;
import dev.kumiki.engine.Port;
import dev.kumiki.engine.PortSpec;
import dev.kumiki.engine.PortValue;
import dev.kumiki.eval.report.ComparisonTable;
import dev.kumiki.nodes.settings.NodesPackage;
import dev.kumiki.nodes.settings.Report;
import dev.kumiki.nodes.settings.ReportColumn;

/**
 * Report: models side by side on chosen scores, as a paper's results table, with the checks made on the way; written
 * as Markdown, JSON and HTML. Not cached: it reads the scores the cache keeps and costs milliseconds, so every run
 * writes its own.
 */
public final class ReportKind implements NodeKind<Report> {
    @Override
    public EClass settingsClass() {
        return NodesPackage.Literals.REPORT;
    }

    @Override
    public List<Port> inputs() {
        return List.of(new Port("scores", ModelPorts.SCORES, "the models' scores, a row each, in the order connected",
                false, true),
                new Port("checks", ModelPorts.CHECK, "Check outcomes listed under the table", true, true));
    }

    @Override
    public List<Port> outputs() {
        return List.of(Port.of("report", ModelPorts.REPORT, "the table, written as report.md, report.json and "
                + "report.html"));
    }

    /** The columns asked for; with none, every connected task's headline score. */
    static List<ComparisonTable.ColumnSpec> columns(Report s, List<List<String>> tasksPerInput) {
        List<ComparisonTable.ColumnSpec> columns = new ArrayList<>();
        if (s.getColumns().isEmpty()) {
            tasksPerInput.stream().flatMap(List::stream).distinct()
                    .forEach(t -> columns.add(new ComparisonTable.ColumnSpec(t, t, "", false)));
            return columns;
        }
        for (ReportColumn c : s.getColumns()) {
            String task = c.getTask() == null ? "" : c.getTask().trim();
            String label = c.getLabel() == null || c.getLabel().isBlank() ? task : c.getLabel();
            columns.add(new ComparisonTable.ColumnSpec(label, task, c.getMetric() == null ? "" : c.getMetric().trim(),
                    c.isPercent()));
        }
        return columns;
    }

    @Override
    public Map<String, PortSpec> configure(Report s, Inputs<PortSpec> inputs, ConfigureContext c) {
        List<Inputs.Connected<PortSpec>> scores = inputs.all("scores");
        boolean ok = true;
        if (!s.getRows().isEmpty() && s.getRows().size() != scores.size()) {
            c.error("rows", "rows names " + s.getRows().size() + " models but " + scores.size() + " scores are "
                    + "connected; give a label per connection, in the order they are connected, or none");
            ok = false;
        }
        List<List<String>> tasks = new ArrayList<>();
        for (Inputs.Connected<PortSpec> in : scores) {
            tasks.add(in.value() instanceof Scores.Spec spec
                    ? spec.tasks().stream().map(Scores.Spec.TaskMetrics::task).toList() : List.of());
        }
        List<ComparisonTable.ColumnSpec> columns = columns(s, tasks);
        for (int i = 0; i < columns.size(); i++) {
            ComparisonTable.ColumnSpec col = columns.get(i);
            if (col.task().isEmpty()) {
                c.error("columns", "column " + (i + 1) + " names no task; give each column a task, e.g. "
                        + "{label: JA maths, task: mult_ja, metric: exact_match,japanese-only}");
                ok = false;
                continue;
            }
            List<String> lacking = new ArrayList<>();
            Optional<String> wrongMetric = Optional.empty();
            for (Inputs.Connected<PortSpec> in : scores) {
                Optional<String> p = CheckKind.problem(in.value(), col.task(), col.metric(), in.fromNode());
                if (p.isPresent()) {
                    if (p.get().startsWith(in.fromNode() + " does not evaluate")) {
                        lacking.add(in.fromNode());
                    } else {
                        wrongMetric = p;
                    }
                }
            }
            if (wrongMetric.isPresent()) {
                c.error("columns", "column '" + col.label() + "': " + wrongMetric.get());
                ok = false;
            } else if (!scores.isEmpty() && lacking.size() == scores.size()) {
                c.error("columns", "column '" + col.label() + "': no connected scores have " + col.task() + "; add it "
                        + "to the tasks of the Evaluate nodes or remove the column");
                ok = false;
            } else if (!lacking.isEmpty()) {
                c.warning("columns", "column '" + col.label() + "': " + String.join(", ", lacking) + " do not evaluate "
                        + col.task() + "; their cells stay empty");
            }
        }
        if (s.getPath() != null && !s.getPath().isBlank()) {
            try {
                ComparisonTable.foreign(c.resolve(s.getPath())).ifPresent(p -> c.error("path", p));
            } catch (IOException e) {
                c.error("path", c.resolve(s.getPath()) + " cannot be read: " + e.getMessage());
            }
        }
        if (!ok) {
            return Map.of();
        }
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < scores.size(); i++) {
            rows.add(s.getRows().isEmpty() ? scores.get(i).fromNode() : s.getRows().get(i));
        }
        return Map.of("report", new ReportValue.Spec(columns.stream().map(ComparisonTable.ColumnSpec::label).toList(),
                rows));
    }

    @Override
    public Map<String, PortValue> execute(Report s, Inputs<PortValue> inputs, ExecuteContext c) throws IOException {
        List<Inputs.Connected<PortValue>> scores = inputs.all("scores");
        List<ComparisonTable.Source> sources = new ArrayList<>();
        List<List<String>> tasks = new ArrayList<>();
        for (int i = 0; i < scores.size(); i++) {
            Scores sc = (Scores) scores.get(i).value();
            sources.add(new ComparisonTable.Source(s.getRows().isEmpty() ? sc.results().model() : s.getRows().get(i),
                    sc.results()));
            tasks.add(sc.results().tasks().stream().map(t -> t.task()).toList());
        }
        List<ComparisonTable.CheckLine> checks = new ArrayList<>();
        for (Inputs.Connected<PortValue> in : inputs.all("checks")) {
            CheckValue v = (CheckValue) in.value();
            checks.add(new ComparisonTable.CheckLine(v.name(), v.met(), v.text()));
        }
        ComparisonTable table;
        try {
            table = ComparisonTable.of(s.getTitle() == null ? "Results" : s.getTitle(), columns(s, tasks), sources,
                    checks);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
        Path record = c.recordDir();
        table.write(record);
        Path folder = record;
        if (s.getPath() != null && !s.getPath().isBlank()) {
            folder = c.resolve(s.getPath());
            table.write(folder);
        }
        c.log("wrote " + folder.resolve(ComparisonTable.MARKDOWN) + ", " + ComparisonTable.JSON + " and "
                + ComparisonTable.HTML + ":\n" + table.markdown());
        return Map.of("report", new ReportValue(table, folder));
    }
}
