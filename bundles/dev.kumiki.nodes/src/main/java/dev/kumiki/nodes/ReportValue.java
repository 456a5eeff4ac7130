package dev.kumiki.nodes;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.kumiki.engine.PortSpec;
import dev.kumiki.engine.PortValue;
import dev.kumiki.eval.report.ComparisonTable;

/**
 * A Report's table on a {@link ModelPorts#REPORT} port, with the folder its files were written to.
 *
 * @param table  the table
 * @param folder where report.md, report.json and report.html are
 */
public record ReportValue(ComparisonTable table, Path folder) implements PortValue {
    @Override
    public PortSpec spec() {
        return new Spec(table.columns().stream().map(ComparisonTable.Column::label).toList(),
                table.rows().stream().map(ComparisonTable.Row::label).toList());
    }

    /** {@code 8 models × 3 scores; best JA maths: ps 78.5 %; checks: 3 of 4 met}. */
    @Override
    public String summary() {
        List<String> parts = new ArrayList<>();
        parts.add(table.rows().size() + (table.rows().size() == 1 ? " model × " : " models × ") + table.columns().size()
                + (table.columns().size() == 1 ? " score" : " scores"));
        if (!table.columns().isEmpty()) {
            int best = table.best(0);
            if (best >= 0) {
                ComparisonTable.Row r = table.rows().get(best);
                parts.add("best " + table.columns().get(0).label() + ": " + r.label() + " "
                        + table.format(0, r.cells().get(0)));
            }
        }
        if (!table.checks().isEmpty()) {
            parts.add("checks: " + table.checks().stream().filter(ComparisonTable.CheckLine::met).count() + " of "
                    + table.checks().size() + " met");
        }
        return String.join("; ", parts);
    }

    /** What a report port will carry: its columns and rows. */
    public record Spec(List<String> columns, List<String> rows) implements PortSpec {
        public Spec {
            columns = List.copyOf(columns);
            rows = List.copyOf(rows);
        }

        @Override
        public String summary() {
            return "a table of " + rows.size() + " models on " + String.join(", ", columns);
        }
    }
}
