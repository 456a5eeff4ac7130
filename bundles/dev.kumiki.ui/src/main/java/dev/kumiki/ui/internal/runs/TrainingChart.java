package dev.kumiki.ui.internal.runs;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import org.eclipse.swt.SWT;
import org.eclipse.swt.graphics.Color;
import org.eclipse.swt.graphics.GC;
import org.eclipse.swt.graphics.Point;
import org.eclipse.swt.graphics.RGB;
import org.eclipse.swt.graphics.Rectangle;
import org.eclipse.swt.widgets.Canvas;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Display;

import dev.kumiki.canvas.RunEvent;
import dev.kumiki.engine.NodeState;
import dev.kumiki.engine.RunRecords;

/**
 * The Results view's training chart: per training node, the training loss at every step and the validation loss at
 * every validation, against the step. While a run goes on it grows with each step the node reports
 * ({@link RunEvent.Metric}); for a finished run it shows the series kept in the run record
 * ({@link RunRecords#metrics}).
 */
final class TrainingChart {
    /** The series drawn, in this order and these colours: training loss, validation loss. */
    static final List<String> SERIES = List.of("loss", "val_loss");
    private static final RGB[] COLORS = {new RGB(47, 111, 222), new RGB(230, 140, 20)};

    private final Canvas canvas;
    /** Node → series → points; replaced whole when a run is shown, grown point by point while one runs. */
    private Map<String, Map<String, List<RunRecords.Point>>> data = new LinkedHashMap<>();
    private String note = "";
    private boolean live;
    private final AtomicBoolean redrawScheduled = new AtomicBoolean();

    TrainingChart(Composite parent) {
        canvas = new Canvas(parent, SWT.DOUBLE_BUFFERED | SWT.BORDER);
        canvas.addPaintListener(e -> paint(e.gc, canvas.getClientArea()));
        canvas.addListener(SWT.Resize, e -> canvas.redraw());
    }

    Canvas control() {
        return canvas;
    }

    /** Shows the series of a recorded run (on the UI thread); {@code note} says what is shown when there is none. */
    synchronized void show(Map<String, Map<String, List<RunRecords.Point>>> series, String note) {
        if (live) {
            return; // the run in progress is more interesting than the last one recorded
        }
        data = copy(series);
        this.note = note;
        redraw();
    }

    /**
     * An event of the active pipeline's run, on the run's thread: a new run clears the chart, each metric adds its
     * point. Returns true for the first point of a run (the view brings the chart to the front then).
     */
    boolean event(RunEvent event) {
        boolean first = false;
        synchronized (this) {
            switch (event) {
                case RunEvent.NodeStateChanged s -> {
                    if (!live && s.state() != NodeState.QUEUED) {
                        live = true;
                        data = new LinkedHashMap<>();
                        note = "The run has no training node, or it has not reported a step yet.";
                    }
                }
                case RunEvent.Metric m -> {
                    if (!SERIES.contains(m.name())) {
                        return false;
                    }
                    live = true;
                    first = data.isEmpty();
                    data.computeIfAbsent(m.node(), n -> new LinkedHashMap<>())
                            .computeIfAbsent(m.name(), n -> new ArrayList<>())
                            .add(new RunRecords.Point(m.step(), m.value()));
                }
                case RunEvent.Finished f -> live = false;
                default -> {
                    return false;
                }
            }
        }
        scheduleRedraw();
        return first;
    }

    /** Whether there is anything to draw. */
    synchronized boolean hasData() {
        return !data.isEmpty();
    }

    /** The points of {@code series} of {@code node} shown now (for tests). */
    synchronized List<RunRecords.Point> points(String node, String series) {
        return List.copyOf(data.getOrDefault(node, Map.of()).getOrDefault(series, List.of()));
    }

    private static Map<String, Map<String, List<RunRecords.Point>>> copy(
            Map<String, Map<String, List<RunRecords.Point>>> series) {
        Map<String, Map<String, List<RunRecords.Point>>> out = new LinkedHashMap<>();
        series.forEach((node, s) -> {
            Map<String, List<RunRecords.Point>> m = new LinkedHashMap<>();
            s.forEach((name, points) -> {
                if (SERIES.contains(name)) {
                    m.put(name, new ArrayList<>(points));
                }
            });
            if (!m.isEmpty()) {
                out.put(node, m);
            }
        });
        return out;
    }

