package dev.kumiki.ui.internal.welcome;

import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.eclipse.core.resources.IFile;
import org.eclipse.core.runtime.CoreException;
import org.eclipse.core.runtime.IProgressMonitor;
import org.eclipse.core.runtime.PlatformObject;
import org.eclipse.jface.dialogs.MessageDialog;
import org.eclipse.jface.resource.FontDescriptor;
import org.eclipse.jface.resource.ImageDescriptor;
import org.eclipse.jface.resource.JFaceResources;
import org.eclipse.jface.resource.LocalResourceManager;
import org.eclipse.jface.viewers.StructuredSelection;
import org.eclipse.jface.wizard.WizardDialog;
import org.eclipse.swt.SWT;
import org.eclipse.swt.custom.ScrolledComposite;
import org.eclipse.swt.graphics.Color;
import org.eclipse.swt.graphics.Font;
import org.eclipse.swt.layout.GridData;
import org.eclipse.swt.layout.GridLayout;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Link;
import org.eclipse.ui.IEditorInput;
import org.eclipse.ui.IEditorSite;
import org.eclipse.ui.IPersistableElement;
import org.eclipse.ui.IWorkbenchPage;
import org.eclipse.ui.PartInitException;
import org.eclipse.ui.PlatformUI;
import org.eclipse.ui.actions.WorkspaceModifyOperation;
import org.eclipse.ui.ide.IDE;
import org.eclipse.ui.part.EditorPart;
import org.eclipse.ui.wizards.newresource.BasicNewResourceWizard;

import dev.kumiki.canvas.Examples;
import dev.kumiki.ui.internal.wizards.NewPipelineWizard;

/**
 * The Welcome page: what the Studio is for and the three ways in — the examples (a project with the example pipelines
 * and their models, ready to run), a new pipeline, the documentation. Shown when the Studio starts on a workspace
 * without projects, and from Help > Welcome.
 */
public final class WelcomeEditor extends EditorPart {
    /** The editor's id. */
    public static final String ID = "dev.kumiki.ui.editors.welcome";

    /** The one Welcome input: opening the Welcome again brings the open page to the front. */
    public static final IEditorInput INPUT = new Input();

    /** The action labels, as the page shows them. */
    public static final String OPEN_EXAMPLES = "Open the examples";
    public static final String OPEN_EVOLLM_JP = "Open Micro EvoLLM-JP, the workshop example";
    public static final String NEW_PIPELINE = "New pipeline…";

    private static final class Input extends PlatformObject implements IEditorInput {
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
            return "Welcome";
        }

        @Override
        public IPersistableElement getPersistable() {
            return null; // not restored: it shows again by itself while the workspace is empty
        }

