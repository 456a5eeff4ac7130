package dev.kumiki.ui.internal.runs;

import java.nio.file.Path;

import org.eclipse.core.runtime.IProgressMonitor;
import org.eclipse.core.runtime.PlatformObject;
import org.eclipse.jface.resource.ImageDescriptor;
import org.eclipse.swt.SWT;
import org.eclipse.swt.browser.Browser;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.ui.IEditorInput;
import org.eclipse.ui.IEditorSite;
import org.eclipse.ui.IPersistableElement;
import org.eclipse.ui.PartInitException;
import org.eclipse.ui.part.EditorPart;

/**
 * An evaluation report (a self-contained HTML file in a run's record) in the Studio's browser, read-only. The same
 * file opens in any web browser; the editor's tooltip says where it is.
 */
public final class ReportEditor extends EditorPart {
    /** The editor's id. */
    public static final String ID = "dev.kumiki.ui.editors.report";

    /** A report file as an editor input: the same file opens once. */
    public static final class Input extends PlatformObject implements IEditorInput {
        private final Path file;
        private final String name;

        public Input(Path file, String name) {
            this.file = file.toAbsolutePath().normalize();
            this.name = name;
        }

        public Path file() {
            return file;
        }

        @Override
        public boolean exists() {
            return true;
        }

        @Override
        public ImageDescriptor getImageDescriptor() {
            return ImageDescriptor.getMissingImageDescriptor();
        }

        @Override
        public String getName() {
            return name;
        }

        @Override
        public IPersistableElement getPersistable() {
            return null;
        }

        @Override
        public String getToolTipText() {
            return file.toString();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Input i && i.file.equals(file);
        }

        @Override
        public int hashCode() {
            return file.hashCode();
        }
    }

    private Browser browser;

    @Override
    public void init(IEditorSite site, IEditorInput input) throws PartInitException {
        if (!(input instanceof Input)) {
            throw new PartInitException("the report editor shows evaluation reports, not " + input.getName());
        }
        setSite(site);
        setInput(input);
        setPartName(input.getName());
        setTitleToolTip(input.getToolTipText());
    }

    @Override
    public void createPartControl(Composite parent) {
        browser = new Browser(parent, SWT.NONE);
        browser.setUrl(((Input) getEditorInput()).file().toUri().toString());
    }

    /** The browser showing the report, for tests. */
    public Browser browser() {
        return browser;
    }

    @Override
    public void setFocus() {
        browser.setFocus();
    }

    @Override
    public void doSave(IProgressMonitor monitor) {
    }

    @Override
    public void doSaveAs() {
    }

    @Override
    public boolean isDirty() {
        return false;
    }

    @Override
    public boolean isSaveAsAllowed() {
        return false;
    }
}
