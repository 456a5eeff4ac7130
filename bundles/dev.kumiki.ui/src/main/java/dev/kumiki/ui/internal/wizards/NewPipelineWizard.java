package dev.kumiki.ui.internal.wizards;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.nio.charset.StandardCharsets;

import java.util.Arrays;

import org.eclipse.core.resources.IFile;
import org.eclipse.core.resources.IProject;
import org.eclipse.core.resources.IResource;
import org.eclipse.core.resources.IWorkspace;
import org.eclipse.core.resources.ResourcesPlugin;
import org.eclipse.core.runtime.CoreException;
import org.eclipse.core.runtime.IProgressMonitor;
import org.eclipse.core.runtime.IStatus;
import org.eclipse.core.runtime.Status;
import org.eclipse.jface.dialogs.MessageDialog;
import org.eclipse.jface.viewers.IStructuredSelection;
import org.eclipse.jface.wizard.Wizard;
import org.eclipse.swt.SWT;
import org.eclipse.swt.layout.GridData;
import org.eclipse.swt.layout.GridLayout;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Combo;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Text;
import org.eclipse.swt.widgets.Tree;
import org.eclipse.ui.INewWizard;
import org.eclipse.ui.IWorkbench;
import org.eclipse.ui.PartInitException;
import org.eclipse.ui.dialogs.WizardNewFileCreationPage;
import org.eclipse.ui.actions.WorkspaceModifyOperation;
import org.eclipse.ui.ide.IDE;

import dev.kumiki.canvas.Examples;

/**
 * File > New > Pipeline: a *.kumiki file in a workspace folder, empty or from one of the examples (with the small
 * example models it needs, if wanted), opened in the pipeline editor. In a workspace without an open project the page
 * has a project field ({@value #DEFAULT_PROJECT} unless changed) and Finish creates it, so a first start can finish.
 */
public final class NewPipelineWizard extends Wizard implements INewWizard {
    public static final String ID = "dev.kumiki.ui.wizards.newPipeline";
    static final String EMPTY = "kumiki: 1\nnodes: {}\n";
    /** The project a first pipeline goes into when the workspace has none. */
    public static final String DEFAULT_PROJECT = "pipelines";

    private IWorkbench workbench;
    private IStructuredSelection selection;
    private Page page;

    public NewPipelineWizard() {
        setWindowTitle("New Pipeline");
        setNeedsProgressMonitor(true);
    }

    @Override
    public void init(IWorkbench w, IStructuredSelection s) {
        this.workbench = w;
        this.selection = s;
    }

    @Override
    public void addPages() {
        page = new Page(selection);
        addPage(page);
    }

    /** The file page with a template choice and the example models option. */
    static final class Page extends WizardNewFileCreationPage {
        private Combo template;
        private Button models;
        private Text project;
        private int chosen;
        private boolean writeModels = true;

        Page(IStructuredSelection selection) {
            super("pipeline", selection);
            setTitle("Pipeline");
            setDescription("A pipeline file (*.kumiki), empty or from an example.");
            setFileExtension("kumiki");
            setFileName("pipeline.kumiki");
        }

        @Override
        public void createControl(Composite parent) {
            super.createControl(parent); // which clears the page's messages for a clean start
            if (project != null) {
                hideFolderChooser();
                setPageComplete(validatePage()); // say at once that Finish creates the project
            }
        }

        /**
         * With no project there is no folder to choose: the file page's (empty) folder chooser would only confuse,
         * so it is hidden. It is the group holding the page's first text field and a tree; anything else is left.
         */
        private void hideFolderChooser() {
            Text field = firstText(getControl());
            if (field == null || field == project || !hasTree(field.getParent())) {
                return;
            }
            Composite group = field.getParent();
            group.setVisible(false);
            GridData data = group.getLayoutData() instanceof GridData g ? g : new GridData();
            data.exclude = true;
            group.setLayoutData(data);
            group.getParent().layout(true, true);
        }

        private static Text firstText(Control control) {
            if (control instanceof Text t) {
                return t;
            }
            if (control instanceof Composite c) {
                for (Control child : c.getChildren()) {
                    Text t = firstText(child);
                    if (t != null) {
                        return t;
                    }
                }
            }
            return null;
        }

        private static boolean hasTree(Control control) {
            if (control instanceof Tree) {
                return true;
            }
            return control instanceof Composite c && Arrays.stream(c.getChildren()).anyMatch(Page::hasTree);
        }

        /**
         * As the file page validates; in a workspace without an open project (nothing to choose from), the page's
         * project field is checked instead of the folder: Finish creates the project.
         */
        @Override
        protected boolean validatePage() {
            if (project == null) {
                return super.validatePage();
            }
            IWorkspace workspace = ResourcesPlugin.getWorkspace();
            String name = project.getText().strip();
            IStatus status = name.isEmpty() ? Status.error("Name the project the pipeline goes into.")
                    : workspace.validateName(name, IResource.PROJECT);
            if (status.isOK()) {
                status = workspace.validateName(getFileName(), IResource.FILE);
            }
            if (!status.isOK()) {
                setErrorMessage(status.getMessage());
                return false;
            }
            setErrorMessage(null);
            setMessage(workspace.getRoot().getProject(name).exists() ? null
                    : "There is no project yet: Finish creates '" + name + "' for the pipeline.", INFORMATION);
            return true;
        }

