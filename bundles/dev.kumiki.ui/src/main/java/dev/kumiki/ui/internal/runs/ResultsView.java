package dev.kumiki.ui.internal.runs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import org.eclipse.jface.dialogs.MessageDialog;
import org.eclipse.jface.viewers.IStructuredSelection;
import org.eclipse.swt.SWT;
import org.eclipse.swt.custom.CTabFolder;
import org.eclipse.swt.custom.CTabItem;
import org.eclipse.swt.custom.SashForm;
import org.eclipse.swt.graphics.Color;
import org.eclipse.swt.graphics.GC;
import org.eclipse.swt.graphics.Point;
import org.eclipse.swt.graphics.RGB;
import org.eclipse.swt.graphics.Rectangle;
import org.eclipse.swt.layout.GridData;
import org.eclipse.swt.layout.GridLayout;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Canvas;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.ProgressBar;
import org.eclipse.swt.widgets.Table;
import org.eclipse.swt.widgets.TableColumn;
import org.eclipse.swt.widgets.TableItem;
import org.eclipse.swt.widgets.Text;
import org.eclipse.ui.ISelectionListener;
import org.eclipse.ui.PartInitException;
import org.eclipse.ui.part.ViewPart;

import com.fasterxml.jackson.databind.JsonNode;

import dev.kumiki.canvas.CanvasSession;
import dev.kumiki.canvas.RunEvent;
import dev.kumiki.engine.NodeState;
import dev.kumiki.eval.EvaluationResults;
import dev.kumiki.eval.MetricResult;
import dev.kumiki.eval.TaskResult;
import dev.kumiki.eval.report.HtmlReport;
import dev.kumiki.ui.internal.prefs.StudioPreferences;

/**
 * What a run produced. Report: a Report node's table (models side by side on the scores it compares, its checks).
 * Scores: every Evaluate node's scores as a table (model, task, metric, value ± standard error)
 * and a bar chart per task with the models side by side; the HTML report of all of them opens from here. Nodes: each
 * node's state, time and output, the selected node's text (a Generate node's generation, else its messages), and a
 * chart of where the time went. Training: the Train nodes' loss curves. Evolution: the EvolveMerge nodes' fitness per
 * generation, best candidate and Pareto front. While a run of the active pipeline goes on, a line above says how far it is (items
 * done of all, tokens/s, as the node reports them) with a button that cancels it. Shows the run selected in Run
 * History, else the latest run of the active pipeline.
 */
public final class ResultsView extends ViewPart {
    public static final String ID = "dev.kumiki.ui.views.results";
    /** Colours of the models in the score chart, and of the nodes in the time chart. */
    static final RGB[] COLORS = {new RGB(47, 111, 222), new RGB(230, 140, 20), new RGB(46, 160, 67),
        new RGB(192, 38, 45), new RGB(122, 79, 208), new RGB(0, 150, 160)};

    private CTabFolder tabs;
    private CTabItem scoresTab;
    private CTabItem nodesTab;
    private Table scoresTable;
    private Canvas scoresChart;
    private Table table;
    private Text text;
    private Label textTitle;
    private Canvas chart;
    private Label progressLabel;
    private ProgressBar progressBar;
    private Button cancel;
    private Button report;
    private RunRecord shown;
    private List<RunRecord.NodeRun> shownNodes = List.of();
    private List<Scored> scored = List.of();
    private TrainingChart training;
    private CTabItem trainingTab;
    private EvolutionChart evolution;
    private CTabItem evolutionTab;
    private ReportPanel reportPanel;
    private CTabItem reportTab;
    private ActivePipeline active;
    private CanvasSession followed;
    /** The latest live event not yet shown: events come faster than the screen needs them. */
    private volatile RunEvent pending;
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final ISelectionListener selectionListener = (part, selection) -> {
        if (selection instanceof IStructuredSelection s && s.getFirstElement() instanceof RunRecord r) {
            show(r);
        }
    };

