package dev.kumiki.ui.internal.runs;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.eclipse.jface.viewers.IStructuredSelection;
import org.eclipse.swt.SWT;
import org.eclipse.swt.custom.SashForm;
import org.eclipse.swt.graphics.Color;
import org.eclipse.swt.graphics.GC;
import org.eclipse.swt.graphics.Point;
import org.eclipse.swt.graphics.RGB;
import org.eclipse.swt.graphics.Rectangle;
import org.eclipse.swt.widgets.Canvas;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Table;
import org.eclipse.swt.widgets.TableColumn;
import org.eclipse.swt.widgets.TableItem;
import org.eclipse.ui.ISelectionListener;
import org.eclipse.ui.part.ViewPart;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What a run produced: each node's state, time and output, what SaveModel wrote (tensors, size, GB/s), and a chart
 * of where the time went. Shows the run selected in Run History, else the latest run of the active pipeline.
 */
public final class ResultsView extends ViewPart {
    public static final String ID = "dev.kumiki.ui.views.results";
    private static final RGB[] COLORS = {new RGB(47, 111, 222), new RGB(122, 79, 208), new RGB(46, 160, 67),
        new RGB(209, 138, 0), new RGB(192, 38, 45)};

    private Table table;
    private Canvas chart;
    private RunRecord shown;
    private ActivePipeline active;
    private final ISelectionListener selectionListener = (part, selection) -> {
        if (selection instanceof IStructuredSelection s && s.getFirstElement() instanceof RunRecord r) {
            show(r);
        }
    };

    @Override
    public void createPartControl(Composite parent) {
        SashForm sash = new SashForm(parent, SWT.HORIZONTAL);
        table = new Table(sash, SWT.FULL_SELECTION | SWT.BORDER);
        table.setHeaderVisible(true);
        for (String[] c : new String[][] {{"Node", "110"}, {"Kind", "130"}, {"Status", "70"}, {"Time", "70"},
            {"Result", "420"}}) {
            TableColumn column = new TableColumn(table, SWT.NONE);
            column.setText(c[0]);
            column.setWidth(Integer.parseInt(c[1]));
        }
        chart = new Canvas(sash, SWT.DOUBLE_BUFFERED | SWT.BORDER);
        chart.addPaintListener(e -> paint(e.gc, chart.getClientArea()));
        sash.setWeights(65, 35);
        getSite().getWorkbenchWindow().getSelectionService().addSelectionListener(selectionListener);
        active = new ActivePipeline(getSite().getPage(), s -> {
            List<RunRecord> runs = s == null ? List.of() : RunRecord.in(s.baseDir());
            show(runs.isEmpty() ? null : runs.get(0));
        });
    }

    /** Shows {@code run} (or nothing). */
    public void show(RunRecord run) {
        if (table.isDisposed()) {
            return;
        }
        shown = run;
        table.removeAll();
        if (run == null) {
            setContentDescription("No run yet: run a pipeline to see its results here.");
            chart.redraw();
            return;
        }
        setContentDescription("Run " + run.id() + ": " + run.status() + " in "
                + String.format(Locale.ROOT, "%.2f s", run.seconds()));
        for (RunRecord.NodeRun n : run.nodes()) {
            TableItem item = new TableItem(table, SWT.NONE);
            item.setText(new String[] {n.node(), n.kind(), n.status(), String.format(Locale.ROOT, "%.2f s",
                    n.seconds()), result(n)});
        }
        chart.redraw();
    }

    /** The result column: a SaveModel's summary, else the node's output or last message. */
    static String result(RunRecord.NodeRun n) {
        JsonNode s = n.summary();
        if (s == null) {
            return n.output();
        }
        long bytes = s.path("bytes").asLong();
        return String.format(Locale.ROOT, "%d tensors, %s in %.2f s (%.2f GB/s, %s kernels) → %s",
                s.path("tensors").asInt(), bytes >= 1e9 ? String.format(Locale.ROOT, "%.2f GB", bytes / 1e9)
                        : bytes >= 1e6 ? String.format(Locale.ROOT, "%.1f MB", bytes / 1e6)
                                : String.format(Locale.ROOT, "%.1f kB", bytes / 1e3), s.path("seconds").asDouble(),
                s.path("gb_per_s").asDouble(), s.path("kernels").asText(), s.path("folder").asText());
    }

    /** Time per node, as horizontal bars. */
    private void paint(GC gc, Rectangle area) {
        gc.fillRectangle(area);
        if (shown == null) {
            return;
        }
        List<RunRecord.NodeRun> nodes = new ArrayList<>(shown.nodes());
        double max = nodes.stream().mapToDouble(RunRecord.NodeRun::seconds).max().orElse(0);
        gc.drawString("Time per node", 8, 6, true);
        int label = 0;
        for (RunRecord.NodeRun n : nodes) {
            label = Math.max(label, gc.textExtent(n.node()).x);
        }
        int top = 28;
        int row = Math.max(18, Math.min(28, (area.height - top - 8) / Math.max(1, nodes.size())));
        int left = 12 + label + 8;
        int width = Math.max(10, area.width - left - 80);
        for (int i = 0; i < nodes.size(); i++) {
            RunRecord.NodeRun n = nodes.get(i);
            int y = top + i * row;
            gc.drawString(n.node(), 12, y + 2, true);
            int w = max <= 0 ? 1 : (int) Math.max(1, Math.round(width * n.seconds() / max));
            Color c = new Color(COLORS[i % COLORS.length]);
            gc.setBackground(c);
            gc.fillRectangle(left, y + 3, w, row - 8);
            gc.setBackground(chart.getBackground());
            String t = String.format(Locale.ROOT, "%.2f s", n.seconds());
            Point extent = gc.textExtent(t);
            gc.drawString(t, left + w + 6, y + (row - extent.y) / 2, true);
        }
    }

    /** The run shown (for tests). */
    public RunRecord shown() {
        return shown;
    }

    /** The rows of the table as texts (for tests). */
    public List<List<String>> rows() {
        List<List<String>> rows = new ArrayList<>();
        for (TableItem item : table.getItems()) {
            List<String> cells = new ArrayList<>();
            for (int i = 0; i < table.getColumnCount(); i++) {
                cells.add(item.getText(i));
            }
            rows.add(cells);
        }
        return rows;
    }

    @Override
    public void setFocus() {
        table.setFocus();
    }

    @Override
    public void dispose() {
        getSite().getWorkbenchWindow().getSelectionService().removeSelectionListener(selectionListener);
        active.dispose(getSite().getPage());
        super.dispose();
    }
}