        /** The project Finish creates (or opens) for the pipeline, or null when the page's folder is used. */
        IProject newProject() {
            return project == null ? null : ResourcesPlugin.getWorkspace().getRoot().getProject(project.getText()
                    .strip());
        }

        /** For tests: types the project's name into the project field. */
        void projectName(String name) {
            project.setText(name); // its modify listener validates the page
        }

        private static boolean hasOpenProject() {
            return Arrays.stream(ResourcesPlugin.getWorkspace().getRoot().getProjects()).anyMatch(IProject::isOpen);
        }

        @Override
        protected void createAdvancedControls(Composite parent) {
            Composite c = new Composite(parent, SWT.NONE);
            c.setLayout(new GridLayout(2, false));
            c.setLayoutData(new GridData(SWT.FILL, SWT.TOP, true, false));
            new Label(c, SWT.NONE).setText("&Template:");
            template = new Combo(c, SWT.READ_ONLY);
            template.add("Empty pipeline");
            for (Examples.Example e : Examples.ALL) {
                template.add(e.file() + " — " + e.description());
            }
            template.select(0);
            template.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false));
            template.addListener(SWT.Selection, e -> {
                chosen = template.getSelectionIndex();
                models.setEnabled(chosen > 0);
            });
            models = new Button(c, SWT.CHECK);
            models.setText("Write the small example &models it uses into models/ (seeded, a few MB)");
            models.setSelection(true);
            models.setEnabled(false);
            models.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false, 2, 1));
            models.addListener(SWT.Selection, e -> writeModels = models.getSelection());
            if (!hasOpenProject()) {
                // a first pipeline: no project to put it in yet, so the page names one and Finish creates it
                new Label(c, SWT.NONE).setText("&Project:");
                project = new Text(c, SWT.BORDER);
                project.setText(DEFAULT_PROJECT);
                project.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false));
                project.addListener(SWT.Modify, e -> setPageComplete(validatePage()));
                Label note = new Label(c, SWT.WRAP);
                note.setText("The workspace has no project yet: Finish creates this one and puts the pipeline in it.");
                note.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false, 2, 1));
            }
            super.createAdvancedControls(parent); // linked files, as any new-file page offers
        }

        @Override
        protected InputStream getInitialContents() {
            String text = chosen == 0 ? EMPTY : Examples.ALL.get(chosen - 1).text();
            return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
        }

        /** Chooses a template (0: empty) and whether to write the example models, as a user does on the page. */
        void choose(int index, boolean withModels) {
            chosen = index;
            writeModels = withModels;
            if (template != null) {
                template.select(index);
                models.setSelection(withModels);
                models.setEnabled(index > 0);
            }
        }

        boolean exampleModels() {
            return chosen > 0 && writeModels;
        }
    }

    /** For tests: pick a template as a user would on the page. */
    public void chooseTemplate(int index, boolean withModels) {
        page.choose(index, withModels);
    }

    /** For tests: the page, as a user fills it. */
    public WizardNewFileCreationPage page() {
        return page;
    }

    /** For tests: types a project name into the page's project field (shown when the workspace has no project). */
    public void projectName(String name) {
        page.projectName(name);
    }

    @Override
    public boolean performFinish() {
        IProject project = page.newProject();
        IFile file;
        if (project != null) {
            // the file page's folder chooser knows no project made after it opened: the file is made here
            IFile target = project.getFile(page.getFileName());
            try {
                getContainer().run(true, false, new WorkspaceModifyOperation() {
                    @Override
                    protected void execute(IProgressMonitor monitor) throws CoreException {
                        if (!project.exists()) {
                            project.create(monitor);
                        }
                        if (!project.isOpen()) {
                            project.open(monitor);
                        }
                        if (target.exists()) {
                            throw new CoreException(Status.error(target.getFullPath() + " exists already; choose "
                                    + "another file name"));
                        }
                        target.create(page.getInitialContents(), false, monitor);
                    }
                });
            } catch (InvocationTargetException | InterruptedException e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                page.setErrorMessage("The pipeline could not be created in the project '" + project.getName() + "': "
                        + cause.getMessage());
                return false;
            }
            file = target;
        } else {
            file = page.createNewFile();
        }
        if (file == null) {
            return false;
        }
        if (page.exampleModels()) {
            try {
                getContainer().run(true, false, monitor -> {
                    monitor.beginTask("Writing the example models", org.eclipse.core.runtime.IProgressMonitor.UNKNOWN);
                    try {
                        Examples.writeModels(file.getParent().getLocation().toPath().resolve("models"));
                        file.getParent().refreshLocal(IResource.DEPTH_INFINITE, null);
                    } catch (java.io.IOException | CoreException e) {
                        throw new InvocationTargetException(e);
                    }
                });
            } catch (InvocationTargetException | InterruptedException e) {
                MessageDialog.openError(getShell(), "New Pipeline", "The example models could not be written: "
                        + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()));
            }
        }
        try {
            IDE.openEditor(workbench.getActiveWorkbenchWindow().getActivePage(), file);
        } catch (PartInitException e) {
            MessageDialog.openError(getShell(), "New Pipeline", e.getMessage());
        }
        return true;
    }
}