    /** Redraws at most ten times a second however fast the steps come. */
    private void scheduleRedraw() {
        if (!redrawScheduled.compareAndSet(false, true)) {
            return;
        }
        Display display = Display.getDefault();
        if (display.isDisposed()) {
            return;
        }
        display.asyncExec(() -> display.timerExec(100, () -> {
            redrawScheduled.set(false);
            redraw();
        }));
    }

    private void redraw() {
        if (!canvas.isDisposed()) {
            canvas.redraw();
        }
    }

    private void paint(GC gc, Rectangle area) {
        Map<String, Map<String, List<RunRecords.Point>>> shown;
        String text;
        synchronized (this) {
            shown = copy(data);
            text = note;
        }
        gc.fillRectangle(area);
        gc.setForeground(canvas.getDisplay().getSystemColor(SWT.COLOR_BLACK));
        if (shown.isEmpty()) {
            gc.drawString(text, 8, 6, true);
            return;
        }
        int n = shown.size();
        int panelHeight = Math.max(80, area.height / n);
        int k = 0;
        for (Map.Entry<String, Map<String, List<RunRecords.Point>>> e : shown.entrySet()) {
            paintNode(gc, new Rectangle(area.x, area.y + k * panelHeight, area.width, panelHeight), e.getKey(),
                    e.getValue());
            k++;
        }
    }

