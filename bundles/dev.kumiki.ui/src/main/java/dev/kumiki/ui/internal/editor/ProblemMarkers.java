package dev.kumiki.ui.internal.editor;

import java.util.Map;

import org.eclipse.core.resources.IFile;
import org.eclipse.core.resources.IMarker;
import org.eclipse.core.resources.IResource;
import org.eclipse.core.runtime.CoreException;
import org.eclipse.core.runtime.ILog;

import dev.kumiki.canvas.CanvasSession;
import dev.kumiki.engine.Diagnostic;
import dev.kumiki.engine.Severity;

/** The configure diagnostics of a workspace pipeline file as markers in the Problems view, kept up to date. */
final class ProblemMarkers {
    static final String TYPE = "dev.kumiki.ui.pipelineProblem";

    private ProblemMarkers() {
    }

    static void update(IFile file, CanvasSession session) {
        if (file == null || !file.exists()) {
            return;
        }
        try {
            file.getWorkspace().run(monitor -> {
                file.deleteMarkers(TYPE, false, IResource.DEPTH_ZERO);
                for (Diagnostic d : session.configuration().diagnostics()) {
                    int line = session.where(d).map(p -> p.line()).filter(l -> l > 0).orElse(1);
                    file.createMarker(TYPE, Map.of(
                            IMarker.SEVERITY, d.severity() == Severity.ERROR ? IMarker.SEVERITY_ERROR
                                    : IMarker.SEVERITY_WARNING,
                            IMarker.MESSAGE, (d.node() == null ? "" : d.node() + (d.setting() == null ? "" : " ("
                                    + d.setting() + ")") + ": ") + d.message(),
                            IMarker.LINE_NUMBER, line,
                            IMarker.LOCATION, d.node() == null ? "pipeline" : "node " + d.node()));
                }
            }, file, 0, null);
        } catch (CoreException e) {
            ILog.of(ProblemMarkers.class).error("cannot update the problem markers of " + file, e);
        }
    }
}
