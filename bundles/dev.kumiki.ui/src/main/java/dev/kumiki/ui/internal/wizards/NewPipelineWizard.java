package dev.kumiki.ui.internal.wizards;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.nio.charset.StandardCharsets;

import org.eclipse.core.resources.IFile;
import org.eclipse.core.resources.IResource;
import org.eclipse.core.runtime.CoreException;
import org.eclipse.jface.dialogs.MessageDialog;
import org.eclipse.jface.viewers.IStructuredSelection;
import org.eclipse.jface.wizard.Wizard;
import org.eclipse.swt.SWT;
import org.eclipse.swt.layout.GridData;
import org.eclipse.swt.layout.GridLayout;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Combo;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Label;
import org.eclipse.ui.INewWizard;
import org.eclipse.ui.IWorkbench;
import org.eclipse.ui.PartInitException;
import org.eclipse.ui.dialogs.WizardNewFileCreationPage;
import org.eclipse.ui.ide.IDE;

import dev.kumiki.canvas.Examples;

/**
 * File > New > Pipeline: a *.kumiki file in a workspace folder, empty or from one of the examples (with the small
 * example models it needs, if wanted), opened in the pipeline editor.
 */
public final class NewPipelineWizard extends Wizard implements INewWizard {
    public static final String ID = "dev.kumiki.ui.wizards.newPipeline";
    static final String EMPTY = "kumiki: 1\nnodes: {}\n";

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

    @Override
    public boolean performFinish() {
        IFile file = page.createNewFile();
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
