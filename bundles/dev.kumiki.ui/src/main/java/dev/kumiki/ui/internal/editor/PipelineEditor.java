package dev.kumiki.ui.internal.editor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;

import org.eclipse.core.runtime.IProgressMonitor;
import org.eclipse.emf.common.command.CommandStackListener;
import org.eclipse.emf.ecore.resource.Resource;
import org.eclipse.jface.action.Action;
import org.eclipse.jface.dialogs.MessageDialog;
import org.eclipse.swt.SWT;
import org.eclipse.swt.browser.Browser;
import org.eclipse.swt.browser.BrowserFunction;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Display;
import org.eclipse.ui.IEditorInput;
import org.eclipse.ui.IEditorSite;
import org.eclipse.ui.IPathEditorInput;
import org.eclipse.ui.PartInitException;
import org.eclipse.ui.actions.ActionFactory;
import org.eclipse.ui.part.EditorPart;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.kumiki.canvas.CanvasServer;
import dev.kumiki.canvas.CanvasSession;
import dev.kumiki.engine.NodeKinds;
import dev.kumiki.model.yaml.PipelineResource;

/**
 * The pipeline editor: the canvas (web app of dev.kumiki.canvas) in an SWT Browser, talking to a
 * {@link CanvasSession} through one BrowserFunction ({@code kumikiSend}) and {@code Browser.execute}
 * ({@code kumikiReceive}). Java owns the model and its command stack: the Edit menu's Undo and Redo, Ctrl+S and the
 * dirty marker work on the same stack as the canvas's buttons and keys.
 */
public final class PipelineEditor extends EditorPart {
    public static final String ID = dev.kumiki.ui.StudioIds.PIPELINE_EDITOR;
    private static final ObjectMapper JSON = new ObjectMapper();

    private CanvasSession session;
    private CanvasServer assets;
    private Browser browser;
    private Consumer<String> toCanvas;
    private CommandStackListener stackListener;
    private final NodeSelection selection = new NodeSelection();
    private RunMonitor runs;
    private org.eclipse.core.resources.IFile workspaceFile;
    private final Action undo = new Action("&Undo") {
        @Override
        public void run() {
            session.handle("{\"type\":\"undo\"}");
        }
    };
    private final Action redo = new Action("&Redo") {
        @Override
        public void run() {
            session.handle("{\"type\":\"redo\"}");
        }
    };

    @Override
    public void init(IEditorSite site, IEditorInput input) throws PartInitException {
        Path file;
        if (input instanceof IPathEditorInput pathInput) {
            file = pathInput.getPath().toPath();
        } else if (input instanceof org.eclipse.ui.IURIEditorInput uriInput
                && "file".equals(uriInput.getURI().getScheme())) {
            file = Path.of(uriInput.getURI()); // File > Open File... outside the workspace
        } else {
            throw new PartInitException("the pipeline editor opens files; " + input.getName() + " is not one");
        }
        setSite(site);
        setInput(input);
        setPartName(input.getName());
        NodeKinds kinds = NodeKinds.discover();
        PipelineResource resource;
        try {
            resource = kinds.open(file);
        } catch (IOException e) {
            throw new PartInitException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (!resource.getErrors().isEmpty()) {
            StringBuilder b = new StringBuilder();
            for (Resource.Diagnostic d : resource.getErrors()) {
                b.append(d).append('\n');
            }
            throw new PartInitException(b.toString().strip());
        }
        session = new CanvasSession(resource, kinds);
        session.setRunOptions(dev.kumiki.ui.internal.prefs.StudioPreferences::runOptions);
        workspaceFile = input.getAdapter(org.eclipse.core.resources.IFile.class);
        site.setSelectionProvider(selection);
        session.addSelectionListener(ids -> Display.getDefault().asyncExec(() -> selection.setSelection(
                new org.eclipse.jface.viewers.StructuredSelection(ids.stream().map(id -> new NodeProperties(session, id))
                        .toList()))));
        runs = new RunMonitor(session, input.getName());
        session.addRunListener(runs);
        session.addConfigureListener(() -> Display.getDefault().asyncExec(() -> ProblemMarkers.update(workspaceFile,
                session)));
        ProblemMarkers.update(workspaceFile, session);
        stackListener = e -> {
            if (Display.getCurrent() != null) {
                stackChanged(); // the Edit menu reflects the stack at once
            } else {
                Display.getDefault().asyncExec(this::stackChanged);
            }
        };
        session.commandStack().addCommandStackListener(stackListener);
        site.getActionBars().setGlobalActionHandler(ActionFactory.UNDO.getId(), undo);
        site.getActionBars().setGlobalActionHandler(ActionFactory.REDO.getId(), redo);
        stackChanged();
    }

    private void stackChanged() {
        var stack = session.commandStack();
        undo.setEnabled(stack.canUndo());
        undo.setText(stack.canUndo() ? "&Undo " + stack.getUndoCommand().getLabel() : "&Undo");
        redo.setEnabled(stack.canRedo());
        redo.setText(stack.canRedo() ? "&Redo " + stack.getRedoCommand().getLabel() : "&Redo");
        firePropertyChange(PROP_DIRTY);
        // the Properties view shows the selected node as it is now
        if (selection.getSelection() instanceof org.eclipse.jface.viewers.IStructuredSelection s && !s.isEmpty()) {
            selection.setSelection(new org.eclipse.jface.viewers.StructuredSelection(s.toList()));
        }
    }

    @Override
    public void createPartControl(Composite parent) {
        browser = new Browser(parent, SWT.NONE);
        new BrowserFunction(browser, "kumikiSend") {
            @Override
            public Object function(Object[] arguments) {
                return session.handle(String.valueOf(arguments[0]));
            }
        };
        toCanvas = json -> {
            Display display = browser.getDisplay();
            if (!display.isDisposed()) {
                display.asyncExec(() -> {
                    if (!browser.isDisposed()) {
                        browser.execute("window.kumikiReceive && window.kumikiReceive(" + quoted(json) + ")");
                    }
                });
            }
        };
        session.addListener(toCanvas);
        try {
            assets = CanvasServer.start(null, 0);
            browser.setUrl(assets.uri() + "?host=studio");
        } catch (IOException e) {
            browser.setText("<p>The canvas cannot be served: " + e.getMessage() + "</p>");
        }
    }

    static String quoted(String json) {
        try {
            return JSON.writeValueAsString(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The editing session behind the canvas (for the Properties view, runs and tests). */
    public CanvasSession session() {
        return session;
    }

    public Browser browser() {
        return browser;
    }

    @Override
    public void doSave(IProgressMonitor monitor) {
        try {
            session.save();
            if (workspaceFile != null) {
                workspaceFile.refreshLocal(0, monitor);
            }
        } catch (IOException | org.eclipse.core.runtime.CoreException e) {
            MessageDialog.openError(getSite().getShell(), "Kumiki", "The pipeline could not be saved: "
                    + e.getMessage());
        }
        firePropertyChange(PROP_DIRTY);
    }

    @Override
    public void doSaveAs() {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean isDirty() {
        return session != null && session.isDirty();
    }

    @Override
    public boolean isSaveAsAllowed() {
        return false;
    }

    @Override
    public void setFocus() {
        if (browser != null) {
            browser.setFocus();
        }
    }

    @Override
    public void dispose() {
        if (session != null) {
            session.cancel();
            session.removeListener(toCanvas);
            session.removeRunListener(runs);
            session.commandStack().removeCommandStackListener(stackListener);
        }
        if (assets != null) {
            assets.close();
        }
        super.dispose();
    }
}
