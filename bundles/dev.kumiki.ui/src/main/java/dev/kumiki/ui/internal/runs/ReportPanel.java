package dev.kumiki.ui.internal.runs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.eclipse.swt.SWT;
import org.eclipse.swt.custom.SashForm;
import org.eclipse.swt.graphics.Color;
import org.eclipse.swt.graphics.GC;
import org.eclipse.swt.graphics.Point;
import org.eclipse.swt.graphics.RGB;
import org.eclipse.swt.graphics.Rectangle;
import org.eclipse.swt.layout.GridData;
import org.eclipse.swt.layout.GridLayout;
import org.eclipse.swt.widgets.Canvas;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Table;
import org.eclipse.swt.widgets.TableColumn;
import org.eclipse.swt.widgets.TableItem;

import dev.kumiki.eval.report.ComparisonTable;

/**
 * The Results view's report tab: a Report node's table as the run wrote it (report.json in its record folder) — a row
 * per model, a column per score, the best of each column in bold — a bar chart per column beside it, and the checks
 * under it. A run with several Report nodes shows the first, and says so.
 */
final class ReportPanel {
    /** The kind whose tables are shown. */
    static final String KIND = "Report";
    private static final RGB BAR = new RGB(66, 105, 208);
    private static final RGB BEST = new RGB(217, 72, 15);

    private final Composite root;
    private final Label title;
    private final Table table;
    private final Canvas chart;
    private final Label checks;
    private ComparisonTable shown;
    private org.eclipse.swt.graphics.Font bold;

