package dev.kumiki.ui.internal.runs;

import java.util.List;

import org.eclipse.jface.layout.TableColumnLayout;
import org.eclipse.jface.viewers.ArrayContentProvider;
import org.eclipse.jface.viewers.ColumnLabelProvider;
import org.eclipse.jface.viewers.ColumnWeightData;
import org.eclipse.jface.viewers.StructuredSelection;
import org.eclipse.jface.viewers.TableViewer;
import org.eclipse.jface.viewers.TableViewerColumn;
import org.eclipse.swt.SWT;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.ui.part.ViewPart;

import dev.kumiki.canvas.CanvasSession;

/** The runs of the pipeline being edited, newest first; selecting one shows it in the Results view. */
public final class RunHistoryView extends ViewPart {
    public static final String ID = "dev.kumiki.ui.views.runHistory";

    private TableViewer viewer;
    private ActivePipeline active;

    @Override
    public void createPartControl(Composite parent) {
        Composite table = new Composite(parent, SWT.NONE);
        TableColumnLayout layout = new TableColumnLayout();
        table.setLayout(layout);
        viewer = new TableViewer(table, SWT.SINGLE | SWT.FULL_SELECTION | SWT.BORDER);
        viewer.getTable().setHeaderVisible(true);
        viewer.setContentProvider(ArrayContentProvider.getInstance());
        column(layout, "Run", 30, r -> r.id());
        column(layout, "Status", 15, RunRecord::status);
        column(layout, "Time", 10, r -> String.format("%.2f s", r.seconds()));
        column(layout, "Nodes", 45, r -> String.join(", ", r.nodes().stream().map(n -> n.node() + " " + n.status())
                .toList()));
        getSite().setSelectionProvider(viewer);
        active = new ActivePipeline(getSite().getPage(), this::show);
        show(active.session());
    }

    private void column(TableColumnLayout layout, String title, int weight,
            java.util.function.Function<RunRecord, String> text) {
        TableViewerColumn c = new TableViewerColumn(viewer, SWT.NONE);
        c.getColumn().setText(title);
        layout.setColumnData(c.getColumn(), new ColumnWeightData(weight, 60));
        c.setLabelProvider(new ColumnLabelProvider() {
            @Override
            public String getText(Object element) {
                return text.apply((RunRecord) element);
            }
        });
    }

    private void show(CanvasSession session) {
        if (viewer.getControl().isDisposed()) {
            return;
        }
        List<RunRecord> runs = session == null ? List.of() : RunRecord.in(session.baseDir());
        viewer.setInput(runs);
        if (!runs.isEmpty()) {
            viewer.setSelection(new StructuredSelection(runs.get(0)), true);
        }
        setContentDescription(session == null ? "Open a pipeline to see its runs."
                : runs.size() + " run" + (runs.size() == 1 ? "" : "s") + " recorded in "
                        + session.baseDir().resolve(".kumiki/runs"));
    }

    /** The runs shown, newest first. */
    public List<RunRecord> runs() {
        @SuppressWarnings("unchecked")
        List<RunRecord> runs = (List<RunRecord>) viewer.getInput();
        return runs == null ? List.of() : runs;
    }

    @Override
    public void setFocus() {
        viewer.getControl().setFocus();
    }

    @Override
    public void dispose() {
        active.dispose(getSite().getPage());
        super.dispose();
    }
}