    /** An Evaluate node's scores with the name its model is shown by (the node added when two share a name). */
    record Scored(String model, RunRecord.NodeScores scores) {
    }

    @Override
    public void createPartControl(Composite parent) {
        Composite root = new Composite(parent, SWT.NONE);
        GridLayout rootLayout = new GridLayout(1, false);
        rootLayout.marginWidth = 0;
        rootLayout.marginHeight = 0;
        rootLayout.verticalSpacing = 2;
        root.setLayout(rootLayout);

        Composite bar = new Composite(root, SWT.NONE);
        bar.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false));
        GridLayout barLayout = new GridLayout(4, false);
        barLayout.marginHeight = 2;
        bar.setLayout(barLayout);
        progressLabel = new Label(bar, SWT.NONE);
        progressLabel.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false));
        progressBar = new ProgressBar(bar, SWT.HORIZONTAL | SWT.SMOOTH);
        progressBar.setMaximum(1000);
        GridData barData = new GridData(SWT.RIGHT, SWT.CENTER, false, false);
        barData.widthHint = 160;
        progressBar.setLayoutData(barData);
        cancel = new Button(bar, SWT.PUSH);
        cancel.setText("Cancel Run");
        cancel.setToolTipText("Stop the running pipeline: the running node stops at its next item and records "
                + "nothing half-done");
        cancel.addListener(SWT.Selection, e -> cancelRun());
        report = new Button(bar, SWT.PUSH);
        report.setText("Open Report");
        report.setToolTipText("The HTML report of this run's scores: a leaderboard of the models and a chart per task");
        report.addListener(SWT.Selection, e -> openReport());
        idle();

        tabs = new CTabFolder(root, SWT.BOTTOM | SWT.FLAT);
        tabs.setLayoutData(new GridData(SWT.FILL, SWT.FILL, true, true));

        SashForm scores = new SashForm(tabs, SWT.HORIZONTAL);
        scoresTable = new Table(scores, SWT.FULL_SELECTION | SWT.BORDER);
        scoresTable.setHeaderVisible(true);
        scoresTable.setLinesVisible(true);
        for (String[] c : new String[][] {{"Model", "150", "l"}, {"Task", "110", "l"}, {"Metric", "170", "l"},
            {"Value", "80", "r"}, {"± Stderr", "80", "r"}, {"Items", "60", "r"}, {"Better", "60", "l"}}) {
            TableColumn column = new TableColumn(scoresTable, c[2].equals("r") ? SWT.RIGHT : SWT.LEFT);
            column.setText(c[0]);
            column.setWidth(Integer.parseInt(c[1]));
        }
        // "Better" is shown beside the metric it qualifies: as the last column it was the first cut off when the
        // view is narrow (the rows keep their order of fields; only the display moves it)
        scoresTable.setColumnOrder(new int[] {0, 1, 2, 6, 3, 4, 5});
        scoresChart = new Canvas(scores, SWT.DOUBLE_BUFFERED | SWT.BORDER);
        scoresChart.addPaintListener(e -> paintScores(e.gc, scoresChart.getClientArea()));
        scoresChart.addListener(SWT.Resize, e -> scoresChart.redraw());
        scores.setWeights(50, 50);
        scoresTab = new CTabItem(tabs, SWT.NONE);
        scoresTab.setText("Scores");
        scoresTab.setControl(scores);

        SashForm nodes = new SashForm(tabs, SWT.HORIZONTAL);
        SashForm left = new SashForm(nodes, SWT.VERTICAL);
        table = new Table(left, SWT.FULL_SELECTION | SWT.BORDER);
        table.setHeaderVisible(true);
        for (String[] c : new String[][] {{"Node", "110"}, {"Kind", "110"}, {"Status", "70"}, {"Time", "70"},
            {"Result", "420"}}) {
            TableColumn column = new TableColumn(table, SWT.NONE);
            column.setText(c[0]);
            column.setWidth(Integer.parseInt(c[1]));
        }
        table.addListener(SWT.Selection, e -> showText());
        Composite textBox = new Composite(left, SWT.NONE);
        GridLayout textLayout = new GridLayout(1, false);
        textLayout.marginWidth = 0;
        textLayout.marginHeight = 2;
        textBox.setLayout(textLayout);
        textTitle = new Label(textBox, SWT.NONE);
        textTitle.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false));
        text = new Text(textBox, SWT.MULTI | SWT.WRAP | SWT.V_SCROLL | SWT.READ_ONLY | SWT.BORDER);
        text.setLayoutData(new GridData(SWT.FILL, SWT.FILL, true, true));
        left.setWeights(55, 45);
        chart = new Canvas(nodes, SWT.DOUBLE_BUFFERED | SWT.BORDER);
        chart.addPaintListener(e -> paint(e.gc, chart.getClientArea()));
        nodes.setWeights(65, 35);
        nodesTab = new CTabItem(tabs, SWT.NONE);
        nodesTab.setText("Nodes");
        nodesTab.setControl(nodes);
        training = new TrainingChart(tabs);
        trainingTab = new CTabItem(tabs, SWT.NONE);
        trainingTab.setText("Training");
        trainingTab.setToolTipText("Training and validation loss per step of the run's Train nodes, live while one "
                + "runs");
        trainingTab.setControl(training.control());
        evolution = new EvolutionChart(tabs);
        evolutionTab = new CTabItem(tabs, SWT.NONE);
        evolutionTab.setText("Evolution");
        evolutionTab.setToolTipText("The EvolveMerge nodes' searches, live while one runs: best and mean fitness per "
                + "generation, the best candidate's parameters, and the Pareto front of a multi-objective search");
        evolutionTab.setControl(evolution.control());
        reportPanel = new ReportPanel(tabs);
        // first: a Report node's table is what the pipeline was written to produce
        reportTab = new CTabItem(tabs, SWT.NONE, 0);
        reportTab.setText("Report");
        reportTab.setToolTipText("The run's Report node: its models side by side on the scores it compares, the best "
                + "of each column in bold, a bar chart per column, and its checks");
        reportTab.setControl(reportPanel.control());
        tabs.setSelection(nodesTab);

        getSite().getWorkbenchWindow().getSelectionService().addSelectionListener(selectionListener);
        active = new ActivePipeline(getSite().getPage(), s -> {
            List<RunRecord> runs = s == null ? List.of() : RunRecord.in(s.baseDir());
            show(runs.isEmpty() ? null : runs.get(0));
            if (s != followed) {
                // another pipeline: the progress line is about its runs now
                followed = s;
                if (s == null || !s.isRunning()) {
                    idle();
                }
            }
        }, this::live);
    }

    /** Shows {@code run} (or nothing). */
    public void show(RunRecord run) {
        if (table.isDisposed()) {
            return;
        }
        shown = run;
        table.removeAll();
        scoresTable.removeAll();
        shownNodes = run == null ? List.of() : run.nodes();
        scored = run == null ? List.of() : scored(run);
        if (run == null) {
            setContentDescription("No run recorded yet: a run's results show here when it ends.");
        } else {
            setContentDescription("Run " + run.id() + ": " + run.status() + " in "
                    + String.format(Locale.ROOT, "%.2f s", run.seconds()));
        }
        for (RunRecord.NodeRun n : shownNodes) {
            TableItem item = new TableItem(table, SWT.NONE);
            item.setText(new String[] {n.node(), n.kind(), n.status(), String.format(Locale.ROOT, "%.2f s",
                    n.seconds()), result(n)});
        }
        for (List<String> row : scoreRows(scored)) {
            new TableItem(scoresTable, SWT.NONE).setText(row.toArray(String[]::new));
        }
        if (!scored.isEmpty()) {
            for (TableColumn c : scoresTable.getColumns()) {
                c.pack();
            }
        }
        // the node whose text is worth reading first: a generation, else the first node
        int first = 0;
        for (int i = 0; i < shownNodes.size(); i++) {
            if (shownNodes.get(i).kind().equals(RunRecord.GENERATE)) {
                first = i;
                break;
            }
        }
        if (!shownNodes.isEmpty()) {
            table.setSelection(first);
        }
        showText();
        report.setEnabled(!scored.isEmpty());
        tabs.setSelection(scored.isEmpty() ? nodesTab : scoresTab);
        Map<String, Map<String, List<dev.kumiki.engine.RunRecords.Point>>> metrics = run == null ? Map.of()
                : run.metrics();
        training.show(metrics, run == null ? "" : "This run trained nothing: its "
                + "training and validation losses show here when it has a Train node that ran.");
        evolution.show(metrics, run == null ? "" : run.status(), run == null ? "" : "This run searched nothing: "
                + "its generations show here when it has an EvolveMerge node that ran.");
        reportPanel.show(ReportPanel.tables(run), run == null ? "" : "This run has no report: add a Report node "
                + "after the Evaluate nodes to compare their models on the scores you choose, as a paper's table.");
        if (reportPanel.hasData()) {
            tabs.setSelection(reportTab);
        } else if (scored.isEmpty() && evolution.hasData()) {
            tabs.setSelection(evolutionTab);
        } else if (scored.isEmpty() && training.hasData()) {
            tabs.setSelection(trainingTab);
        }
        chart.redraw();
        scoresChart.redraw();
    }

    private List<Scored> scored(RunRecord run) {
        CanvasSession s = active == null ? null : active.session();
        Path base = s != null ? s.baseDir() : run.dir().getParent().getParent().getParent();
        List<RunRecord.NodeScores> scores = run.scores(StudioPreferences.runOptions(base).cacheDir());
        Map<String, Integer> names = new LinkedHashMap<>();
        scores.forEach(n -> names.merge(n.results().model(), 1, Integer::sum));
        return scores.stream().map(n -> new Scored(names.get(n.results().model()) > 1 ? n.results().model() + " ("
                + n.node() + ")" : n.results().model(), n)).toList();
    }

    /** The score table's rows: model, task, metric (with its filter), value, standard error, items, better. */
    static List<List<String>> scoreRows(List<Scored> scored) {
        List<List<String>> rows = new ArrayList<>();
        for (Scored s : scored) {
            for (TaskResult t : s.scores().results().tasks()) {
                for (MetricResult m : t.metrics()) {
                    rows.add(List.of(s.model(), t.task(), metricName(m), number(m.value()), Double.isNaN(m.stderr())
                            ? "N/A" : "± " + number(m.stderr()), t.effective() + "/" + t.original(),
                            m.higherIsBetter() ? "higher" : "lower"));
                }
            }
        }
        return rows;
    }

    static String metricName(MetricResult m) {
        return m.filter().equals("none") ? m.metric() : m.metric() + " (" + m.filter() + ")";
    }

    /**
     * Four decimals for small numbers, fewer for large ones (perplexities), as the command line prints them; from a
     * million on four significant digits with an exponent (a random model's word perplexity is 1.506e+11).
     */
    static String number(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return String.valueOf(v);
        }
        double a = Math.abs(v);
        return String.format(Locale.ROOT, a >= 1e6 ? "%.4g" : a >= 1000 ? "%.1f" : a >= 10 ? "%.3f" : "%.4f", v);
    }

    private void showText() {
        int i = table.getSelectionIndex();
        if (shown == null || i < 0 || i >= shownNodes.size()) {
            textTitle.setText("Select a node to read its text.");
            text.setText("");
            return;
        }
        RunRecord.NodeRun n = shownNodes.get(i);
        textTitle.setText(n.kind().equals(RunRecord.GENERATE) ? "Text generated by " + n.node() + ":"
                : "Messages of " + n.node() + " (" + n.kind() + "):");
        text.setText(visible(shown.text(n)));
    }

    /**
     * The text with its control characters (other than line breaks and tabs) shown as Unicode's control pictures
     * (␀, ␇, ␍, …): a small or merged model writes them, and a text widget would drop or act on them.
     */
    static String visible(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 && c != '\n' && c != '\t' ? (char) (0x2400 + c) : c == 0x7f ? '\u2421' : c);
        }
        return b.toString();
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

    // ---- a run as it goes on

    /** An event of the active pipeline's run (on the run's thread): the latest one is shown, the others dropped. */
    private void live(RunEvent event) {
        if (training.event(event)) {
            // the first step of a training: its chart is what the user wants to watch
            Display.getDefault().asyncExec(() -> {
                if (!tabs.isDisposed()) {
                    tabs.setSelection(trainingTab);
                }
            });
        }
        if (evolution.event(event)) {
            // the first generation of a search: the same
            Display.getDefault().asyncExec(() -> {
                if (!tabs.isDisposed()) {
                    tabs.setSelection(evolutionTab);
                }
            });
        }
        if (event instanceof RunEvent.Metric) {
            return;
        }
        if (event instanceof RunEvent.Log) {
            return;
        }
        pending = event;
        if (scheduled.compareAndSet(false, true)) {
            Display display = Display.getDefault();
            if (!display.isDisposed()) {
                display.asyncExec(() -> {
                    scheduled.set(false);
                    RunEvent e = pending;
                    if (e != null && !progressLabel.isDisposed()) {
                        running(e);
                    }
                });
            }
        }
    }

    private void running(RunEvent event) {
        switch (event) {
            case RunEvent.Progress p -> {
                progressLabel.setText("Running " + p.node() + ": " + (p.message() == null || p.message().isEmpty()
                        ? String.format(Locale.ROOT, "%.0f %%", p.fraction() * 100) : p.message()));
                progressBar.setSelection((int) Math.round(Math.max(0, Math.min(1, p.fraction())) * 1000));
                progressBar.setVisible(true);
                cancel.setEnabled(true);
            }
            case RunEvent.NodeStateChanged s -> {
                if (s.state() == NodeState.RUNNING) {
                    progressLabel.setText("Running " + s.node() + "…");
                    progressBar.setSelection(0);
                    progressBar.setVisible(true);
                    cancel.setEnabled(true);
                }
            }
            case RunEvent.Finished f -> {
                idle();
                progressLabel.setText("The last run " + f.status() + " in " + String.format(Locale.ROOT, "%.2f s",
                        f.result().seconds()) + ".");
            }
            case RunEvent.Log l -> { }
            case RunEvent.Metric m -> { }
        }
        progressLabel.getParent().layout();
    }

    private void idle() {
        progressLabel.setText("No run in progress.");
        progressBar.setSelection(0);
        progressBar.setVisible(false);
        cancel.setEnabled(false);
    }

    private void cancelRun() {
        CanvasSession s = active.session();
        if (s != null && s.isRunning()) {
            s.cancel();
            progressLabel.setText("Cancelling…");
            cancel.setEnabled(false);
        }
    }

    /** The score table's column headers as shown, left to right (for tests). */
    public List<String> scoreHeaders() {
        return java.util.Arrays.stream(scoresTable.getColumnOrder()).mapToObj(i -> scoresTable.getColumn(i).getText())
                .toList();
    }

    /** What the progress line says (for tests). */
    public String progress() {
        return progressLabel.getText();
    }

    /** Presses Cancel Run (for tests): true when there was a run to cancel. */
    public boolean pressCancel() {
        boolean enabled = cancel.isEnabled();
        cancel.notifyListeners(SWT.Selection, new org.eclipse.swt.widgets.Event());
        return enabled;
    }

    // ---- the report

    /**
     * Writes the report of every score shown (all models of the run on one leaderboard) into the run's record as
     * report.html, unless it is there already, and opens it in a Studio editor.
     */
    public ReportEditor openReport() {
        if (shown == null || scored.isEmpty()) {
            return null;
        }
        Path file = shown.dir().resolve("report.html");
        try {
            if (!Files.isRegularFile(file)) {
                HtmlReport.write(file, scored.stream().map(s -> named(s)).toList());
            }
            return (ReportEditor) getSite().getPage().openEditor(new ReportEditor.Input(file, "Report of run "
                    + shown.id()), ReportEditor.ID);
        } catch (IOException | PartInitException e) {
            MessageDialog.openError(getSite().getShell(), "Kumiki", "The report of run " + shown.id()
                    + " cannot be shown: " + e.getMessage());
            return null;
        }
    }

    /** The results under the name the Results view shows for the model. */
    private static EvaluationResults named(Scored s) {
        EvaluationResults r = s.scores().results();
        return new EvaluationResults(s.model(), r.date(), r.kumikiVersion(), r.settings(), r.tasks());
    }

    // ---- charts

    /** A bar chart per task of its headline metric, the models side by side, with ±1 standard error. */
    private void paintScores(GC gc, Rectangle area) {
        gc.fillRectangle(area);
        if (scored.isEmpty()) {
            gc.drawString(shown == null ? "" : "This run has no scores: add an Evaluate node to the pipeline.", 8, 6,
                    true);
            return;
        }
        // the tasks in first-seen order, each with the headline metric of the first model that has it
        Map<String, MetricResult> headline = new LinkedHashMap<>();
        for (Scored s : scored) {
            for (TaskResult t : s.scores().results().tasks()) {
                if (!t.metrics().isEmpty()) {
                    headline.putIfAbsent(t.task(), t.primary());
                }
            }
        }
        int lineHeight = gc.getFontMetrics().getHeight();
        // legend: one swatch per model
        int x = 8;
        int y = 6;
        for (int i = 0; i < scored.size(); i++) {
            String name = scored.get(i).model();
            int w = 14 + gc.textExtent(name).x + 16;
            if (x + w > area.width - 8 && x > 8) {
                x = 8;
                y += lineHeight + 2;
            }
            Color c = new Color(COLORS[i % COLORS.length]);
            gc.setBackground(c);
            gc.fillRectangle(x, y + lineHeight / 2 - 5, 10, 10);
            gc.setBackground(scoresChart.getBackground());
            gc.drawString(name, x + 14, y, true);
            x += w;
        }
        int top = y + lineHeight + 8;
        int n = headline.size();
        int columns = Math.max(1, Math.min(n, area.width / 240));
        int rows = (n + columns - 1) / columns;
        int panelWidth = area.width / columns;
        int panelHeight = Math.max(60, (area.height - top) / rows);
        int k = 0;
        for (Map.Entry<String, MetricResult> e : headline.entrySet()) {
            Rectangle panel = new Rectangle(area.x + (k % columns) * panelWidth, top + (k / columns) * panelHeight,
                    panelWidth, panelHeight);
            paintTask(gc, panel, e.getKey(), e.getValue(), lineHeight);
            k++;
        }
    }

    private void paintTask(GC gc, Rectangle panel, String task, MetricResult headline, int lineHeight) {
        gc.setForeground(scoresChart.getDisplay().getSystemColor(SWT.COLOR_BLACK));
        String title = task + " · " + metricName(headline) + (headline.higherIsBetter() ? " (higher is better)"
                : " (lower is better)");
        gc.drawString(title, panel.x + 10, panel.y, true);
        List<Double> values = new ArrayList<>();
        List<Double> errors = new ArrayList<>();
        for (Scored s : scored) {
            MetricResult m = s.scores().results().task(task)
                    .flatMap(t -> t.metric(headline.metric(), headline.filter())).orElse(null);
            values.add(m == null ? Double.NaN : m.value());
            errors.add(m == null || Double.isNaN(m.stderr()) ? 0 : m.stderr());
        }
        double max = 0;
        for (int i = 0; i < values.size(); i++) {
            if (Double.isFinite(values.get(i))) {
                max = Math.max(max, values.get(i) + errors.get(i));
            }
        }
        // scores in [0, 1] on a 0–1 axis, so that models compare at a glance; others up to a round number
        double scale = max <= 1 && !headline.metric().contains("perplexity") ? 1 : niceCeiling(max);
        int axisLabel = gc.textExtent(number(scale)).x;
        int left = panel.x + 14 + axisLabel;
        int right = panel.x + panel.width - 12;
        int plotTop = panel.y + lineHeight + 2 + lineHeight; // room for value labels above the bars
        int bottom = panel.y + panel.height - lineHeight - 10;
        int height = Math.max(10, bottom - plotTop);
        Color grid = new Color(new RGB(225, 225, 225));
        Color axis = scoresChart.getDisplay().getSystemColor(SWT.COLOR_DARK_GRAY);
        for (int g = 0; g <= 4; g++) {
            int gy = bottom - (int) Math.round(height * g / 4.0);
            gc.setForeground(g == 0 ? axis : grid);
            gc.drawLine(left, gy, right, gy);
            gc.setForeground(axis);
            String label = number(scale * g / 4);
            label = g == 0 ? "0" : label;
            Point extent = gc.textExtent(label);
            gc.drawString(label, left - 4 - extent.x, gy - extent.y / 2, true);
        }
        int slots = values.size();
        int slot = Math.max(8, (right - left) / Math.max(1, slots));
        int barWidth = Math.max(6, Math.min(64, slot * 3 / 5));
        for (int i = 0; i < slots; i++) {
            double v = values.get(i);
            int cx = left + slot * i + slot / 2;
            String name = scored.get(i).model();
            Point nameExtent = gc.textExtent(name);
            gc.setForeground(axis);
            gc.drawString(fit(gc, name, slot - 4), cx - Math.min(nameExtent.x, slot - 4) / 2, bottom + 4, true);
            if (!Double.isFinite(v)) {
                gc.drawString("—", cx - gc.textExtent("—").x / 2, bottom - lineHeight - 2, true);
                continue;
            }
            int h = (int) Math.round(height * Math.max(0, v) / scale);
            Color c = new Color(COLORS[i % COLORS.length]);
            gc.setBackground(c);
            gc.fillRectangle(cx - barWidth / 2, bottom - h, barWidth, h);
            gc.setBackground(scoresChart.getBackground());
            double err = errors.get(i);
            int valueTop = bottom - h;
            if (err > 0) {
                int hi = bottom - (int) Math.round(height * Math.min(scale, v + err) / scale);
                int lo = bottom - (int) Math.round(height * Math.max(0, v - err) / scale);
                gc.setForeground(scoresChart.getDisplay().getSystemColor(SWT.COLOR_BLACK));
                gc.drawLine(cx, hi, cx, lo);
                gc.drawLine(cx - 4, hi, cx + 4, hi);
                gc.drawLine(cx - 4, lo, cx + 4, lo);
                valueTop = Math.min(valueTop, hi);
            }
            String label = number(v);
            Point extent = gc.textExtent(label);
            gc.setForeground(scoresChart.getDisplay().getSystemColor(SWT.COLOR_BLACK));
            gc.drawString(label, cx - extent.x / 2, valueTop - extent.y - 1, true);
        }
        gc.setForeground(scoresChart.getDisplay().getSystemColor(SWT.COLOR_BLACK));
    }

    /** The text cut with … to fit {@code width} pixels. */
    private static String fit(GC gc, String s, int width) {
        if (gc.textExtent(s).x <= width) {
            return s;
        }
        String t = s;
        while (t.length() > 1 && gc.textExtent(t + "…").x > width) {
            t = t.substring(0, t.length() - 1);
        }
        return t + "…";
    }

    /** 1, 2, 2.5 or 5 times a power of ten, at least {@code v}. */
    static double niceCeiling(double v) {
        if (!(v > 0) || !Double.isFinite(v)) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * p >= v) {
                return m * p;
            }
        }
        return 10 * p;
    }

    /** Time per node, as horizontal bars. */
    private void paint(GC gc, Rectangle area) {
        gc.fillRectangle(area);
        if (shown == null) {
            return;
        }
        List<RunRecord.NodeRun> nodes = new ArrayList<>(shownNodes);
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

    // ---- for tests

    /** The run shown (for tests). */
    public RunRecord shown() {
        return shown;
    }

    /** The rows of the node table as texts (for tests). */
    public List<List<String>> rows() {
        return rows(table);
    }

    /** The rows of the score table as texts (for tests). */
    public List<List<String>> scoreRows() {
        return rows(scoresTable);
    }

    /** The text area's title and text after selecting the node {@code node} in the node table (for tests). */
    public List<String> selectNode(String node) {
        for (int i = 0; i < shownNodes.size(); i++) {
            if (shownNodes.get(i).node().equals(node)) {
                tabs.setSelection(nodesTab);
                table.setSelection(i);
                table.notifyListeners(SWT.Selection, new org.eclipse.swt.widgets.Event());
                return List.of(textTitle.getText(), text.getText());
            }
        }
        throw new IllegalArgumentException("the run shown has no node " + node);
    }

    /** The points of the training chart's series {@code series} of node {@code node} (for tests). */
    public List<dev.kumiki.engine.RunRecords.Point> trainingPoints(String node, String series) {
        return training.points(node, series);
    }

    /** Whether the Training tab is the one shown (for tests). */
    public boolean showsTraining() {
        return tabs.getSelection() == trainingTab;
    }

    /** Shows the Training tab (for tests and screenshots). */
    public void showTraining() {
        tabs.setSelection(trainingTab);
    }

    /** Whether the Evolution tab is the one shown (for tests). */
    public boolean showsEvolution() {
        return tabs.getSelection() == evolutionTab;
    }

    /** Shows the Evolution tab (for tests and screenshots). */
    public void showEvolution() {
        tabs.setSelection(evolutionTab);
    }

    /** The points of the evolution tab's series {@code series} of node {@code node} (for tests). */
    public List<dev.kumiki.engine.RunRecords.Point> evolutionPoints(String node, String series) {
        return evolution.points(node, series);
    }

    /** The rows of the evolution tab's parameter table: node, model, parameter, layers, value (for tests). */
    public List<List<String>> evolutionParameters() {
        return evolution.parameterRows();
    }

    /** The latest Pareto front of node {@code node} as (first objective, second objective) pairs (for tests). */
    public List<double[]> paretoFront(String node) {
        return evolution.front(node);
    }

    /** What the evolution tab's line above its charts says (for tests). */
    public String evolutionNote() {
        return evolution.note();
    }

    /** Whether the Report tab is the one shown (for tests). */
    public boolean showsReport() {
        return tabs.getSelection() == reportTab;
    }

    /** The Report tab's table: its header (Model and the column labels), then a row per model (for tests). */
    public List<List<String>> reportRows() {
        return reportPanel.texts();
    }

    /** What the Report tab says of the checks (for tests). */
    public String reportChecks() {
        return reportPanel.checks();
    }

    /** Shows the Scores tab (for tests and screenshots). */
    public void showScores() {
        tabs.setSelection(scoresTab);
    }

    static List<List<String>> rows(Table t) {
        List<List<String>> rows = new ArrayList<>();
        for (TableItem item : t.getItems()) {
            List<String> cells = new ArrayList<>();
            for (int i = 0; i < t.getColumnCount(); i++) {
                cells.add(item.getText(i));
            }
            rows.add(cells);
        }
        return rows;
    }

    @Override
    public void setFocus() {
        tabs.setFocus();
    }

    @Override
    public void dispose() {
        getSite().getWorkbenchWindow().getSelectionService().removeSelectionListener(selectionListener);
        active.dispose(getSite().getPage());
        super.dispose();
    }
}