    ReportPanel(Composite parent) {
        root = new Composite(parent, SWT.NONE);
        GridLayout layout = new GridLayout(1, false);
        layout.marginWidth = 0;
        layout.marginHeight = 2;
        root.setLayout(layout);
        title = new Label(root, SWT.NONE);
        title.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false));
        SashForm sash = new SashForm(root, SWT.HORIZONTAL);
        sash.setLayoutData(new GridData(SWT.FILL, SWT.FILL, true, true));
        table = new Table(sash, SWT.FULL_SELECTION | SWT.BORDER);
        table.setHeaderVisible(true);
        table.setLinesVisible(true);
        // a table to read, not to pick from: a selected row's colours would hide which value is the best
        table.addListener(SWT.Selection, e -> table.deselectAll());
        chart = new Canvas(sash, SWT.DOUBLE_BUFFERED | SWT.BORDER);
        chart.addPaintListener(e -> paint(e.gc, chart.getClientArea()));
        chart.addListener(SWT.Resize, e -> chart.redraw());
        sash.setWeights(55, 45);
        checks = new Label(root, SWT.WRAP);
        checks.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false));
    }

    Composite control() {
        return root;
    }

    boolean hasData() {
        return shown != null;
    }

    /** The tables of the run's Report nodes that wrote one, in node order. */
    static List<ComparisonTable> tables(RunRecord run) {
        List<ComparisonTable> tables = new ArrayList<>();
        if (run == null) {
            return tables;
        }
        for (RunRecord.NodeRun n : run.nodes()) {
            Path json = run.dir().resolve("nodes").resolve(n.node()).resolve(ComparisonTable.JSON);
            if (n.kind().equals(KIND) && Files.isRegularFile(json)) {
                try {
                    tables.add(ComparisonTable.read(json));
                } catch (IOException e) {
                    // unreadable: the node's summary in the Nodes tab still says what it wrote
                }
            }
        }
        return tables;
    }

    /** Shows the first of {@code tables}, or {@code note} when there is none. */
    void show(List<ComparisonTable> tables, String note) {
        shown = tables.isEmpty() ? null : tables.get(0);
        table.setRedraw(false);
        table.removeAll();
        for (TableColumn c : table.getColumns()) {
            c.dispose();
        }
        if (shown == null) {
            title.setText(note);
            checks.setText("");
        } else {
            title.setText(shown.title() + (tables.size() > 1 ? "   (the first of " + tables.size() + " reports; the "
                    + "others are in their nodes' folders of the run record)" : ""));
            for (String[] row : rows(shown)) {
                if (table.getColumnCount() == 0) {
                    for (int i = 0; i < row.length; i++) {
                        TableColumn c = new TableColumn(table, i == 0 ? SWT.LEFT : SWT.RIGHT);
                        c.setText(row[i]);
                    }
                    continue;
                }
                TableItem item = new TableItem(table, SWT.NONE);
                item.setText(row);
            }
            // the best of each column in bold, as the paper's table marks it
            org.eclipse.swt.graphics.Font bold = boldFont();
            for (int c = 0; c < shown.columns().size(); c++) {
                for (int i = 0; i < shown.rows().size(); i++) {
                    if (shown.isBest(c, i)) {
                        table.getItem(i).setFont(c + 1, bold);
                    }
                }
            }
            for (TableColumn c : table.getColumns()) {
                c.pack();
            }
            checks.setText(checkText(shown));
        }
        table.deselectAll();
        table.setRedraw(true);
        root.layout(true, true);
        chart.redraw();
    }

    private org.eclipse.swt.graphics.Font boldFont() {
        if (bold == null) {
            org.eclipse.swt.graphics.FontData[] data = table.getFont().getFontData();
            for (org.eclipse.swt.graphics.FontData d : data) {
                d.setStyle(SWT.BOLD);
            }
            bold = new org.eclipse.swt.graphics.Font(table.getDisplay(), data);
            table.addListener(SWT.Dispose, e -> bold.dispose());
        }
        return bold;
    }

    /** The table's header (Model and the column labels) and a row of texts per model: {@code 78.5 % ± 2.9}. */
    static List<String[]> rows(ComparisonTable t) {
        List<String[]> rows = new ArrayList<>();
        String[] header = new String[t.columns().size() + 1];
        header[0] = "Model";
        for (int c = 0; c < t.columns().size(); c++) {
            header[c + 1] = t.columns().get(c).label();
        }
        rows.add(header);
        for (ComparisonTable.Row r : t.rows()) {
            String[] row = new String[header.length];
            row[0] = r.label();
            for (int c = 0; c < t.columns().size(); c++) {
                ComparisonTable.Cell cell = r.cells().get(c);
                String se = t.formatStderr(c, cell);
                row[c + 1] = t.format(c, cell) + (se.isEmpty() ? "" : " ± " + se);
            }
            rows.add(row);
        }
        return rows;
    }

    /** The checks, a line each: {@code ✓ base solves some …: base scores 0.2550 on …}. */
    static String checkText(ComparisonTable t) {
        if (t.checks().isEmpty()) {
            return "";
        }
        StringBuilder b = new StringBuilder("Checks:");
        for (ComparisonTable.CheckLine c : t.checks()) {
            b.append("\n").append(c.met() ? "\u2713 met" : "\u2717 NOT MET").append("  ").append(c.name())
                    .append(": ").append(c.text());
        }
        return b.toString();
    }

    /**
     * The models' labels down the left, then a block per column side by side: its label, and a bar per model with its
     * value, the best in another colour. Side by side, the height is that of one column whatever their number.
     */
    private void paint(GC gc, Rectangle area) {
        gc.fillRectangle(area);
        if (shown == null || shown.rows().isEmpty() || shown.columns().isEmpty()) {
            return;
        }
        int line = gc.getFontMetrics().getHeight();
        int labelW = 0;
        for (ComparisonTable.Row r : shown.rows()) {
            labelW = Math.min(Math.max(labelW, gc.textExtent(r.label()).x + 8), area.width / 4);
        }
        int columns = shown.columns().size();
        int blockW = Math.max(40, (area.width - 8 - labelW) / columns);
        int valueW = gc.textExtent("100.0 % ").x;
        int barW = Math.max(10, blockW - valueW - 10);
        Color bar = new Color(gc.getDevice(), BAR);
        Color best = new Color(gc.getDevice(), BEST);
        Color track = new Color(gc.getDevice(), new RGB(240, 240, 240));
        Color background = gc.getBackground();
        int top = 6 + line + 4;
        for (int i = 0; i < shown.rows().size(); i++) {
            gc.drawString(shown.rows().get(i).label(), 8, top + i * line, true);
        }
        for (int c = 0; c < columns; c++) {
            ComparisonTable.Column col = shown.columns().get(c);
            int x = 8 + labelW + c * blockW;
            gc.setClipping(x, 0, blockW - 6, area.height);
            gc.drawString(col.label() + (col.higherIsBetter() ? " \u2191" : " \u2193"), x, 6, true);
            double max = 0;
            for (ComparisonTable.Row r : shown.rows()) {
                ComparisonTable.Cell cell = r.cells().get(c);
                if (cell.present()) {
                    max = Math.max(max, cell.value());
                }
            }
            double scale = col.percent() ? 1 : max <= 0 ? 1 : max;
            for (int i = 0; i < shown.rows().size(); i++) {
                ComparisonTable.Cell cell = shown.rows().get(i).cells().get(c);
                int y = top + i * line;
                gc.setBackground(track);
                gc.fillRectangle(x, y + 2, barW, line - 4);
                if (cell.present()) {
                    gc.setBackground(shown.isBest(c, i) ? best : bar);
                    gc.fillRectangle(x, y + 2, (int) Math.round(Math.max(0, Math.min(1, cell.value() / scale))
                            * barW), line - 4);
                }
                gc.setBackground(background);
                Point p = gc.textExtent(shown.format(c, cell));
                gc.drawString(shown.format(c, cell), x + barW + 4, y + (line - p.y) / 2, true);
            }
            gc.setClipping((Rectangle) null);
        }
        bar.dispose();
        best.dispose();
        track.dispose();
    }

    /** The table's header and rows as shown (for tests). */
    List<List<String>> texts() {
        List<List<String>> rows = new ArrayList<>();
        List<String> header = new ArrayList<>();
        for (TableColumn c : table.getColumns()) {
            header.add(c.getText());
        }
        rows.add(header);
        rows.addAll(ResultsView.rows(table));
        return rows;
    }

    /** The checks' text as shown (for tests). */
    String checks() {
        return checks.getText();
    }
}
