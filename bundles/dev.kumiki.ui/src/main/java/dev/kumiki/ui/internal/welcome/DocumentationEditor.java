package dev.kumiki.ui.internal.welcome;

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
 * A document of the Studio's documentation, read-only. It shows the Markdown text as written (Markdown reads as
 * plain text; the Studio carries no Markdown renderer), wrapped to the window.
 */
public final class DocumentationEditor extends EditorPart {
    /** The editor's id. */
    public static final String ID = "dev.kumiki.ui.editors.documentation";

    /** A document as an editor input: the same document opens once. */
    public static final class Input extends PlatformObject implements IEditorInput {
        private final Documentation.Document document;

        public Input(Documentation.Document document) {
            this.document = document;
        }

        public Documentation.Document document() {
            return document;
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
            return document.title();
        }

        @Override
        public IPersistableElement getPersistable() {
            return null;
        }

        @Override
        public String getToolTipText() {
            return document.title() + " — " + document.about();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Input i && i.document.equals(document);
        }

        @Override
        public int hashCode() {
            return document.hashCode();
        }
    }

    private Browser browser;

    @Override
    public void init(IEditorSite site, IEditorInput input) throws PartInitException {
        if (!(input instanceof Input)) {
            throw new PartInitException("the documentation editor shows Kumiki's documents, not " + input.getName());
        }
        setSite(site);
        setInput(input);
        setPartName(input.getName());
        setTitleToolTip(input.getToolTipText());
    }

    @Override
    public void createPartControl(Composite parent) {
        browser = new Browser(parent, SWT.NONE);
        browser.setText(html(((Input) getEditorInput()).document().text()), true);
    }

    /** The page: the text, escaped, in a wrapped preformatted block. */
    static String html(String markdown) {
        String escaped = markdown.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
        return "<!doctype html><html><head><meta charset=\"utf-8\"><style>"
                + "body{margin:24px 32px;color:#1d2330;background:white}"
                + "pre{font:13px/1.45 'DejaVu Sans Mono',monospace;white-space:pre-wrap;max-width:110ch}"
                + "</style></head><body><pre>" + escaped + "</pre></body></html>";
    }

    /** The browser showing the document, for tests. */
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
