package dev.kumiki.ui.internal.runs;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;

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
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Table;
import org.eclipse.swt.widgets.TableColumn;
import org.eclipse.swt.widgets.TableItem;

import dev.kumiki.canvas.RunEvent;
import dev.kumiki.engine.NodeState;
import dev.kumiki.engine.RunRecords;

/**
 * The Results view's evolution tab: for each EvolveMerge node, the best and mean fitness per generation, the decoded
 * parameters of the best candidate (per model and per layer group, as a table and as bars) and, for a search with
 * two objectives or more, the latest Pareto front as a scatter plot of the first two. While a run goes on it grows
 * with each generation the node reports ({@link RunEvent.Metric}); for a recorded run it shows the series kept in its
 * record ({@link RunRecords#metrics}).
 *
 * <p>The series, as the node measures them with the generation as the step:
 * <ul>
 * <li>{@code best} and {@code mean}: the best and the mean fitness of the generation's candidates (one objective);
 * {@code best/OBJECTIVE} and {@code mean/OBJECTIVE} for each objective of a multi-objective search;</li>
 * <li>{@code param/NAME}: each decoded parameter of the best candidate so far, named as the search space names it
 * ({@code MODEL/PARAMETER/LAYERS}, e.g. {@code ja/weight/layers 0-3}; a data-flow path's names such as
 * {@code scale[5]} have no model);</li>
 * <li>{@code pareto/OBJECTIVE}: the candidates no other beats on every objective, among all evaluated up to the
 * generation, one record per candidate and objective; the k-th records of each objective in a generation belong to
 * the same candidate.</li>
 * </ul>
 */
final class EvolutionChart {
    static final String BEST = "best";
    static final String MEAN = "mean";
    static final String PARAMETER = "param/";
    static final String PARETO = "pareto/";
    /** What the tab says whatever is shown: a search is never lost to a cancel. */
    static final String RESUME = "The search saves a checkpoint after every generation: Cancel Run (or closing the "
            + "Studio) keeps it, and Run continues the search from the last generation completed instead of starting "
            + "again.";
    private static final RGB[] COLORS = {new RGB(47, 111, 222), new RGB(230, 140, 20), new RGB(46, 160, 67),
        new RGB(192, 38, 45), new RGB(122, 79, 208), new RGB(0, 150, 160)};

    /**
     * A decoded parameter of the best candidate.
     *
     * @param node      the EvolveMerge node
     * @param model     the model it weighs, empty for a data-flow path's parameters
     * @param parameter what it is (weight, density, scale[5], …)
     * @param layers    the group of layers it applies to, empty when it applies to all
     * @param value     its value as decoded (bounds applied)
     */
    record Parameter(String node, String model, String parameter, String layers, double value) {
        /** The parameter {@code name} (without the {@code param/} prefix) of node {@code node}. */
        static Parameter of(String node, String name, double value) {
            String[] parts = name.split("/", 3);
            if (parts.length == 2 && parts[1].startsWith("layers ")) {
                // a parameter the method takes once (slerp's t) in a layer group: no model
                return new Parameter(node, "", parts[0], parts[1], value);
            }
            return switch (parts.length) {
                case 1 -> new Parameter(node, "", parts[0], "", value);
                case 2 -> new Parameter(node, parts[0], parts[1], "", value);
                default -> new Parameter(node, parts[0], parts[1], parts[2], value);
            };
        }
    }

    private final Composite root;
    private final Label note;
    private final Canvas curves;
    private final Table table;
    private final Canvas bars;
    /** Node → series → points; replaced whole when a run is shown, grown point by point while one runs. */
    private Map<String, Map<String, List<RunRecords.Point>>> data = new LinkedHashMap<>();
    private String empty = "";
    private String status = "";
    private boolean live;
    private final AtomicBoolean redrawScheduled = new AtomicBoolean();