    private void paintNode(GC gc, Rectangle panel, String node, Map<String, List<RunRecords.Point>> series) {
        int lineHeight = gc.getFontMetrics().getHeight();
        Color black = canvas.getDisplay().getSystemColor(SWT.COLOR_BLACK);
        Color axis = canvas.getDisplay().getSystemColor(SWT.COLOR_DARK_GRAY);
        Color grid = new Color(new RGB(225, 225, 225));
        long maxStep = 1;
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (List<RunRecords.Point> points : series.values()) {
            for (RunRecords.Point p : points) {
                maxStep = Math.max(maxStep, p.step());
                if (Double.isFinite(p.value())) {
                    lo = Math.min(lo, p.value());
                    hi = Math.max(hi, p.value());
                }
            }
        }
        if (!(hi >= lo)) {
            lo = 0;
            hi = 1;
        }
        // from a round number below the lowest loss to one above the highest: the curve fills the panel, with as
        // many grid lines as there is room for their labels
        int plotTop = panel.y + 4 + 2 * (lineHeight + 2) + 8;
        int plotBottom = panel.y + panel.height - 2 * lineHeight - 12;
        int lines = Math.max(1, Math.min(4, (plotBottom - plotTop) / (lineHeight + 4)));
        double span = Math.max(1e-6, hi - lo);
        double step = niceStep(span / lines);
        double bottomValue = Math.floor(lo / step) * step;
        double topValue = Math.max(bottomValue + step, Math.ceil(hi / step) * step);

        // title with the latest values, then the legend
        StringBuilder title = new StringBuilder(node);
        for (String s : SERIES) {
            List<RunRecords.Point> points = series.get(s);
            if (points != null && !points.isEmpty()) {
                RunRecords.Point last = points.getLast();
                title.append(String.format(Locale.ROOT, " · %s %.4f", s.equals("loss") ? "loss" : "validation loss",
                        last.value()));
            }
        }
        List<RunRecords.Point> losses = series.getOrDefault("loss", List.of());
        if (!losses.isEmpty()) {
            title.append(" · step ").append(losses.getLast().step());
        }
        gc.setForeground(black);
        gc.drawString(title.toString(), panel.x + 10, panel.y + 4, true);
        int lx = panel.x + 10;
        int ly = panel.y + 4 + lineHeight + 2;
        for (int i = 0; i < SERIES.size(); i++) {
            String label = i == 0 ? "training loss" : "validation loss";
            Color c = new Color(COLORS[i]);
            gc.setForeground(c);
            gc.setLineWidth(2);
            gc.drawLine(lx, ly + lineHeight / 2, lx + 16, ly + lineHeight / 2);
            gc.setLineWidth(1);
            gc.setForeground(black);
            gc.drawString(label, lx + 20, ly, true);
            lx += 20 + gc.textExtent(label).x + 18;
        }
        String widest = label(topValue, step);
        int left = panel.x + 14 + Axes.yTitleWidth(gc) + Math.max(gc.textExtent(widest).x,
                gc.textExtent(label(bottomValue, step)).x);
        int right = panel.x + panel.width - 16;
        int top = ly + lineHeight + 8;
        // under the plot: the step numbers, then the axis' title
        int bottom = panel.y + panel.height - 2 * lineHeight - 12;
        if (bottom - top < 20 || right - left < 20) {
            return;
        }
        gc.setForeground(axis);
        Axes.xTitle(gc, "optimizer step", left, right, bottom + 4 + lineHeight + 2);
        Axes.yTitle(gc, "loss", panel.x + 6, top, bottom);
        for (double v = bottomValue; v <= topValue + step / 2; v += step) {
            int y = yOf(v, bottomValue, topValue, top, bottom);
            gc.setForeground(v == bottomValue ? axis : grid);
            gc.drawLine(left, y, right, y);
            gc.setForeground(axis);
            String label = label(v, step);
            Point extent = gc.textExtent(label);
            gc.drawString(label, left - 4 - extent.x, y - extent.y / 2, true);
        }
        long tick = Math.max(1, (long) niceStep(maxStep / 5.0));
        for (long s = 0; s <= maxStep; s += tick) {
            int x = xOf(s, maxStep, left, right);
            gc.setForeground(axis);
            gc.drawLine(x, bottom, x, bottom + 3);
            String label = Long.toString(s);
            gc.drawString(label, x - gc.textExtent(label).x / 2, bottom + 4, true);
        }

        gc.setAntialias(SWT.ON);
        for (int i = 0; i < SERIES.size(); i++) {
            List<RunRecords.Point> points = series.get(SERIES.get(i));
            if (points == null || points.isEmpty()) {
                continue;
            }
            Color c = new Color(COLORS[i]);
            gc.setForeground(c);
            gc.setBackground(c);
            gc.setLineWidth(i == 0 ? 1 : 2);
            int[] xy = new int[points.size() * 2];
            for (int j = 0; j < points.size(); j++) {
                xy[2 * j] = xOf(points.get(j).step(), maxStep, left, right);
                xy[2 * j + 1] = yOf(points.get(j).value(), bottomValue, topValue, top, bottom);
            }
            if (points.size() > 1) {
                gc.drawPolyline(xy);
            }
            if (i == 1 || points.size() == 1) {
                // validations are few: each one is marked
                for (int j = 0; j < points.size(); j++) {
                    gc.fillOval(xy[2 * j] - 3, xy[2 * j + 1] - 3, 7, 7);
                }
            }
        }
        gc.setLineWidth(1);
        gc.setBackground(canvas.getBackground());
        gc.setForeground(black);
    }

    /** An axis label with as many decimals as the grid step needs (2.5 steps: one). */
    static String label(double v, double step) {
        // 2.5 steps need one decimal, 0.25 steps two
        int decimals = 0;
        while (decimals < 6 && Math.abs(step * Math.pow(10, decimals) - Math.rint(step * Math.pow(10, decimals)))
                > 1e-9 * Math.pow(10, decimals)) {
            decimals++;
        }
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    private static int xOf(long step, long maxStep, int left, int right) {
        return left + (int) Math.round((right - left) * (step / (double) Math.max(1, maxStep)));
    }

    private static int yOf(double v, double bottomValue, double topValue, int top, int bottom) {
        double f = Double.isFinite(v) ? (v - bottomValue) / (topValue - bottomValue) : 1;
        return bottom - (int) Math.round((bottom - top) * Math.max(0, Math.min(1, f)));
    }

    /** 1, 2, 2.5 or 5 times a power of ten, at least {@code v}. */
    static double niceStep(double v) {
        return ResultsView.niceCeiling(v);
    }
}
