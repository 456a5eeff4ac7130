package dev.kumiki.ui.internal.editor;

import java.nio.file.Path;

import org.eclipse.core.commands.AbstractHandler;
import org.eclipse.core.commands.ExecutionEvent;
import org.eclipse.core.commands.ExecutionException;
import org.eclipse.swt.SWT;
import org.eclipse.swt.widgets.FileDialog;
import org.eclipse.ui.IWorkbenchWindow;
import org.eclipse.ui.PartInitException;
import org.eclipse.ui.handlers.HandlerUtil;

/** File > Open Pipeline…: a *.kumiki file from anywhere, in the pipeline editor. */
public final class OpenPipelineHandler extends AbstractHandler {
    @Override
    public Object execute(ExecutionEvent event) throws ExecutionException {
        IWorkbenchWindow window = HandlerUtil.getActiveWorkbenchWindowChecked(event);
        FileDialog dialog = new FileDialog(window.getShell(), SWT.OPEN);
        dialog.setText("Open Pipeline");
        dialog.setFilterExtensions(new String[] {"*.kumiki", "*"});
        dialog.setFilterNames(new String[] {"Kumiki pipelines (*.kumiki)", "All files"});
        String chosen = dialog.open();
        if (chosen != null) {
            try {
                window.getActivePage().openEditor(new PipelineInput(Path.of(chosen)), PipelineEditor.ID);
            } catch (PartInitException e) {
                throw new ExecutionException(e.getMessage(), e);
            }
        }
        return null;
    }
}