        @Override
        public String getToolTipText() {
            return "Welcome to Kumiki Studio";
        }
    }

    private ScrolledComposite scroll;
    private final List<Control> actions = new ArrayList<>();

    /** Opens the Welcome page in {@code page} (or brings it to the front). */
    public static WelcomeEditor open(IWorkbenchPage page) throws PartInitException {
        return (WelcomeEditor) page.openEditor(INPUT, ID);
    }

    @Override
    public void init(IEditorSite site, IEditorInput input) throws PartInitException {
        setSite(site);
        setInput(input);
        setPartName(input.getName());
        setTitleToolTip(input.getToolTipText());
    }

    @Override
    public void createPartControl(Composite parent) {
        LocalResourceManager resources = new LocalResourceManager(JFaceResources.getResources(), parent);
        Color white = parent.getDisplay().getSystemColor(SWT.COLOR_LIST_BACKGROUND);
        Color grey = resources.create(org.eclipse.jface.resource.ColorDescriptor.createFrom(
                new org.eclipse.swt.graphics.RGB(0x55, 0x5e, 0x6e)));
        Font base = JFaceResources.getDefaultFont();
        Font title = resources.create(FontDescriptor.createFrom(base).setHeight(base.getFontData()[0].getHeight() * 2)
                .setStyle(SWT.BOLD));
        Font heading = resources.create(FontDescriptor.createFrom(base).increaseHeight(2).setStyle(SWT.BOLD));

        scroll = new ScrolledComposite(parent, SWT.V_SCROLL | SWT.H_SCROLL);
        scroll.setExpandHorizontal(true);
        scroll.setExpandVertical(true);
        scroll.setBackground(white);
        Composite page = new Composite(scroll, SWT.NONE);
        page.setBackground(white);
        page.setBackgroundMode(SWT.INHERIT_FORCE);
        GridLayout layout = new GridLayout(2, false);
        layout.marginWidth = 40;
        layout.marginHeight = 32;
        layout.horizontalSpacing = 18;
        layout.verticalSpacing = 10;
        page.setLayout(layout);

        Label name = text(page, "Kumiki Studio", title, null, 2);
        name.setData("testid", "title");
        text(page, "Fine-tune, merge and evaluate language models with pipelines you draw: load models, train LoRAs, "
                + "merge them with mergekit's methods or search their merge by evolution, score them on tasks and save "
                + "the result, all on this machine with nothing downloaded.", null, grey, 2);

        spacer(page);
        text(page, "Start", heading, null, 2);
        action(page, OPEN_EXAMPLES, "The example pipelines (" + String.join(", ", Examples.ALL.stream()
                .map(Examples.Example::file).toList()) + ") and the small models they read, in a project '"
                + ExamplesProject.NAME + "'. Press Run on the canvas: a merge takes seconds.", this::openExamples);
        action(page, OPEN_EVOLLM_JP, "Sakana AI's evolutionary model merging in miniature: a small base annealed and "
                + "fine-tuned twice (Japanese, maths), checked, merged untuned and by three searches into a model for a "
                + "task neither learnt, every model evaluated and the table written in the paper's form. Seven to eight "
                + "minutes on two cores the first time, then from the cache; evollm-jp/README.md is the workshop guide.",
                this::openEvollmJp);
        action(page, NEW_PIPELINE, "An empty pipeline or one from an example, in a project of your own (the wizard "
                + "creates the project when there is none).", this::newPipeline);

        spacer(page);
        text(page, "Documentation", heading, null, 2);
        for (Documentation.Document d : Documentation.ALL) {
            Link link = new Link(page, SWT.NONE);
            link.setText("<a>" + d.title() + "</a>");
            link.setData("testid", "doc-" + d.file());
            link.addListener(SWT.Selection, e -> openDocument(d));
            actions.add(link);
            text(page, d.about(), null, grey, 1);
        }
        spacer(page);
        text(page, "Help > Welcome brings this page back.", null, grey, 2);

        scroll.setContent(page);
        scroll.setMinSize(page.computeSize(720, SWT.DEFAULT));
    }

    private Label text(Composite parent, String text, Font font, Color color, int span) {
        Label l = new Label(parent, SWT.WRAP);
        l.setText(text);
        if (font != null) {
            l.setFont(font);
        }
        if (color != null) {
            l.setForeground(color);
        }
        GridData data = new GridData(SWT.FILL, SWT.CENTER, true, false, span, 1);
        data.widthHint = 640;
        l.setLayoutData(data);
        return l;
    }

    private void action(Composite parent, String label, String about, Runnable run) {
        Button b = new Button(parent, SWT.PUSH);
        b.setText(label);
        b.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, false, false));
        b.addListener(SWT.Selection, e -> run.run());
        actions.add(b);
        text(parent, about, null, null, 1);
    }

    private static void spacer(Composite parent) {
        Label l = new Label(parent, SWT.NONE);
        l.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false, 2, 1));
    }

    /**
     * Open the examples: creates (or completes) the project {@value ExamplesProject#NAME}, then opens its first
     * pipeline and shows the project in the Project Explorer.
     *
     * @return the pipeline opened, or null when the project could not be made (the user was told why)
     */
    public IFile openExamples() {
        return open(OPEN_EXAMPLES, ExamplesProject::create);
    }

    /**
     * Open Micro EvoLLM-JP: writes the example (its pipeline, README and the base model) into the project
     * {@value ExamplesProject#NAME} where missing, then opens its pipeline.
     *
     * @return the pipeline opened, or null when it could not be written (the user was told why)
     */
    public IFile openEvollmJp() {
        return open(OPEN_EVOLLM_JP, ExamplesProject::createEvollmJp);
    }

    /** How a Welcome action makes the file it opens. */
    private interface Maker {
        IFile make(IProgressMonitor monitor) throws CoreException;
    }

    private IFile open(String action, Maker maker) {
        AtomicReference<IFile> first = new AtomicReference<>();
        try {
            PlatformUI.getWorkbench().getProgressService().run(true, false, new WorkspaceModifyOperation() {
                @Override
                protected void execute(IProgressMonitor monitor) throws CoreException {
                    first.set(maker.make(monitor));
                }
            });
        } catch (InvocationTargetException | InterruptedException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            MessageDialog.openError(getSite().getShell(), action, "The examples could not be prepared: "
                    + cause.getMessage());
            return null;
        }
        IFile file = first.get();
        BasicNewResourceWizard.selectAndReveal(file, getSite().getWorkbenchWindow());
        try {
            IDE.openEditor(getSite().getPage(), file);
        } catch (PartInitException e) {
            MessageDialog.openError(getSite().getShell(), action, e.getMessage());
        }
        return file;
    }

    /** New pipeline…: the New Pipeline wizard, which creates a project when there is none. */
    public void newPipeline() {
        newPipelineDialog().open();
    }

    /** The New Pipeline wizard's dialog, created (for tests, which fill it in while it is open). */
    public WizardDialog newPipelineDialog() {
        NewPipelineWizard wizard = new NewPipelineWizard();
        wizard.init(PlatformUI.getWorkbench(), StructuredSelection.EMPTY);
        WizardDialog dialog = new WizardDialog(getSite().getShell(), wizard);
        dialog.create();
        return dialog;
    }

    /** Opens a document of the documentation beside the Welcome page. */
    public DocumentationEditor openDocument(Documentation.Document document) {
        try {
            return (DocumentationEditor) getSite().getPage().openEditor(new DocumentationEditor.Input(document),
                    DocumentationEditor.ID);
        } catch (PartInitException e) {
            MessageDialog.openError(getSite().getShell(), "Documentation", e.getMessage());
            return null;
        }
    }

    /** The page's actions (buttons and documentation links), for tests. */
    public List<Control> actions() {
        return List.copyOf(actions);
    }

    @Override
    public void setFocus() {
        scroll.setFocus();
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
