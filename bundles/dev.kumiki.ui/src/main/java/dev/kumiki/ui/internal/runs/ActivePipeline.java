package dev.kumiki.ui.internal.runs;

import java.util.function.Consumer;

import org.eclipse.swt.widgets.Display;
import org.eclipse.ui.IPartListener2;
import org.eclipse.ui.IWorkbenchPage;
import org.eclipse.ui.IWorkbenchPart;
import org.eclipse.ui.IWorkbenchPartReference;

import dev.kumiki.canvas.CanvasSession;
import dev.kumiki.canvas.RunEvent;
import dev.kumiki.ui.internal.editor.PipelineEditor;

/**
 * Follows the pipeline editor the user works in, for views that show its runs: calls back with its session when
 * another pipeline editor becomes active and whenever a run of it finishes; hands every event of its runs to a view
 * that shows them as they happen (on the run's thread).
 */
final class ActivePipeline implements IPartListener2 {
    private final Consumer<CanvasSession> onChange;
    private final Consumer<RunEvent> live;
    private final Consumer<RunEvent> runs = this::event;
    private volatile CanvasSession session;

    ActivePipeline(IWorkbenchPage page, Consumer<CanvasSession> onChange) {
        this(page, onChange, e -> { });
    }

    ActivePipeline(IWorkbenchPage page, Consumer<CanvasSession> onChange, Consumer<RunEvent> live) {
        this.onChange = onChange;
        this.live = live;
        page.addPartListener(this);
        if (page.getActiveEditor() instanceof PipelineEditor e) {
            follow(e.session());
        }
    }

    CanvasSession session() {
        return session;
    }

    private void follow(CanvasSession s) {
        if (s == session) {
            return;
        }
        if (session != null) {
            session.removeRunListener(runs);
        }
        session = s;
        if (s != null) {
            s.addRunListener(runs);
        }
        onChange.accept(s);
    }

    private void event(RunEvent event) {
        live.accept(event);
        if (event instanceof RunEvent.Finished) {
            Display.getDefault().asyncExec(() -> onChange.accept(session));
        }
    }

    @Override
    public void partActivated(IWorkbenchPartReference ref) {
        IWorkbenchPart part = ref.getPart(false);
        if (part instanceof PipelineEditor e) {
            follow(e.session());
        }
    }

    @Override
    public void partClosed(IWorkbenchPartReference ref) {
        if (ref.getPart(false) instanceof PipelineEditor e && e.session() == session) {
            follow(null);
        }
    }

    void dispose(IWorkbenchPage page) {
        page.removePartListener(this);
        if (session != null) {
            session.removeRunListener(runs);
        }
    }
}