    EvolutionChart(Composite parent) {
        root = new Composite(parent, SWT.NONE);
        GridLayout layout = new GridLayout(1, false);
        layout.marginWidth = 0;
        layout.marginHeight = 2;
        root.setLayout(layout);
        note = new Label(root, SWT.WRAP);
        note.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false));
        note.setText(RESUME);
        SashForm split = new SashForm(root, SWT.HORIZONTAL);
        split.setLayoutData(new GridData(SWT.FILL, SWT.FILL, true, true));
        curves = new Canvas(split, SWT.DOUBLE_BUFFERED | SWT.BORDER);
        curves.addPaintListener(e -> paintCurves(e.gc, curves.getClientArea()));
        curves.addListener(SWT.Resize, e -> curves.redraw());
        SashForm right = new SashForm(split, SWT.VERTICAL);
        table = new Table(right, SWT.FULL_SELECTION | SWT.BORDER);
        table.setHeaderVisible(true);
        table.setLinesVisible(true);
        for (String[] c : new String[][] {{"Node", "90"}, {"Model", "90"}, {"Parameter", "90"}, {"Layers", "90"},
            {"Value", "70"}}) {
            TableColumn column = new TableColumn(table, c[0].equals("Value") ? SWT.RIGHT : SWT.LEFT);
            column.setText(c[0]);
            column.setWidth(Integer.parseInt(c[1]));
        }
        bars = new Canvas(right, SWT.DOUBLE_BUFFERED | SWT.BORDER);
        bars.addPaintListener(e -> paintBars(e.gc, bars.getClientArea()));
        bars.addListener(SWT.Resize, e -> bars.redraw());
        right.setWeights(40, 60);
        split.setWeights(58, 42);
    }

    Composite control() {
        return root;
    }

    /** Whether {@code name} is one of the series this tab shows. */
    static boolean isEvolution(String name) {
        return name.equals(BEST) || name.equals(MEAN) || name.startsWith(BEST + "/") || name.startsWith(MEAN + "/")
                || name.startsWith(PARAMETER) || name.startsWith(PARETO);
    }

    /**
     * Shows the series of a recorded run (on the UI thread) whose status is {@code runStatus}; {@code emptyNote} says
     * what is shown when it has none.
     */
    synchronized void show(Map<String, Map<String, List<RunRecords.Point>>> series, String runStatus,
            String emptyNote) {
        if (live) {
            return; // the run in progress is more interesting than the last one recorded
        }
        data = copy(series);
        empty = emptyNote;
        status = data.isEmpty() ? "" : switch (runStatus) {
            case "cancelled", "interrupted", "failed" -> stopped(runStatus, lastGeneration(data));
            case "running" -> "This search is running (generation " + lastGeneration(data) + "). ";
            default -> "";
        };
        redraw();
    }

    /**
     * An event of the active pipeline's run, on the run's thread: a new run clears the tab, each metric adds its
     * point. Returns true for the first point of a run (the view brings the tab to the front then).
     */
    boolean event(RunEvent event) {
        boolean first = false;
        synchronized (this) {
            switch (event) {
                case RunEvent.NodeStateChanged s -> {
                    if (!live && s.state() != NodeState.QUEUED) {
                        live = true;
                        data = new LinkedHashMap<>();
                        empty = "The run has no EvolveMerge node, or its search has not finished a generation yet.";
                        status = "";
                    }
                }
                case RunEvent.Metric m -> {
                    if (!isEvolution(m.name())) {
                        return false;
                    }
                    live = true;
                    first = data.isEmpty();
                    data.computeIfAbsent(m.node(), n -> new LinkedHashMap<>())
                            .computeIfAbsent(m.name(), n -> new ArrayList<>())
                            .add(new RunRecords.Point(m.step(), m.value()));
                    status = "Searching: generation " + lastGeneration(data) + ". ";
                }
                case RunEvent.Finished f -> {
                    live = false;
                    status = data.isEmpty() ? "" : switch (f.status()) {
                        case "cancelled", "failed" -> stopped(f.status(), lastGeneration(data));
                        default -> "";
                    };
                }
                default -> {
                    return false;
                }
            }
        }
        scheduleRedraw();
        return first;
    }

    /** What the line says first about a search that stopped early after {@code generation}. */
    static String stopped(String status, long generation) {
        return "This search was " + status + " after generation " + generation + ": Run continues it with generation "
                + (generation + 1) + ". ";
    }

    /** Whether there is anything to draw. */
    synchronized boolean hasData() {
        return !data.isEmpty();
    }

    /** The points of {@code series} of {@code node} shown now (for tests). */
    synchronized List<RunRecords.Point> points(String node, String series) {
        return List.copyOf(data.getOrDefault(node, Map.of()).getOrDefault(series, List.of()));
    }

    /** The Pareto front of {@code node}'s latest generation as (first objective, second objective) pairs. */
    synchronized List<double[]> front(String node) {
        Map<String, List<RunRecords.Point>> series = data.getOrDefault(node, Map.of());
        List<String> objectives = paretoObjectives(series);
        if (objectives.size() < 2) {
            return List.of();
        }
        TreeMap<Long, List<double[]>> fronts = fronts(series, objectives.get(0), objectives.get(1));
        return fronts.isEmpty() ? List.of() : fronts.lastEntry().getValue();
    }

    /** The parameters table's rows as texts (for tests). */
    List<List<String>> parameterRows() {
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

    /** What the line above the charts says (for tests). */
    String note() {
        return note.getText();
    }

    // ---- the data

    private static Map<String, Map<String, List<RunRecords.Point>>> copy(
            Map<String, Map<String, List<RunRecords.Point>>> series) {
        Map<String, Map<String, List<RunRecords.Point>>> out = new LinkedHashMap<>();
        series.forEach((node, s) -> {
            Map<String, List<RunRecords.Point>> m = new LinkedHashMap<>();
            s.forEach((name, points) -> {
                if (isEvolution(name)) {
                    m.put(name, new ArrayList<>(points));
                }
            });
            if (!m.isEmpty()) {
                out.put(node, m);
            }
        });
        return out;
    }

    private static long lastGeneration(Map<String, Map<String, List<RunRecords.Point>>> data) {
        long last = 0;
        for (Map<String, List<RunRecords.Point>> s : data.values()) {
            for (List<RunRecords.Point> points : s.values()) {
                if (!points.isEmpty()) {
                    last = Math.max(last, points.getLast().step());
                }
            }
        }
        return last;
    }

    /** The objectives of a node's fitness series in the order first reported; "" for a single unnamed one. */
    static List<String> objectives(Map<String, List<RunRecords.Point>> series) {
        List<String> out = new ArrayList<>();
        for (String name : series.keySet()) {
            String objective = name.equals(BEST) || name.equals(MEAN) ? ""
                    : name.startsWith(BEST + "/") ? name.substring(BEST.length() + 1)
                    : name.startsWith(MEAN + "/") ? name.substring(MEAN.length() + 1) : null;
            if (objective != null && !out.contains(objective)) {
                out.add(objective);
            }
        }
        return out;
    }

    private static List<String> paretoObjectives(Map<String, List<RunRecords.Point>> series) {
        return series.keySet().stream().filter(n -> n.startsWith(PARETO)).map(n -> n.substring(PARETO.length()))
                .toList();
    }

    /**
     * The fronts by generation: the k-th record of objective {@code x} in a generation paired with the k-th record of
     * objective {@code y} in the same generation.
     */
    static TreeMap<Long, List<double[]>> fronts(Map<String, List<RunRecords.Point>> series, String x, String y) {
        TreeMap<Long, List<Double>> xs = byGeneration(series.getOrDefault(PARETO + x, List.of()));
        TreeMap<Long, List<Double>> ys = byGeneration(series.getOrDefault(PARETO + y, List.of()));
        TreeMap<Long, List<double[]>> out = new TreeMap<>();
        xs.forEach((generation, a) -> {
            List<Double> b = ys.get(generation);
            if (b != null) {
                List<double[]> points = new ArrayList<>();
                for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
                    points.add(new double[] {a.get(i), b.get(i)});
                }
                out.put(generation, points);
            }
        });
        return out;
    }

    private static TreeMap<Long, List<Double>> byGeneration(List<RunRecords.Point> points) {
        TreeMap<Long, List<Double>> out = new TreeMap<>();
        for (RunRecords.Point p : points) {
            out.computeIfAbsent(p.step(), g -> new ArrayList<>()).add(p.value());
        }
        return out;
    }

    /** The best candidate's parameters: the latest value of every {@code param/} series, node by node. */
    static List<Parameter> parameters(Map<String, Map<String, List<RunRecords.Point>>> data) {
        List<Parameter> out = new ArrayList<>();
        data.forEach((node, series) -> series.forEach((name, points) -> {
            if (name.startsWith(PARAMETER) && !points.isEmpty()) {
                out.add(Parameter.of(node, name.substring(PARAMETER.length()), points.getLast().value()));
            }
        }));
        return out;
    }

    // ---- drawing

    /** Redraws at most ten times a second however fast the candidates come. */
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

    /** Refreshes the line, the table and the charts from the data (UI thread). */
    private void redraw() {
        if (root.isDisposed()) {
            return;
        }
        List<Parameter> parameters;
        String line;
        synchronized (this) {
            parameters = parameters(data);
            line = status + RESUME;
        }
        if (!note.getText().equals(line)) {
            note.setText(line);
            root.layout();
        }
        table.setRedraw(false);
        try {
            table.removeAll();
            for (Parameter p : parameters) {
                new TableItem(table, SWT.NONE).setText(new String[] {p.node(), p.model(), p.parameter(),
                        p.layers().isEmpty() ? "all" : p.layers(), ResultsView.number(p.value())});
            }
        } finally {
            table.setRedraw(true);
        }
        curves.redraw();
        bars.redraw();
    }

    private void paintCurves(GC gc, Rectangle area) {
        Map<String, Map<String, List<RunRecords.Point>>> shown;
        String text;
        synchronized (this) {
            shown = copy(data);
            text = empty;
        }
        gc.fillRectangle(area);
        gc.setForeground(curves.getDisplay().getSystemColor(SWT.COLOR_BLACK));
        if (shown.isEmpty()) {
            gc.drawString(text, 8, 6, true);
            return;
        }
        int panelHeight = Math.max(120, area.height / shown.size());
        int k = 0;
        for (Map.Entry<String, Map<String, List<RunRecords.Point>>> e : shown.entrySet()) {
            Rectangle panel = new Rectangle(area.x, area.y + k * panelHeight, area.width, panelHeight);
            List<String> pareto = paretoObjectives(e.getValue());
            if (pareto.size() >= 2) {
                int fitnessHeight = panel.height * 55 / 100;
                paintFitness(gc, new Rectangle(panel.x, panel.y, panel.width, fitnessHeight), e.getKey(),
                        e.getValue());
                paintPareto(gc, new Rectangle(panel.x, panel.y + fitnessHeight, panel.width,
                        panel.height - fitnessHeight), e.getValue(), pareto.get(0), pareto.get(1));
            } else {
                paintFitness(gc, panel, e.getKey(), e.getValue());
            }
            k++;
        }
    }

    /** Best (thick, marked) and mean (thin) fitness per generation, a colour per objective. */
    private void paintFitness(GC gc, Rectangle panel, String node, Map<String, List<RunRecords.Point>> series) {
        int lineHeight = gc.getFontMetrics().getHeight();
        Color black = curves.getDisplay().getSystemColor(SWT.COLOR_BLACK);
        Color axis = curves.getDisplay().getSystemColor(SWT.COLOR_DARK_GRAY);
        List<String> objectives = objectives(series);
        long firstGeneration = Long.MAX_VALUE;
        long lastGeneration = Long.MIN_VALUE;
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (String o : objectives) {
            for (String s : List.of(seriesName(BEST, o), seriesName(MEAN, o))) {
                for (RunRecords.Point p : series.getOrDefault(s, List.of())) {
                    firstGeneration = Math.min(firstGeneration, p.step());
                    lastGeneration = Math.max(lastGeneration, p.step());
                    if (Double.isFinite(p.value())) {
                        lo = Math.min(lo, p.value());
                        hi = Math.max(hi, p.value());
                    }
                }
            }
        }
        if (firstGeneration > lastGeneration) {
            firstGeneration = 0;
            lastGeneration = 1;
        }
        if (lastGeneration == firstGeneration) {
            lastGeneration = firstGeneration + 1;
        }
        if (!(hi >= lo)) {
            lo = 0;
            hi = 1;
        }

        StringBuilder title = new StringBuilder(node).append(" · fitness per generation");
        for (String o : objectives) {
            List<RunRecords.Point> best = series.getOrDefault(seriesName(BEST, o), List.of());
            if (!best.isEmpty()) {
                title.append(" · best ").append(o.isEmpty() ? "" : o + " ").append(ResultsView.number(
                        best.getLast().value()));
            }
        }
        gc.setForeground(black);
        gc.drawString(title.toString(), panel.x + 10, panel.y + 4, true);
        int lx = panel.x + 10;
        int ly = panel.y + 4 + lineHeight + 2;
        for (int i = 0; i < objectives.size(); i++) {
            String o = objectives.get(i);
            Color c = new Color(COLORS[i % COLORS.length]);
            for (boolean best : new boolean[] {true, false}) {
                String label = (best ? "best" : "mean") + (o.isEmpty() ? "" : " " + o);
                gc.setForeground(c);
                gc.setLineWidth(best ? 2 : 1);
                gc.setLineStyle(best ? SWT.LINE_SOLID : SWT.LINE_DASH);
                gc.drawLine(lx, ly + lineHeight / 2, lx + 16, ly + lineHeight / 2);
                gc.setLineStyle(SWT.LINE_SOLID);
                gc.setLineWidth(1);
                gc.setForeground(black);
                gc.drawString(label, lx + 20, ly, true);
                lx += 20 + gc.textExtent(label).x + 18;
            }
        }

        int top = ly + lineHeight + 8;
        int bottom = panel.y + panel.height - 2 * lineHeight - 12;
        int lines = Math.max(1, Math.min(4, (bottom - top) / (lineHeight + 4)));
        double step = TrainingChart.niceStep(Math.max(1e-6, hi - lo) / lines);
        double bottomValue = Math.floor(lo / step) * step;
        double topValue = Math.max(bottomValue + step, Math.ceil(hi / step) * step);
        int left = panel.x + 14 + Axes.yTitleWidth(gc) + Math.max(gc.textExtent(TrainingChart.label(topValue, step)).x,
                gc.textExtent(TrainingChart.label(bottomValue, step)).x);
        int right = panel.x + panel.width - 16;
        if (bottom - top < 20 || right - left < 20) {
            return;
        }
        gridY(gc, bottomValue, topValue, step, left, right, top, bottom);
        // every generation while there is room for its number, else round steps
        long span = lastGeneration - firstGeneration;
        int room = Math.max(2, Math.min(10, (right - left) / Math.max(24, 2 * gc.textExtent(Long.toString(
                lastGeneration)).x)));
        long tick = Math.max(1, (long) TrainingChart.niceStep(span / (double) room));
        for (long g = (firstGeneration + tick - 1) / tick * tick; g <= lastGeneration; g += tick) {
            int x = xOf(g, firstGeneration, lastGeneration, left, right);
            gc.setForeground(axis);
            gc.drawLine(x, bottom, x, bottom + 3);
            String label = Long.toString(g);
            gc.drawString(label, x - gc.textExtent(label).x / 2, bottom + 4, true);
        }
        Axes.xTitle(gc, "generation", left, right, bottom + 4 + lineHeight + 2);
        Axes.yTitle(gc, objectives.size() > 1 ? "fitness (per objective)" : "fitness", panel.x + 6, top, bottom);

        gc.setAntialias(SWT.ON);
        for (int i = 0; i < objectives.size(); i++) {
            Color c = new Color(COLORS[i % COLORS.length]);
            for (boolean best : new boolean[] {false, true}) {
                List<RunRecords.Point> points = series.getOrDefault(seriesName(best ? BEST : MEAN,
                        objectives.get(i)), List.of());
                if (points.isEmpty()) {
                    continue;
                }
                gc.setForeground(c);
                gc.setBackground(c);
                gc.setLineWidth(best ? 2 : 1);
                gc.setLineStyle(best ? SWT.LINE_SOLID : SWT.LINE_DASH);
                int[] xy = new int[points.size() * 2];
                for (int j = 0; j < points.size(); j++) {
                    xy[2 * j] = xOf(points.get(j).step(), firstGeneration, lastGeneration, left, right);
                    xy[2 * j + 1] = yOf(points.get(j).value(), bottomValue, topValue, top, bottom);
                }
                if (points.size() > 1) {
                    gc.drawPolyline(xy);
                }
                gc.setLineStyle(SWT.LINE_SOLID);
                if (best) {
                    for (int j = 0; j < points.size(); j++) {
                        gc.fillOval(xy[2 * j] - 3, xy[2 * j + 1] - 3, 7, 7);
                    }
                }
            }
        }
        gc.setLineWidth(1);
        gc.setBackground(curves.getBackground());
        gc.setForeground(black);
    }

    /** The latest front (filled) over the earlier generations' fronts (grey), objective against objective. */
    private void paintPareto(GC gc, Rectangle panel, Map<String, List<RunRecords.Point>> series, String x,
            String y) {
        int lineHeight = gc.getFontMetrics().getHeight();
        Color black = curves.getDisplay().getSystemColor(SWT.COLOR_BLACK);
        Color axis = curves.getDisplay().getSystemColor(SWT.COLOR_DARK_GRAY);
        TreeMap<Long, List<double[]>> fronts = fronts(series, x, y);
        gc.setForeground(black);
        if (fronts.isEmpty()) {
            gc.drawString("Pareto front of " + x + " and " + y + ": none reported yet.", panel.x + 10, panel.y + 4,
                    true);
            return;
        }
        double xLo = Double.POSITIVE_INFINITY;
        double xHi = Double.NEGATIVE_INFINITY;
        double yLo = Double.POSITIVE_INFINITY;
        double yHi = Double.NEGATIVE_INFINITY;
        for (List<double[]> front : fronts.values()) {
            for (double[] p : front) {
                if (Double.isFinite(p[0]) && Double.isFinite(p[1])) {
                    xLo = Math.min(xLo, p[0]);
                    xHi = Math.max(xHi, p[0]);
                    yLo = Math.min(yLo, p[1]);
                    yHi = Math.max(yHi, p[1]);
                }
            }
        }
        if (!(xHi >= xLo) || !(yHi >= yLo)) {
            xLo = yLo = 0;
            xHi = yHi = 1;
        }
        List<double[]> latest = fronts.lastEntry().getValue();
        gc.drawString("Pareto front after generation " + fronts.lastKey() + ": " + latest.size() + " candidate"
                + (latest.size() == 1 ? "" : "s") + " no other beats on both objectives (earlier fronts in grey)",
                panel.x + 10, panel.y + 4, true);
        int top = panel.y + 4 + lineHeight + 10;
        int bottom = panel.y + panel.height - 2 * lineHeight - 12;
        int lines = Math.max(1, Math.min(4, (bottom - top) / (lineHeight + 4)));
        double yStep = TrainingChart.niceStep(Math.max(1e-6, yHi - yLo) / lines);
        double yBottom = Math.floor(yLo / yStep) * yStep;
        double yTop = Math.max(yBottom + yStep, Math.ceil(yHi / yStep) * yStep);
        int left = panel.x + 14 + Axes.yTitleWidth(gc) + Math.max(gc.textExtent(TrainingChart.label(yTop, yStep)).x,
                gc.textExtent(TrainingChart.label(yBottom, yStep)).x);
        int right = panel.x + panel.width - 16;
        if (bottom - top < 20 || right - left < 40) {
            return;
        }
        int columns = Math.max(1, Math.min(5, (right - left) / 70));
        double xStep = TrainingChart.niceStep(Math.max(1e-6, xHi - xLo) / columns);
        double xLeft = Math.floor(xLo / xStep) * xStep;
        double xRight = Math.max(xLeft + xStep, Math.ceil(xHi / xStep) * xStep);
        gridY(gc, yBottom, yTop, yStep, left, right, top, bottom);
        for (double v = xLeft; v <= xRight + xStep / 2; v += xStep) {
            int px = xOf(v, xLeft, xRight, left, right);
            gc.setForeground(axis);
            gc.drawLine(px, bottom, px, bottom + 3);
            String label = TrainingChart.label(v, xStep);
            gc.drawString(label, px - gc.textExtent(label).x / 2, bottom + 4, true);
        }
        gc.drawLine(left, top, left, bottom);
        Axes.xTitle(gc, x, left, right, bottom + 4 + lineHeight + 2);
        Axes.yTitle(gc, y, panel.x + 6, top, bottom);

        gc.setAntialias(SWT.ON);
        Color earlier = new Color(new RGB(190, 190, 190));
        gc.setBackground(earlier);
        for (Map.Entry<Long, List<double[]>> e : fronts.headMap(fronts.lastKey()).entrySet()) {
            for (double[] p : e.getValue()) {
                gc.fillOval(xOf(p[0], xLeft, xRight, left, right) - 2, yOf(p[1], yBottom, yTop, top, bottom) - 2, 5,
                        5);
            }
        }
        Color c = new Color(COLORS[0]);
        gc.setForeground(c);
        gc.setBackground(c);
        // the front as a staircase from left to right, so that the trade-off reads as one line
        List<double[]> sorted = new ArrayList<>(latest);
        sorted.sort((a, b) -> Double.compare(a[0], b[0]));
        int[] xy = new int[sorted.size() * 2];
        for (int j = 0; j < sorted.size(); j++) {
            xy[2 * j] = xOf(sorted.get(j)[0], xLeft, xRight, left, right);
            xy[2 * j + 1] = yOf(sorted.get(j)[1], yBottom, yTop, top, bottom);
        }
        if (sorted.size() > 1) {
            gc.drawPolyline(xy);
        }
        for (int j = 0; j < sorted.size(); j++) {
            gc.fillOval(xy[2 * j] - 4, xy[2 * j + 1] - 4, 9, 9);
        }
        gc.setBackground(curves.getBackground());
        gc.setForeground(black);
    }

    /** The best candidate's parameters as bars from zero, grouped by model (and by node when there are several). */
    private void paintBars(GC gc, Rectangle area) {
        List<Parameter> parameters;
        synchronized (this) {
            parameters = parameters(data);
        }
        gc.fillRectangle(area);
        Color black = bars.getDisplay().getSystemColor(SWT.COLOR_BLACK);
        Color axis = bars.getDisplay().getSystemColor(SWT.COLOR_DARK_GRAY);
        gc.setForeground(black);
        if (parameters.isEmpty()) {
            gc.drawString(hasData() ? "No parameters reported yet." : "", 8, 6, true);
            return;
        }
        int lineHeight = gc.getFontMetrics().getHeight();
        boolean nodes = parameters.stream().map(Parameter::node).distinct().count() > 1;
        gc.drawString("Parameters of the best candidate so far", 8, 4, true);
        double max = parameters.stream().mapToDouble(p -> Math.abs(p.value())).filter(Double::isFinite).max()
                .orElse(1);
        double scale = ResultsView.niceCeiling(max);
        boolean negative = parameters.stream().anyMatch(p -> p.value() < 0);
        int label = 0;
        for (Parameter p : parameters) {
            label = Math.max(label, gc.textExtent(barLabel(p)).x);
        }
        int left = 16 + label + 8;
        int right = area.width - 8 - gc.textExtent("-0.0000").x - 6;
        if (right - left < 20) {
            return;
        }
        int zero = negative ? (left + right) / 2 : left;
        int half = negative ? (right - left) / 2 : right - left;
        int row = Math.max(lineHeight + 2, Math.min(lineHeight + 8, (area.height - 2 * lineHeight - 12)
                / Math.max(1, parameters.size() + groups(parameters, nodes))));
        int y = 4 + lineHeight + 6;
        String group = null;
        int colour = -1;
        int drawn = 0;
        for (Parameter p : parameters) {
            String g = (nodes ? p.node() + " · " : "") + (p.model().isEmpty() ? "path" : p.model());
            // a data-flow genome has hundreds of coordinates: as many bars as fit, the table has them all
            if (y + 2 * row + (g.equals(group) ? 0 : row) > area.height && drawn < parameters.size() - 1) {
                gc.setForeground(axis);
                gc.drawString("… and " + (parameters.size() - drawn) + " more in the table above", 16, y, true);
                y += row;
                break;
            }
            drawn++;
            if (!g.equals(group)) {
                group = g;
                colour++;
                gc.setForeground(black);
                gc.drawString(g, 8, y, true);
                y += row;
            }
            gc.setForeground(axis);
            gc.drawString(barLabel(p), 16, y + (row - lineHeight) / 2, true);
            int w = Double.isFinite(p.value()) ? (int) Math.round(half * Math.abs(p.value()) / scale) : 0;
            gc.setBackground(new Color(COLORS[colour % COLORS.length]));
            gc.fillRectangle(p.value() < 0 ? zero - w : zero, y + 3, Math.max(1, w), row - 6);
            gc.setBackground(bars.getBackground());
            String value = ResultsView.number(p.value());
            int vx = p.value() < 0 ? zero + 4 : zero + w + 4;
            gc.setForeground(black);
            gc.drawString(value, vx, y + (row - lineHeight) / 2, true);
            y += row;
        }
        gc.setForeground(axis);
        gc.drawLine(zero, 4 + lineHeight + 6, zero, y);
        gc.setForeground(black);
    }

    private static int groups(List<Parameter> parameters, boolean nodes) {
        return (int) parameters.stream().map(p -> (nodes ? p.node() + "/" : "") + p.model()).distinct().count();
    }

    private static String barLabel(Parameter p) {
        return p.layers().isEmpty() ? p.parameter() : p.parameter() + " · " + p.layers();
    }

    private void gridY(GC gc, double bottomValue, double topValue, double step, int left, int right, int top,
            int bottom) {
        Color axis = curves.getDisplay().getSystemColor(SWT.COLOR_DARK_GRAY);
        Color grid = new Color(new RGB(225, 225, 225));
        for (double v = bottomValue; v <= topValue + step / 2; v += step) {
            int y = yOf(v, bottomValue, topValue, top, bottom);
            gc.setForeground(v == bottomValue ? axis : grid);
            gc.drawLine(left, y, right, y);
            gc.setForeground(axis);
            String label = TrainingChart.label(v, step);
            Point extent = gc.textExtent(label);
            gc.drawString(label, left - 4 - extent.x, y - extent.y / 2, true);
        }
    }

    private static String seriesName(String kind, String objective) {
        return objective.isEmpty() ? kind : kind + "/" + objective;
    }

    private static int xOf(double v, double from, double to, int left, int right) {
        double f = Double.isFinite(v) ? (v - from) / (to - from) : 0;
        return left + (int) Math.round((right - left) * Math.max(0, Math.min(1, f)));
    }

    private static int yOf(double v, double bottomValue, double topValue, int top, int bottom) {
        double f = Double.isFinite(v) ? (v - bottomValue) / (topValue - bottomValue) : 1;
        return bottom - (int) Math.round((bottom - top) * Math.max(0, Math.min(1, f)));
    }
}
