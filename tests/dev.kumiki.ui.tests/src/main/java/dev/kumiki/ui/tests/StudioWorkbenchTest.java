package dev.kumiki.ui.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

import org.eclipse.core.resources.IFile;
import org.eclipse.core.resources.IMarker;
import org.eclipse.core.resources.IProject;
import org.eclipse.core.resources.IResource;
import org.eclipse.core.resources.ResourcesPlugin;
import org.eclipse.equinox.app.IApplication;
import org.eclipse.jface.viewers.IStructuredSelection;
import org.eclipse.swt.SWT;
import org.eclipse.swt.graphics.GC;
import org.eclipse.swt.graphics.Image;
import org.eclipse.swt.graphics.ImageData;
import org.eclipse.swt.graphics.ImageLoader;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Event;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Link;
import org.eclipse.swt.widgets.Menu;
import org.eclipse.swt.widgets.MenuItem;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.swt.widgets.Text;
import org.eclipse.ui.IPageLayout;
import org.eclipse.ui.IWorkbenchPage;
import org.eclipse.ui.IWorkbenchWindow;
import org.eclipse.ui.PlatformUI;
import org.eclipse.ui.ide.IDE;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import dev.kumiki.tensor.hardware.HardwareProfile;
import dev.kumiki.ui.StudioIds;
import dev.kumiki.ui.internal.AboutDialog;
import dev.kumiki.ui.internal.HardwareView;
import dev.kumiki.ui.internal.StudioApplication;
import dev.kumiki.ui.internal.editor.PipelineEditor;
import dev.kumiki.ui.internal.editor.NodeProperties;
import dev.kumiki.ui.internal.prefs.KumikiPreferencePage;
import dev.kumiki.ui.internal.prefs.StudioPreferences;
import dev.kumiki.ui.internal.runs.ReportEditor;
import dev.kumiki.ui.internal.runs.ResultsView;
import dev.kumiki.ui.internal.runs.RunHistoryView;
import dev.kumiki.ui.internal.welcome.Documentation;
import dev.kumiki.ui.internal.welcome.DocumentationEditor;
import dev.kumiki.ui.internal.welcome.ExamplesProject;
import dev.kumiki.ui.internal.welcome.WelcomeEditor;
import dev.kumiki.ui.internal.wizards.NewPipelineWizard;
import dev.kumiki.canvas.Examples;
import org.eclipse.jface.viewers.StructuredSelection;
import org.eclipse.jface.wizard.WizardDialog;
import org.eclipse.ui.dialogs.PreferencesUtil;
import org.eclipse.ui.dialogs.WizardNewFileCreationPage;
import dev.kumiki.tensor.io.SyntheticModel;
import dev.kumiki.eval.report.ResultsJson;

/**
 * Kumiki Studio as a user meets it. The Studio application runs its workbench on a thread of its own for the whole
 * class; each test is a "user" that looks at the window, goes through the menus, edits, runs, and leaves the
 * workspace empty again, so one failing test does not hide the others. Screenshots go to target/screenshots.
 */
class StudioWorkbenchTest {

    private static final long TIMEOUT_MS = 60_000;

    private static Thread studio;
    private static final AtomicReference<Object> exit = new AtomicReference<>();
    private static final AtomicReference<Throwable> crash = new AtomicReference<>();
    private static Display display;
    /** Whether the Welcome page was open when the window first showed (the workspace is empty then). */
    private static boolean welcomeAtStart;

    @BeforeAll
    static void startTheStudio() throws Exception {
        studio = new Thread(() -> {
            try {
                exit.set(new StudioApplication().start(null));
            } catch (Throwable t) {
                crash.set(t);
            }
        }, "studio");
        studio.setDaemon(true);
        studio.start();
        display = awaitWorkbenchWindow();
        welcomeAtStart = ui(() -> {
            settle();
            return page().getActiveEditor() instanceof WelcomeEditor;
        });
    }

    @AfterAll
    static void quitTheStudio() throws Exception {
        if (display != null && !display.isDisposed()) {
            quit();
        }
        studio.join(TIMEOUT_MS);
        if (crash.get() != null) {
            throw new AssertionError("the Studio failed", crash.get());
        }
        assertTrue(!studio.isAlive(), "File > Exit ends the Studio");
        assertEquals(IApplication.EXIT_OK, exit.get(), "File > Exit ends the Studio normally");
    }

    /** Leaves the Studio as the next test expects it: no dialog, no editor, no project. */
    @AfterEach
    void leaveTheStudioEmpty() throws Exception {
        ui(() -> {
            Shell main = window().getShell();
            for (Shell s : display.getShells()) {
                if (s != main && !s.isDisposed() && s.isVisible()) {
                    s.close();
                }
            }
            page().closeAllEditors(false);
            Path workspace = ResourcesPlugin.getWorkspace().getRoot().getLocation().toPath();
            for (IProject p : ResourcesPlugin.getWorkspace().getRoot().getProjects()) {
                // a project opened on a folder outside the workspace (kumiki.evollmjp.dir) is the user's: only the
                // projects the tests made in the workspace go with their files
                p.delete(p.getLocation() == null || p.getLocation().toPath().startsWith(workspace), true, null);
            }
            return null;
        });
    }

    @Test
    void theWindowShowsTheKumikiPerspectiveAndTheHardware() throws Exception {
        ui(() -> {
            settle();
            assertEquals("Kumiki Studio", window().getShell().getText());
            assertEquals(StudioIds.PERSPECTIVE, page().getPerspective().getId());
            assertEquals("Kumiki", page().getPerspective().getLabel());
            HardwareView view = assertInstanceOf(HardwareView.class, page().findView(StudioIds.HARDWARE_VIEW));
            Map<String, String> shown = new LinkedHashMap<>();
            for (String[] row : view.rows()) {
                shown.put(row[0], row[1]);
            }
            Map<String, String> detected = new LinkedHashMap<>();
            HardwareProfile.detect().describe().forEach((k, v) -> detected.put(k, steady(v)));
            shown.replaceAll((k, v) -> steady(v));
            assertEquals(detected, shown, "the Hardware view shows the detected profile");
            screenshot("studio-workbench.png");
            return null;
        });
    }

    @Test
    void theMenusHoldOnlyWhatWorks() throws Exception {
        // Save, Undo and Redo wait for an editor
        ui(() -> {
            Menu bar = menuBar();
            assertEquals(List.of("File", "Edit", "Window", "Help"), texts(Arrays.asList(bar.getItems())));
            assertEquals(List.of("New", "Open Pipeline...", "Save", "Open File...", "Exit"),
                    texts(entries(bar, "File")));
            assertEquals(List.of("Undo", "Redo"), texts(entries(bar, "Edit")));
            assertEquals(List.of("Show View", "Reset Perspective...", "Preferences..."), texts(entries(bar, "Window")));
            assertEquals(List.of("Welcome", "Show Active Keybindings...", "About Kumiki Studio"),
                    texts(entries(bar, "Help")));
            for (String top : List.of("File", "Window", "Help")) {
                for (MenuItem item : entries(bar, top)) {
                    String text = texts(List.of(item)).get(0);
                    assertEquals(!text.equals("Save"), item.isEnabled(), text + " enabled");
                }
            }
            return null;
        });
    }

    /** A first start: the Welcome page with its three ways in; Help > Welcome brings it back. */
    @Test
    void aFirstStartGreetsTheUserWithTheWelcomePage() throws Exception {
        assertTrue(welcomeAtStart, "the Studio started on an empty workspace with the Welcome page in front");
        WelcomeEditor welcome = helpWelcome();
        List<String> labels = ui(() -> {
            settle();
            screenshot("studio-welcome.png");
            return welcome.actions().stream().map(c -> c instanceof Button b ? b.getText()
                    : ((Link) c).getText().replaceAll("</?a>", "")).toList();
        });
        List<String> expected = new ArrayList<>(List.of(WelcomeEditor.OPEN_EXAMPLES, WelcomeEditor.OPEN_EVOLLM_JP,
                WelcomeEditor.NEW_PIPELINE));
        Documentation.ALL.forEach(d -> expected.add(d.title()));
        assertEquals(expected, labels);
        // every document the build copies into the Studio is listed (evaluation.md and runtime.md were not)
        Path docs = Path.of(System.getProperty("user.dir")).resolve("../../docs").normalize();
        assertTrue(Files.isDirectory(docs), docs + " (the tests run in tests/dev.kumiki.ui.tests)");
        try (var files = Files.list(docs)) {
            List<String> written = new ArrayList<>(files.map(f -> f.getFileName().toString())
                    .filter(f -> f.endsWith(".md")).toList());
            written.add("README.md");
            assertEquals(written.stream().sorted().toList(),
                    Documentation.ALL.stream().map(Documentation.Document::file).sorted().toList());
        }

        // a document opens beside it, from the copy inside the Studio
        DocumentationEditor doc = ui(() -> {
            Link link = (Link) welcome.actions().get(3 + Documentation.ALL.indexOf(Documentation.ALL.stream()
                    .filter(d -> d.file().equals("pipelines.md")).findFirst().orElseThrow()));
            link.notifyListeners(SWT.Selection, new Event());
            return assertInstanceOf(DocumentationEditor.class, page().getActiveEditor());
        });
        String shown = "";
        for (long until = System.currentTimeMillis() + TIMEOUT_MS; System.currentTimeMillis() < until;) {
            shown = String.valueOf(ui(() -> doc.browser().evaluate("return document.body ? document.body.innerText "
                    + ": '';")));
            if (!shown.isEmpty()) {
                break;
            }
            Thread.sleep(100);
        }
        String first = Documentation.ALL.stream().filter(d -> d.file().equals("pipelines.md")).findFirst()
                .orElseThrow().text().lines().findFirst().orElseThrow();
        assertTrue(first.startsWith("# ") && shown.startsWith(first), first + " | " + shown.lines().findFirst());
        ui(() -> {
            settle();
            screenshot("studio-documentation.png");
            return null;
        });
    }

    /** Open the examples: a project with the example pipelines and their models, the first one on the canvas. */
    @Test
    void openTheExamplesMakesAProjectReadyToRun() throws Exception {
        WelcomeEditor welcome = helpWelcome();
        PipelineEditor editor = ui(() -> {
            Button open = (Button) welcome.actions().get(0);
            assertEquals(WelcomeEditor.OPEN_EXAMPLES, open.getText());
            open.notifyListeners(SWT.Selection, new Event());
            return assertInstanceOf(PipelineEditor.class, page().getActiveEditor());
        });
        IProject project = ResourcesPlugin.getWorkspace().getRoot().getProject(ExamplesProject.NAME);
        IFile opened = project.getFile(Examples.ALL.get(0).file());
        assertEquals(opened.getName(), ui(editor::getTitle), "the first example is open");
        Path dir = project.getLocation().toPath();
        for (Examples.Example e : Examples.ALL) {
            assertEquals(e.text(), Files.readString(dir.resolve(e.file())));
        }
        for (String model : Examples.MODELS) {
            assertTrue(Files.isRegularFile(dir.resolve("models").resolve(model).resolve("config.json")), model);
        }
        awaitCanvas(editor, 4);
        awaitMarkers(opened, List.of());
        ui(() -> {
            settle();
            screenshot("studio-examples.png");
            return null;
        });

        // again: nothing is overwritten, a user's edit survives
        Files.writeString(dir.resolve("ties.kumiki"), Files.readString(dir.resolve("ties.kumiki")) + "# mine\n");
        ui(() -> {
            project.refreshLocal(IResource.DEPTH_INFINITE, null);
            return null;
        });
        ui(() -> helpWelcomeOnUiThread().openExamples());
        assertTrue(Files.readString(dir.resolve("ties.kumiki")).endsWith("# mine\n"));
    }

    /** New pipeline… in a workspace without projects: the wizard names a project and Finish creates it. */
    @Test
    void theNewPipelineWizardCreatesTheProjectInAnEmptyWorkspace() throws Exception {
        assertEquals(0, ResourcesPlugin.getWorkspace().getRoot().getProjects().length, "an empty workspace");
        WelcomeEditor welcome = helpWelcome();
        // the button opens the wizard, a modal dialog: the click is posted and the dialog used while it is open
        display.asyncExec(() -> welcome.actions().get(2).notifyListeners(SWT.Selection, new Event()));
        Shell shell = awaitShell("New Pipeline");
        ui(() -> {
            settle();
            WizardDialog dialog = (WizardDialog) shell.getData();
            WizardNewFileCreationPage page = (WizardNewFileCreationPage) dialog.getCurrentPage();
            NewPipelineWizard wizard = (NewPipelineWizard) page.getWizard();
            assertEquals("pipeline.kumiki", page.getFileName());
            assertTrue(!anyVisibleTree(shell), "no folder chooser with nothing to choose from");
            assertTrue(page.isPageComplete(), "Finish is possible: " + page.getErrorMessage());
            assertEquals("There is no project yet: Finish creates 'pipelines' for the pipeline.", page.getMessage());
            wizard.projectName("my/merges");
            assertTrue(!page.isPageComplete(), "a name a project cannot have is refused");
            assertTrue(page.getErrorMessage() != null && page.getErrorMessage().contains("/"),
                    page.getErrorMessage());
            wizard.projectName("");
            assertEquals("Name the project the pipeline goes into.", page.getErrorMessage());
            wizard.projectName("my merges");
            assertTrue(page.isPageComplete(), "Finish is possible: " + page.getErrorMessage());
            assertEquals("There is no project yet: Finish creates 'my merges' for the pipeline.", page.getMessage());
            settle();
            screenshot("studio-new-pipeline-project.png");
            button(shell, "Finish").notifyListeners(SWT.Selection, new Event());
            return null;
        });
        IProject project = ResourcesPlugin.getWorkspace().getRoot().getProject("my merges");
        assertTrue(project.isOpen(), "Finish created the project");
        assertEquals("kumiki: 1\nnodes: {}\n", Files.readString(project.getLocation().toPath()
                .resolve("pipeline.kumiki")));
        PipelineEditor editor = ui(() -> assertInstanceOf(PipelineEditor.class, page().getActiveEditor()));
        awaitCanvas(editor, 0);
        assertTrue(shell.isDisposed(), "the wizard closed");
    }

    /** File > New > Pipeline from the TIES example, with its models, into an existing project; it opens. */
    @Test
    void theNewPipelineWizardWritesAnExampleWithItsModels() throws Exception {
        IProject project = project("merging");
        Path dir = project.getLocation().toPath();
        ui(() -> {
            NewPipelineWizard wizard = new NewPipelineWizard();
            wizard.init(PlatformUI.getWorkbench(), new StructuredSelection(project));
            WizardDialog dialog = new WizardDialog(window().getShell(), wizard);
            dialog.setBlockOnOpen(false);
            dialog.open();
            wizard.chooseTemplate(2, true);
            wizard.page().setFileName("ties.kumiki");
            assertEquals(project.getFullPath(), wizard.page().getContainerFullPath());
            assertTrue(wizard.canFinish());
            settle();
            screenshot("studio-new-pipeline.png");
            button(dialog.getShell(), "Finish").notifyListeners(SWT.Selection, new Event());
            return null;
        });
        assertEquals(Examples.ALL.get(1).text(), Files.readString(dir.resolve("ties.kumiki")));
        assertTrue(Files.isDirectory(dir.resolve("models/math")), "the example models are there");
        PipelineEditor ties = ui(() -> (PipelineEditor) page().getActiveEditor());
        awaitCanvas(ties, 7);
        awaitMarkers(project.getFile("ties.kumiki"), List.of());
    }

    /**
     * The pipeline editor: the canvas renders the file, edits arrive through the same bridge the canvas uses, the
     * Properties view edits settings, the Edit menu undoes and redoes, File > Save writes the file.
     */
    @Test
    void thePipelineEditorEditsUndoesAndSaves() throws Exception {
        IProject project = project("merging");
        Path dir = project.getLocation().toPath();
        IFile pipelineFile = pipeline(project, """
                kumiki: 1
                nodes:
                  a: {kind: LoadModel, path: models/a}
                  b: {kind: LoadModel, path: models/b}
                  merge:
                    kind: Merge
                    parameters: {weight: 0.5}
                connections:
                - a.model -> merge.models
                - b.model -> merge.models
                layout:
                  a: [0, 0]
                  b: [0, 140]
                  merge: [280, 70]
                """);
        PipelineEditor editor = ui(() -> (PipelineEditor) IDE.openEditor(page(), pipelineFile));
        awaitCanvas(editor, 3);
        assertEquals(0, markers(pipelineFile).size(), "a valid pipeline has no problems");

        // edits through the bridge, as the canvas sends them
        bridge(editor, "{type:'addNode',kind:'SaveModel',x:560,y:70}");
        awaitMarkers(pipelineFile, List.of("saveModel1 (path): 'path' is required: The output folder, "
                + "absolute or relative to the pipeline file.", "saveModel1 (model): input 'model' is not connected; "
                + "connect a model (the output of LoadModel, Merge or SaveModel) to it (the model to write)"));
        // the node selected on the canvas shows its settings in the Properties view; an edit there is a command
        bridge(editor, "{type:'select',nodes:['saveModel1']}");
        ui(() -> {
            settle();
            page().showView(IPageLayout.ID_PROP_SHEET);
            IStructuredSelection selected = (IStructuredSelection) editor.getSite().getSelectionProvider()
                    .getSelection();
            NodeProperties node = assertInstanceOf(NodeProperties.class, selected.getFirstElement());
            assertEquals(List.of("path", "shard_size", "dtype", "threads"), Arrays.stream(node
                    .getPropertyDescriptors()).filter(d -> "Settings".equals(d.getCategory()))
                    .map(d -> d.getDisplayName()).toList());
            assertEquals("node 'saveModel1': setting 'threads' must be a whole number, found 'x'",
                    node.validate("threads", "x"), "a value the model cannot take is refused in the cell");
            assertEquals(null, node.validate("threads", "4"));
            node.setPropertyValue("path", "out/merged");
            assertEquals("Set saveModel1.path", editor.session().commandStack().getUndoCommand().getLabel());
            return null;
        });
        // the Merge node's method parameters come from the merge library: a gradient typed as numbers
        bridge(editor, "{type:'select',nodes:['merge']}");
        ui(() -> {
            settle();
            IStructuredSelection selected = (IStructuredSelection) editor.getSite().getSelectionProvider()
                    .getSelection();
            NodeProperties node = assertInstanceOf(NodeProperties.class, selected.getFirstElement());
            assertEquals(List.of("normalize", "weight (all models)", "weight · a", "weight · b"), Arrays.stream(node
                    .getPropertyDescriptors()).filter(d -> "Method parameters".equals(d.getCategory()))
                    .map(d -> d.getDisplayName()).toList());
            assertEquals("0.5", node.getPropertyValue("param:parameters.weight"));
            node.setPropertyValue("param:models.a.weight", "0.2, 0.8");
            assertEquals("Set merge.models.a.weight", editor.session().commandStack().getUndoCommand().getLabel());
            assertEquals("[0.2, 0.8]", node.getPropertyValue("param:models.a.weight"));
            return null;
        });
        bridge(editor, "{type:'connect',from:'merge',fromPort:'model',to:'saveModel1',toPort:'model'}");
        awaitMarkers(pipelineFile, List.of());
        awaitCanvas(editor, 4);
        ui(() -> {
            assertTrue(editor.isDirty(), "edited");
            assertEquals(3, editor.session().pipeline().getConnections().size());
            // back in the editor, Edit > Undo takes the connection back, Edit > Redo makes it again
            page().activate(editor);
            MenuItem undo = entries(menuBar(), "Edit").get(0);
            assertEquals("Undo Connect merge to saveModel1", texts(List.of(undo)).get(0));
            undo.notifyListeners(SWT.Selection, new Event());
            assertEquals(2, editor.session().pipeline().getConnections().size());
            entries(menuBar(), "Edit").get(1).notifyListeners(SWT.Selection, new Event());
            assertEquals(3, editor.session().pipeline().getConnections().size());
            return null;
        });
        awaitCanvasElement(editor, "[data-testid=\"rf__edge-merge.model->saveModel1.model\"]");
        // the nodes show their key settings: the merge's method, the paths
        awaitCanvasElement(editor, "[data-testid=\"key-saveModel1-path\"]");
        assertEquals("path out/merged", ui(() -> editor.browser().evaluate(
                "return document.querySelector('[data-testid=\"key-saveModel1-path\"]').textContent;")));
        ui(() -> editor.browser().evaluate("[...document.querySelectorAll('button')]"
                + ".find(b => b.textContent === 'Fit').click(); return true;"));
        ui(() -> {
            settle();
            screenshot("studio-editor.png");
            // File > Save
            MenuItem save = entries(menuBar(), "File").stream().filter(i -> texts(List.of(i)).get(0).equals("Save"))
                    .findFirst().orElseThrow();
            assertTrue(save.isEnabled(), "Save is enabled for the edited pipeline");
            save.notifyListeners(SWT.Selection, new Event());
            assertTrue(!editor.isDirty(), "saved");
            return null;
        });
        String saved = Files.readString(dir.resolve("merge.kumiki"));
        assertTrue(saved.contains("  saveModel1:\n    kind: SaveModel\n    path: out/merged\n"), saved);
        assertTrue(saved.contains("- merge.model -> saveModel1.model\n"), saved);
        assertTrue(saved.contains("      a: {weight: [0.2, 0.8]}\n"), saved);
    }

    /** A run from the canvas: a Job while it runs, the Results and Run History views and the console afterwards. */
    @Test
    void aRunShowsInTheResultsRunHistoryAndConsole() throws Exception {
        IProject project = project("running");
        Path dir = project.getLocation().toPath();
        IFile file = pipeline(project, """
                kumiki: 1
                nodes:
                  a: {kind: LoadModel, path: models/a}
                  b: {kind: LoadModel, path: models/b}
                  merge:
                    kind: Merge
                    parameters: {weight: 0.5}
                  save: {kind: SaveModel, path: out/merged}
                connections:
                - a.model -> merge.models
                - b.model -> merge.models
                - merge.model -> save.model
                """);
        PipelineEditor editor = ui(() -> (PipelineEditor) IDE.openEditor(page(), file));
        awaitCanvas(editor, 4);
        bridge(editor, "{type:'run'}");
        ResultsView results = ui(() -> (ResultsView) page().showView(StudioIds.RESULTS_VIEW));
        long deadline = System.currentTimeMillis() + TIMEOUT_MS;
        while (ui(() -> results.shown() == null || !results.shown().status().equals("succeeded"))) {
            assertTrue(System.currentTimeMillis() < deadline, "the run shows up in the Results view");
            Thread.sleep(100);
        }
        List<List<String>> rows = ui(results::rows);
        assertEquals(List.of("a", "b", "merge", "save"), rows.stream().map(r -> r.get(0)).toList());
        assertEquals("done", rows.get(3).get(2));
        assertTrue(rows.get(3).get(4).startsWith("21 tensors, 11.4 kB in "), rows.get(3).toString());
        assertTrue(Files.isDirectory(dir.resolve("out/merged")), "the run wrote the model");
        ui(() -> {
            RunHistoryView history = (RunHistoryView) page().showView(StudioIds.RUN_HISTORY_VIEW);
            assertEquals(1, history.runs().size());
            page().showView(StudioIds.RESULTS_VIEW);
            settle();
            screenshot("studio-results.png");
            return null;
        });
        String console = "";
        for (long until = System.currentTimeMillis() + 10_000; System.currentTimeMillis() < until;) {
            console = ui(RunMonitorAccess::consoleText);
            if (console.contains("run succeeded")) {
                break;
            }
            Thread.sleep(100);
        }
        assertTrue(console.contains("run of run.kumiki started") && console.contains("run succeeded"), console);
    }

    /**
     * Two models evaluated in one pipeline and a generation: the Results view's Scores tab has a row per model, task
     * and metric with the values results.json holds, a chart per task with the models side by side, the report opens
     * in the Studio, and the generation reads in the text area.
     */
    @Test
    void anEvaluationShowsItsScoresChartReportAndGeneratedText() throws Exception {
        IProject project = ui(() -> {
            IProject p = ResourcesPlugin.getWorkspace().getRoot().getProject("evaluating");
            p.create(null);
            p.open(null);
            return p;
        });
        Path dir = project.getLocation().toPath();
        for (int v = 0; v < 2; v++) {
            SyntheticModel.llama().layers(2).hidden(32).intermediate(48).vocab(320).variant(v + 1).contextLength(256)
                    .byteLevelTokenizer().write(dir.resolve("models/" + List.of("alpha", "beta").get(v)));
        }
        IFile file = pipelineFile(project, "eval.kumiki", """
                kumiki: 1
                nodes:
                  alpha: {kind: LoadModel, path: models/alpha}
                  beta: {kind: LoadModel, path: models/beta}
                  evalAlpha: {kind: Evaluate, tasks: [counters_ja, ppl_en], limit: 6, threads: 1}
                  evalBeta: {kind: Evaluate, tasks: [counters_ja, ppl_en], limit: 6, threads: 1}
                  story: {kind: Generate, prompt: "Once upon a time", max_tokens: 16}
                  guess: {kind: Check, label: alpha beats a coin, task: counters_ja, metric: "acc,none", threshold: 0.5}
                  table:
                    kind: Report
                    title: Two random models
                    rows: [Alpha, Beta]
                    columns:
                      - {label: Counters, task: counters_ja, metric: "acc,none", percent: true}
                      - {label: Bytes, task: ppl_en, metric: "byte_perplexity,none"}
                connections:
                - alpha.model -> evalAlpha.model
                - beta.model -> evalBeta.model
                - alpha.model -> story.model
                - evalAlpha.scores -> guess.scores
                - evalAlpha.scores -> table.scores
                - evalBeta.scores -> table.scores
                - guess.check -> table.checks
                layout:
                  alpha: [0, 0]
                  beta: [0, 160]
                  evalAlpha: [300, 0]
                  evalBeta: [300, 160]
                  story: [300, 320]
                  guess: [600, 0]
                  table: [600, 160]
                """);
        PipelineEditor editor = ui(() -> (PipelineEditor) IDE.openEditor(page(), file));
        awaitCanvas(editor, 7);
        awaitMarkers(file, List.of());
        bridge(editor, "{type:'run'}");
        ResultsView results = ui(() -> (ResultsView) page().showView(StudioIds.RESULTS_VIEW));
        awaitRun(results, "succeeded");

        // the Report node's table comes first: a row per model, its cells the values results.json holds
        Path record = ui(() -> results.shown().dir());
        assertTrue(ui(results::showsReport), "the Report tab is in front after a run with a Report node");
        List<List<String>> table = ui(results::reportRows);
        assertEquals(List.of("Model", "Counters", "Bytes"), table.get(0));
        assertEquals(List.of("Alpha", "Beta"), table.stream().skip(1).map(r -> r.get(0)).toList());
        for (int i = 0; i < 2; i++) {
            var read = ResultsJson.read(record.resolve("nodes").resolve(List.of("evalAlpha", "evalBeta").get(i))
                    .resolve("results.json"));
            double counters = read.task("counters_ja").orElseThrow().metric("acc", "none").orElseThrow().value();
            double bytes = read.task("ppl_en").orElseThrow().metric("byte_perplexity", "none").orElseThrow().value();
            assertTrue(table.get(i + 1).get(1).startsWith(String.format(Locale.ROOT, "%.1f %% ± ", counters * 100)),
                    table.toString());
            assertTrue(table.get(i + 1).get(2).startsWith(String.format(Locale.ROOT, "%.2f ± ", bytes)),
                    table.toString());
        }
        String checks = ui(results::reportChecks);
        assertTrue(checks.startsWith("Checks:\n") && checks.contains("alpha beats a coin: alpha scores "), checks);
        ui(() -> {
            page().setPartState(page().getReference(results), IWorkbenchPage.STATE_MAXIMIZED);
            settle();
            screenshot("studio-report-tab.png");
            page().setPartState(page().getReference(results), IWorkbenchPage.STATE_RESTORED);
            return null;
        });

        // the scores as results.json holds them: one row per model, task and metric, in the order of the run
        List<List<String>> rows = ui(results::scoreRows);
        List<List<String>> expected = new ArrayList<>();
        for (String[] node : new String[][] {{"evalAlpha", "alpha"}, {"evalBeta", "beta"}}) {
            var read = ResultsJson.read(record.resolve("nodes").resolve(node[0]).resolve("results.json"));
            assertEquals(node[1], read.model(), "results.json names the model by its folder");
            for (var t : read.tasks()) {
                for (var m : t.metrics()) {
                    expected.add(List.of(node[1], t.task(), m.filter().equals("none") ? m.metric() : m.metric() + " ("
                            + m.filter() + ")", String.valueOf(m.value()), String.valueOf(m.stderr()),
                            t.effective() + "/" + t.original()));
                }
            }
        }
        assertEquals(expected.size(), rows.size(), rows.toString());
        for (int i = 0; i < rows.size(); i++) {
            List<String> row = rows.get(i);
            List<String> want = expected.get(i);
            assertEquals(want.subList(0, 3), row.subList(0, 3), "model, task, metric of row " + i);
            double value = Double.parseDouble(want.get(3));
            assertEquals(value, Double.parseDouble(row.get(3)), Math.max(1e-4, Math.abs(value) * 1e-3),
                    "value of " + row);
            double stderr = Double.parseDouble(want.get(4));
            if (Double.isNaN(stderr)) {
                assertEquals("N/A", row.get(4), "no standard error: " + row);
            } else {
                assertTrue(row.get(4).startsWith("± "), row.toString());
                assertEquals(stderr, Double.parseDouble(row.get(4).substring(2)), Math.max(1e-4, stderr * 1e-3),
                        "standard error of " + row);
            }
            assertEquals(want.get(5), row.get(5), "items of " + row);
        }
        // both models, both tasks, the metrics the shipped task files name
        assertEquals(List.of("alpha", "beta"), rows.stream().map(r -> r.get(0)).distinct().toList());
        assertEquals(List.of("counters_ja", "ppl_en"), rows.stream().map(r -> r.get(1)).distinct().toList());
        assertEquals(List.of("acc", "acc_norm"), rows.stream().filter(r -> r.get(0).equals("alpha")
                && r.get(1).equals("counters_ja")).map(r -> r.get(2)).toList());
        assertTrue(rows.stream().allMatch(r -> r.get(5).startsWith("6/")), "the limit of 6 items: " + rows);
        // whether higher or lower is better stands beside the metric, not last, where a narrow view cut it off
        assertEquals(List.of("Model", "Task", "Metric", "Better", "Value", "± Stderr", "Items"),
                ui(results::scoreHeaders));
        ui(() -> {
            results.showScores();
            page().setPartState(page().getReference(results), IWorkbenchPage.STATE_MAXIMIZED);
            settle();
            screenshot("studio-scores.png");
            return null;
        });

        // the generation, read from the run's record; control characters a random model writes shown as pictures
        StringBuilder visible = new StringBuilder();
        for (char c : Files.readString(record.resolve("nodes/story/generation.txt")).toCharArray()) {
            visible.append(c == '\n' || c == '\t' ? c : c < 32 ? (char) (0x2400 + c) : c == 127 ? '\u2421' : c);
        }
        String generated = visible.toString();
        assertTrue(!generated.isEmpty(), "the model wrote something");
        List<String> text = ui(() -> results.selectNode("story"));
        assertEquals(List.of("Text generated by story:", generated), text);
        ui(() -> {
            settle();
            screenshot("studio-results-text.png");
            page().setPartState(page().getReference(results), IWorkbenchPage.STATE_RESTORED);
            return null;
        });

        // the report: both models on one leaderboard, in the Studio's browser
        ReportEditor report = ui(() -> results.openReport());
        assertTrue(report != null, "the report opened");
        assertTrue(Files.isRegularFile(record.resolve("report.html")), "the report is kept in the run's record");
        String page = "";
        for (long until = System.currentTimeMillis() + TIMEOUT_MS; System.currentTimeMillis() < until;) {
            page = String.valueOf(ui(() -> report.browser().evaluate(
                    "return document.title + '\\n' + (document.body ? document.body.innerText : '');")));
            if (page.contains("alpha") && page.contains("beta")) {
                break;
            }
            Thread.sleep(100);
        }
        assertTrue(page.startsWith("Kumiki evaluation report\n") && page.contains("alpha") && page.contains("beta")
                && page.contains("counters_ja") && page.contains("ppl_en"), page);
        ui(() -> {
            settle();
            screenshot("studio-report.png");
            return null;
        });

        // run again: the scores come from the cache, and the view still shows them
        ui(() -> {
            page().activate(editor);
            return null;
        });
        bridge(editor, "{type:'run'}");
        long deadline = System.currentTimeMillis() + TIMEOUT_MS;
        while (ui(() -> results.shown() == null || results.shown().dir().equals(record)
                || !results.shown().status().equals("succeeded"))) {
            assertTrue(System.currentTimeMillis() < deadline, "the second run shows up in the Results view");
            Thread.sleep(100);
        }
        assertEquals(List.of("cached", "cached"), ui(() -> results.rows().stream().filter(r -> r.get(0)
                .startsWith("eval")).map(r -> r.get(2)).toList()));
        assertEquals(rows, ui(results::scoreRows), "a cached node's scores, read through its cache entry");
    }

    /**
     * A long evaluation: the Results view says how far it is (items done of all, tokens/s) while the Progress view
     * has its Job, and Cancel Run stops it; the run is recorded as cancelled and leaves no scores behind.
     */
    @Test
    void aLongEvaluationShowsItsProgressAndCancels() throws Exception {
        IProject project = ui(() -> {
            IProject p = ResourcesPlugin.getWorkspace().getRoot().getProject("long");
            p.create(null);
            p.open(null);
            return p;
        });
        Path dir = project.getLocation().toPath();
        SyntheticModel.llama().layers(4).hidden(256).intermediate(704).vocab(320).variant(3).contextLength(4096)
                .byteLevelTokenizer().write(dir.resolve("models/gamma"));
        // every item of three tasks, the stories' perplexities first: many thousand tokens, one byte each
        IFile file = pipelineFile(project, "long.kumiki", """
                kumiki: 1
                nodes:
                  gamma: {kind: LoadModel, path: models/gamma}
                  eval: {kind: Evaluate, tasks: [ppl_ja, ppl_en, counters_ja], threads: 1}
                connections:
                - gamma.model -> eval.model
                """);
        PipelineEditor editor = openChecked(file, 2);
        ResultsView results = run(editor);
        java.util.regex.Pattern line = java.util.regex.Pattern.compile(
                "Running eval: (\\d+)/(\\d+) items, \\d+ tokens/s");
        String progress = "";
        long deadline = System.currentTimeMillis() + 4 * TIMEOUT_MS;
        while (true) {
            progress = ui(results::progress);
            var match = line.matcher(progress);
            if (match.matches() && Integer.parseInt(match.group(1)) >= 2) {
                assertTrue(Integer.parseInt(match.group(2)) > 80, "the 40 stories of each ppl task and the counter "
                        + "questions: " + progress);
                break;
            }
            assertTrue(System.currentTimeMillis() < deadline, "no progress shown: " + progress);
            Thread.sleep(50);
        }
        assertTrue(Arrays.stream(org.eclipse.core.runtime.jobs.Job.getJobManager().find(null))
                .anyMatch(j -> j.getName().equals("Running long.kumiki")), "the run is a Job in the Progress view");
        ui(() -> {
            page().showView(StudioIds.RESULTS_VIEW);
            settle();
            screenshot("studio-eval-progress.png");
            assertTrue(results.pressCancel(), "Cancel Run is enabled while the run goes on");
            return null;
        });
        awaitRun(results, "cancelled");
        List<List<String>> rows = ui(results::rows);
        assertEquals(List.of("cancelled"), rows.stream().filter(r -> r.get(0).equals("eval")).map(r -> r.get(2))
                .toList(), rows.toString());
        Path record = ui(() -> results.shown().dir());
        assertTrue(!Files.exists(record.resolve("nodes/eval/results.json")), "a cancelled evaluation has no scores");
        assertEquals(List.of(), ui(results::scoreRows));
        String after = ui(results::progress);
        assertTrue(after.startsWith("The last run cancelled in "), after);
    }

    /**
     * The evaluation example a newcomer opens from the Welcome page: a merge never saved and its two parents on
     * ppl_en, side by side in the Results view.
     */
    @Test
    void theEvaluationExampleShowsThreeModelsSideBySide() throws Exception {
        ui(() -> helpWelcomeOnUiThread().openExamples());
        IProject project = ResourcesPlugin.getWorkspace().getRoot().getProject(ExamplesProject.NAME);
        IFile file = project.getFile("evaluate.kumiki");
        assertTrue(file.exists(), "the examples include the evaluation");
        PipelineEditor editor = openChecked(file, 7);
        ResultsView results = run(editor);
        awaitRun(results, "succeeded");
        List<List<String>> rows = ui(results::scoreRows);
        List<String> models = rows.stream().map(r -> r.get(0)).distinct().toList();
        assertEquals(3, models.size(), rows.toString());
        assertEquals(List.of("chat", "code", "slerp"), models.stream().map(m -> m.startsWith("slerp") ? "slerp" : m)
                .sorted().toList(), "the merge and its parents: " + models);
        assertEquals(List.of("ppl_en"), rows.stream().map(r -> r.get(1)).distinct().toList());
        ui(() -> {
            results.showScores();
            page().setPartState(page().getReference(results), IWorkbenchPage.STATE_MAXIMIZED);
            settle();
            screenshot("studio-evaluate-example.png");
            page().setPartState(page().getReference(results), IWorkbenchPage.STATE_RESTORED);
            return null;
        });
    }

    /**
     * The Micro EvoLLM-JP example (examples/evollm-jp) in the Studio, opened from the Welcome page's entry and reduced
     * as EvollmJpExampleTest reduces it (two
     * training steps, one generation of two documents a search, two items an evaluation): its 32 nodes open on the
     * canvas without a problem, it runs, and the Results view brings its Report to the front — the paper's table, a row
     * per model and the five checks. With {@code -Dkumiki.evollmjp.dir=FOLDER} (a copy of examples/ in which the full
     * example has run, so that everything comes from its cache) it opens that folder instead, unreduced: that is how
     * the screenshots in examples/evollm-jp/README.md are taken.
     */
    @Test
    void theEvollmJpExampleRunsInTheStudioAndShowsItsReport() throws Exception {
        String real = System.getProperty("kumiki.evollmjp.dir", "");
        IProject project;
        if (!real.isEmpty()) {
            project = ui(() -> {
                IProject p = ResourcesPlugin.getWorkspace().getRoot().getProject("evollm-jp-example");
                var description = ResourcesPlugin.getWorkspace().newProjectDescription(p.getName());
                description.setLocation(new org.eclipse.core.runtime.Path(real));
                p.create(description, null);
                p.open(null);
                return p;
            });
        } else {
            // as a workshop starts: from the Welcome page's entry, which writes the example and the base it needs
            IFile opened = ui(() -> helpWelcomeOnUiThread().openEvollmJp());
            assertEquals("evollm-jp/evollm-jp.kumiki", opened.getProjectRelativePath().toString());
            project = opened.getProject();
            ui(() -> page().closeAllEditors(false));
        }
        Path dir = project.getLocation().toPath();
        if (real.isEmpty()) {
            assertTrue(Files.isRegularFile(dir.resolve("train/base/model.safetensors")), "the base it fine-tunes");
            assertTrue(Files.isRegularFile(dir.resolve("evollm-jp/README.md")), "the workshop guide");
            String text = Files.readString(dir.resolve("evollm-jp/evollm-jp.kumiki"))
                    .replaceAll("max_steps: \\d+", "max_steps: 2").replace("batch_size: 8", "batch_size: 2")
                    .replace("warmup_steps: 10", "warmup_steps: 1").replace("eval_steps: 50", "eval_steps: 0")
                    .replace("save_steps: 50", "save_steps: 0")
                    .replace("generations: 10\n", "generations: 1\n    subsample: 2\n")
                    .replaceAll("(kind: Evaluate\n    tasks: \\[[^\\]]*\\]\n)", "$1    limit: 2\n")
                    .replace("    stop: true\n", "    stop: false\n"); // two steps teach nothing: report, go on
            assertEquals(10, text.split("limit: 2", -1).length - 1, "every evaluation is reduced");
            assertEquals(5, text.split("stop: false", -1).length - 1, "every check reports");
            Files.writeString(dir.resolve("evollm-jp/evollm-jp.kumiki"), text);
        }
        ui(() -> {
            project.refreshLocal(IResource.DEPTH_INFINITE, null);
            return null;
        });
        IFile file = project.getFile("evollm-jp/evollm-jp.kumiki");
        PipelineEditor editor = openChecked(file, 32);
        ui(() -> {
            page().setPartState(page().getReference(editor), IWorkbenchPage.STATE_MAXIMIZED);
            settle();
            // the canvas fitted the graph to the editor's size before it was maximized: fit it again, as Fit does
            editor.browser().evaluate("[...document.querySelectorAll('button')].find(b => b.textContent === 'Fit')"
                    + ".click();");
            return null;
        });
        Thread.sleep(500);
        ui(() -> {
            settle();
            screenshot("studio-evollm-jp-pipeline.png");
            page().setPartState(page().getReference(editor), IWorkbenchPage.STATE_RESTORED);
            return null;
        });
        Path runs = dir.resolve("evollm-jp/.kumiki/runs");
        java.util.Set<Path> before = new java.util.HashSet<>();
        if (Files.isDirectory(runs)) {
            try (var list = Files.list(runs)) {
                list.forEach(before::add);
            }
        }
        ResultsView results = run(editor);
        // a folder that ran before holds succeeded runs already: wait for this one
        long deadline = System.currentTimeMillis() + 4 * TIMEOUT_MS;
        while (ui(() -> results.shown() == null || before.contains(results.shown().dir())
                || !results.shown().status().equals("succeeded"))) {
            String seen = ui(() -> results.shown() == null ? "no run" : results.shown().status() + " "
                    + results.rows());
            assertTrue(!seen.startsWith("failed") && System.currentTimeMillis() < deadline, "the run succeeds: "
                    + seen);
            Thread.sleep(100);
        }
        assertTrue(ui(results::showsReport), "the Report tab is in front");
        List<List<String>> table = ui(results::reportRows);
        assertEquals(List.of("Model", "JA maths (mult_ja)", "JA skill (qa_ja char_f1)", "EN maths (mult_en)"),
                table.get(0));
        assertEquals(List.of("base", "ja", "math", "TIES", "DARE-TIES", "PS (evolved)", "DFS (evolved)",
                "hybrid (evolved)"), table.stream().skip(1).map(r -> r.get(0)).toList());
        String checks = ui(results::reportChecks);
        assertEquals(6, checks.lines().count(), checks);
        assertTrue(Files.isRegularFile(dir.resolve("evollm-jp/results/report.md")), "the report beside the pipeline");
        ui(() -> {
            page().setPartState(page().getReference(results), IWorkbenchPage.STATE_MAXIMIZED);
            settle();
            screenshot("studio-evollm-jp-report.png");
            results.showEvolution();
            settle();
            screenshot("studio-evollm-jp-evolution.png");
            page().setPartState(page().getReference(results), IWorkbenchPage.STATE_RESTORED);
            return null;
        });
    }

    /**
     * A small model trained from scratch in a pipeline: while the Train node runs, the Results view's Training tab
     * comes to the front and its chart grows step by step (training loss, and validation loss every ten steps); the
     * progress line says the step, loss and time left. When the run ends the chart shows the same series, read back
     * from the run record.
     */
    @Test
    void aTrainingShowsItsLossCurveLiveAndKeepsIt() throws Exception {
        IProject project = ui(() -> {
            IProject p = ResourcesPlugin.getWorkspace().getRoot().getProject("training");
            p.create(null);
            p.open(null);
            return p;
        });
        Path dir = project.getLocation().toPath();
        Files.createDirectories(dir.resolve("tiny"));
        Files.writeString(dir.resolve("tiny/config.json"), """
                {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 32,
                 "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
                 "vocab_size": 300, "max_position_embeddings": 128, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
                 "tie_word_embeddings": false, "torch_dtype": "float32"}
                """);
        StringBuilder corpus = new StringBuilder();
        String[] lines = {"the cat sat on the mat", "a dog ran in the park", "birds sing in the morning",
            "the sun is warm today", "rain falls on the roof"};
        for (int i = 0; i < 100; i++) {
            corpus.append("{\"text\": \"").append(lines[i % lines.length]).append("\"}\n");
        }
        Files.writeString(dir.resolve("corpus.jsonl"), corpus);
        IFile file = pipelineFile(project, "train.kumiki", """
                kumiki: 1
                nodes:
                  data: {kind: Dataset, path: corpus.jsonl, val_size: 0.2}
                  train: {kind: Train, mode: scratch, config: tiny, max_steps: 60, batch_size: 4, cutoff_len: 32,
                    learning_rate: 3e-3, warmup_steps: 5, eval_steps: 10, save_steps: 50, seed: 1}
                connections:
                - data.dataset -> train.dataset
                """);
        PipelineEditor editor = openChecked(file, 2);
        ResultsView results = run(editor);
        java.util.regex.Pattern line = java.util.regex.Pattern.compile(
                "Running train: step (\\d+)/60, loss \\d+\\.\\d{4}(, val \\d+\\.\\d{4})?, \\d+ tokens/s, .* left");
        long deadline = System.currentTimeMillis() + 4 * TIMEOUT_MS;
        String progress = "";
        int livePoints = 0;
        while (true) {
            progress = ui(results::progress);
            livePoints = ui(() -> results.trainingPoints("train", "loss").size());
            var match = line.matcher(progress);
            if (match.matches() && Integer.parseInt(match.group(1)) >= 20 && livePoints >= 20
                    && Integer.parseInt(match.group(1)) < 60) {
                break;
            }
            assertTrue(System.currentTimeMillis() < deadline && !progress.startsWith("The last run"),
                    "no live training shown: " + progress + ", " + livePoints + " points");
            Thread.sleep(30);
        }
        assertTrue(ui(results::showsTraining), "the Training tab comes to the front when the training starts");
        assertTrue(ui(() -> results.trainingPoints("train", "val_loss").size()) >= 1, "a validation at step 10");
        ui(() -> {
            page().showView(StudioIds.RESULTS_VIEW);
            settle();
            screenshot("studio-training-live.png");
            return null;
        });
        awaitRun(results, "succeeded");
        List<dev.kumiki.engine.RunRecords.Point> loss = ui(() -> results.trainingPoints("train", "loss"));
        List<dev.kumiki.engine.RunRecords.Point> validation = ui(() -> results.trainingPoints("train", "val_loss"));
        assertEquals(60, loss.size(), "a point a step");
        assertEquals(List.of(10L, 20L, 30L, 40L, 50L, 60L),
                validation.stream().map(dev.kumiki.engine.RunRecords.Point::step).toList());
        Path record = ui(() -> results.shown().dir());
        assertEquals(Map.of("loss", loss, "val_loss", validation), Map.copyOf(
                dev.kumiki.engine.RunRecords.metrics(record, "train")).entrySet().stream()
                .filter(e -> !e.getKey().equals("learning_rate"))
                .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
        // it learned: the last losses are far below the first (about ln 300 = 5.7 for a random model)
        assertTrue(loss.getLast().value() < loss.getFirst().value() - 1, loss.getFirst() + " -> " + loss.getLast());
        assertTrue(ui(results::showsTraining), "a run without scores opens on its training chart");
        ui(() -> {
            page().setPartState(page().getReference(results), IWorkbenchPage.STATE_MAXIMIZED);
            settle();
            screenshot("studio-training.png");
            page().setPartState(page().getReference(results), IWorkbenchPage.STATE_RESTORED);
            return null;
        });

        // run again: the training comes from the cache, and its chart from the run that computed it
        String first = ui(() -> results.shown().id());
        bridge(editor, "{type:'run'}");
        long again = System.currentTimeMillis() + 4 * TIMEOUT_MS;
        while (ui(() -> results.shown().id().equals(first) || !results.shown().status().equals("succeeded"))) {
            assertTrue(System.currentTimeMillis() < again, "the second run ends");
            Thread.sleep(100);
        }
        assertEquals(List.of("cached"), ui(results::rows).stream().filter(r -> r.get(0).equals("train"))
                .map(r -> r.get(2)).toList());
        assertEquals(loss, ui(() -> results.trainingPoints("train", "loss")));
    }

    /**
     * A multi-objective evolutionary merge cancelled after eight generations, as its run record keeps it (written
     * here the way the engine writes it: run.json and the EvolveMerge node's metrics.jsonl): opening the pipeline
     * shows the Evolution tab with the best and mean fitness per generation and objective, the best candidate's
     * parameters per model and layer group, the latest Pareto front, and a line saying that Run resumes the search.
     * Tagged so that it can run alone ({@code -Dgroups=evolution}): Tycho's surefire ignores a method in {@code -Dtest}.
     */
    @Test
    @Tag("evolution")
    void anEvolutionShowsItsGenerationsBestCandidateAndParetoFront() throws Exception {
        IProject project = project("evolution");
        Path dir = project.getLocation().toPath();
        Path record = dir.resolve(".kumiki/runs/20261201-170000-000");
        Files.createDirectories(record.resolve("nodes/evolve"));
        Files.writeString(record.resolve("run.json"), """
                {"status": "cancelled", "seconds": 312.5, "nodes": {
                  "ja": {"kind": "LoadModel", "status": "done", "seconds": 0.1, "outputs": {"model": "models/ja"}},
                  "math": {"kind": "LoadModel", "status": "done", "seconds": 0.1, "outputs": {"model": "models/math"}},
                  "evolve": {"kind": "EvolveMerge", "status": "cancelled", "seconds": 312.2,
                    "messages": ["generation 8: best mgsm_ja 0.3800, ja_fluency 0.6100"]}}}
                """);
        // eight generations of two objectives; the fronts trade one objective for the other
        StringBuilder metrics = new StringBuilder();
        Map<String, List<Double>> expectedBest = new LinkedHashMap<>();
        String[] objectives = {"mgsm_ja", "ja_fluency"};
        for (int g = 1; g <= 8; g++) {
            for (int o = 0; o < 2; o++) {
                double best = o == 0 ? 0.10 + 0.035 * g : 0.45 + 0.02 * g;
                double mean = best - 0.08 + 0.004 * g;
                expectedBest.computeIfAbsent(objectives[o], k -> new ArrayList<>()).add(best);
                metrics.append(point("best/" + objectives[o], g, best)).append(point("mean/" + objectives[o], g, mean));
            }
            for (int k = 0; k < 4; k++) {
                metrics.append(point("pareto/mgsm_ja", g, 0.05 + 0.03 * g + 0.05 * k));
            }
            for (int k = 0; k < 4; k++) {
                metrics.append(point("pareto/ja_fluency", g, 0.40 + 0.02 * g - 0.04 * k));
            }
            for (String model : new String[] {"ja", "math"}) {
                for (String layers : new String[] {"layers 0-1", "layers 2-3"}) {
                    double weight = model.equals("ja") ? 0.3 + 0.01 * g : 0.7 - 0.02 * g + (layers.endsWith("3")
                            ? 0.1 : 0);
                    metrics.append(point("param/" + model + "/weight/" + layers, g, weight))
                            .append(point("param/" + model + "/density/" + layers, g, 0.5 + 0.03 * g));
                }
            }
        }
        Files.writeString(record.resolve("nodes/evolve/" + dev.kumiki.engine.RunRecords.METRICS), metrics);
        IFile file = pipeline(project, """
                kumiki: 1
                nodes:
                  ja: {kind: LoadModel, path: models/ja}
                  math: {kind: LoadModel, path: models/math}
                """);
        ResultsView results = ui(() -> (ResultsView) page().showView(StudioIds.RESULTS_VIEW));
        PipelineEditor editor = ui(() -> (PipelineEditor) IDE.openEditor(page(), file));
        awaitCanvas(editor, 2);
        awaitRun(results, "cancelled");

        assertTrue(ui(results::showsEvolution), "a run that searched and scored nothing opens on its Evolution tab");
        for (String objective : objectives) {
            List<dev.kumiki.engine.RunRecords.Point> best = ui(() -> results.evolutionPoints("evolve", "best/"
                    + objective));
            assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L), best.stream()
                    .map(dev.kumiki.engine.RunRecords.Point::step).toList(), objective);
            assertEquals(expectedBest.get(objective), best.stream().map(dev.kumiki.engine.RunRecords.Point::value)
                    .toList(), objective);
            assertEquals(8, ui(() -> results.evolutionPoints("evolve", "mean/" + objective)).size(), objective);
        }
        // the best candidate as of generation 8, per model and layer group, in the order the search reported them
        assertEquals(List.of(
                List.of("evolve", "ja", "weight", "layers 0-1", "0.3800"),
                List.of("evolve", "ja", "density", "layers 0-1", "0.7400"),
                List.of("evolve", "ja", "weight", "layers 2-3", "0.3800"),
                List.of("evolve", "ja", "density", "layers 2-3", "0.7400"),
                List.of("evolve", "math", "weight", "layers 0-1", "0.5400"),
                List.of("evolve", "math", "density", "layers 0-1", "0.7400"),
                List.of("evolve", "math", "weight", "layers 2-3", "0.6400"),
                List.of("evolve", "math", "density", "layers 2-3", "0.7400")), ui(results::evolutionParameters));
        // the front of generation 8 only: its k-th mgsm_ja with its k-th ja_fluency
        List<double[]> front = ui(() -> results.paretoFront("evolve"));
        assertEquals(4, front.size());
        for (int k = 0; k < 4; k++) {
            assertEquals(0.05 + 0.03 * 8 + 0.05 * k, front.get(k)[0], 1e-12);
            assertEquals(0.40 + 0.02 * 8 - 0.04 * k, front.get(k)[1], 1e-12);
        }
        String note = ui(results::evolutionNote);
        assertTrue(note.startsWith("This search was cancelled after generation 8: Run continues it with generation 9. "
                + "The search saves a checkpoint after every generation: Cancel Run (or closing the Studio) keeps "
                + "it, and Run continues the search from the last generation completed"), note);
        assertTrue(ui(() -> results.trainingPoints("evolve", "best/mgsm_ja")).isEmpty(),
                "the Training tab keeps to losses");
        ui(() -> {
            page().setPartState(page().getReference(results), IWorkbenchPage.STATE_MAXIMIZED);
            settle();
            screenshot("studio-evolution.png");
            page().setPartState(page().getReference(results), IWorkbenchPage.STATE_RESTORED);
            return null;
        });
    }

    /**
     * An evolutionary merge run from the canvas: while the EvolveMerge node searches, the Results view's Evolution tab
     * comes to the front and its best and mean fitness grow generation by generation, and the progress line says the
     * generation; when the run ends the chart has every generation, read back from the run record. Tagged so that it
     * can run alone ({@code -Dgroups=evolution}).
     */
    @Test
    @Tag("evolution")
    void aSearchShowsItsGenerationsLiveAndKeepsThem() throws Exception {
        IProject project = ui(() -> {
            IProject p = ResourcesPlugin.getWorkspace().getRoot().getProject("evolution-live");
            p.create(null);
            p.open(null);
            return p;
        });
        Path dir = project.getLocation().toPath();
        List<String> names = List.of("base", "ja", "math");
        for (int v = 0; v < names.size(); v++) {
            SyntheticModel.llama().layers(2).hidden(32).intermediate(48).vocab(320).variant(v).contextLength(128)
                    .byteLevelTokenizer().write(dir.resolve("models/" + names.get(v)));
        }
        int generations = 16;
        IFile file = pipelineFile(project, "evolve.kumiki", """
                kumiki: 1
                nodes:
                  base: {kind: LoadModel, path: models/base}
                  ja: {kind: LoadModel, path: models/ja}
                  math: {kind: LoadModel, path: models/math}
                  evolve: {kind: EvolveMerge, tasks: [counters_ja], generations: %d, population: 4, subsample: 16,
                    layer_groups: 2}
                connections: [ja.model -> evolve.models, math.model -> evolve.models, base.model -> evolve.base]
                """.formatted(generations));
        PipelineEditor editor = openChecked(file, 4);
        ResultsView results = run(editor);
        java.util.regex.Pattern line = java.util.regex.Pattern.compile("Running evolve: generation (\\d+)/"
                + generations + ".*");
        long deadline = System.currentTimeMillis() + 4 * TIMEOUT_MS;
        String progress = "";
        int live = 0;
        while (true) {
            progress = ui(results::progress);
            live = ui(() -> results.evolutionPoints("evolve", "best").size());
            var match = line.matcher(progress);
            if (match.matches() && Integer.parseInt(match.group(1)) >= 2 && live >= 2
                    && Integer.parseInt(match.group(1)) < generations) {
                break;
            }
            assertTrue(System.currentTimeMillis() < deadline && !progress.startsWith("The last run"),
                    "no live search shown: " + progress + ", " + live + " generations");
            Thread.sleep(30);
        }
        assertTrue(ui(results::showsEvolution), "the Evolution tab comes to the front when the search reports");
        assertTrue(ui(() -> results.evolutionPoints("evolve", "mean").size()) >= 2);
        List<List<String>> parameters = ui(results::evolutionParameters);
        assertTrue(parameters.stream().anyMatch(r -> r.subList(0, 4).equals(List.of("evolve", "ja", "weight",
                "layers 0-0"))), "the best candidate's parameters per model and layer group: " + parameters);
        ui(() -> {
            page().showView(StudioIds.RESULTS_VIEW);
            settle();
            screenshot("studio-evolution-live.png");
            return null;
        });
        awaitRun(results, "succeeded");
        List<dev.kumiki.engine.RunRecords.Point> best = ui(() -> results.evolutionPoints("evolve", "best"));
        assertEquals(generations, best.size(), "a point a generation");
        Path record = ui(() -> results.shown().dir());
        assertEquals(dev.kumiki.engine.RunRecords.metrics(record, "evolve").get("best"), best);
        assertTrue(ui(results::showsEvolution), "a run with a search and no scores opens on its Evolution tab");
    }

    /** One line of a node's metrics.jsonl. */
    private static String point(String metric, long step, double value) {
        return "{\"metric\": \"" + metric + "\", \"step\": " + step + ", \"value\": " + value + "}\n";
    }

    /** Waits until the Results view shows a run of the active pipeline with {@code status}. */
    private static void awaitRun(ResultsView results, String status) throws Exception {
        long deadline = System.currentTimeMillis() + 4 * TIMEOUT_MS;
        while (ui(() -> results.shown() == null || !results.shown().status().equals(status))) {
            String seen = ui(() -> results.shown() == null ? "no run" : results.shown().status() + " " + results.rows());
            assertTrue(!seen.startsWith("failed") && System.currentTimeMillis() < deadline, "the run is " + status
                    + " in the Results view: " + seen);
            Thread.sleep(100);
        }
    }

    /** Opens a pipeline whose nodes all check out: its canvas shows {@code nodes} nodes and it has no marker. */
    private static PipelineEditor openChecked(IFile file, int nodes) throws Exception {
        PipelineEditor editor = ui(() -> (PipelineEditor) IDE.openEditor(page(), file));
        awaitCanvas(editor, nodes);
        awaitMarkers(file, List.of());
        return editor;
    }

    /** Shows the Results view and presses Run on the canvas of {@code editor}; returns the view. */
    private static ResultsView run(PipelineEditor editor) throws Exception {
        ResultsView results = ui(() -> (ResultsView) page().showView(StudioIds.RESULTS_VIEW));
        ui(() -> {
            page().activate(editor);
            return null;
        });
        bridge(editor, "{type:'run'}");
        return results;
    }

    /** Writes a pipeline file into the project. */
    private static IFile pipelineFile(IProject project, String name, String text) throws Exception {
        Files.writeString(project.getLocation().toPath().resolve(name), text);
        ui(() -> {
            project.refreshLocal(IResource.DEPTH_INFINITE, null);
            return null;
        });
        return project.getFile(name);
    }

    /** Window > Preferences > Kumiki: the run options follow it. */
    @Test
    void thePreferencesSetTheRunOptions() throws Exception {
        Path dir = Files.createTempDirectory("kumiki-prefs");
        ui(() -> {
            StudioPreferences.store().setValue(StudioPreferences.THREADS, 1);
            StudioPreferences.store().setValue(StudioPreferences.BACKEND, "scalar");
            assertEquals(1, StudioPreferences.runOptions(dir).threads());
            assertEquals("scalar", StudioPreferences.runOptions(dir).backend());
            assertEquals(null, System.getProperty("kumiki.backend"), "the choice travels with the run, not the JVM");
            StudioPreferences.store().setToDefault(StudioPreferences.THREADS);
            StudioPreferences.store().setToDefault(StudioPreferences.BACKEND);
            assertEquals(null, StudioPreferences.runOptions(dir).backend());
            var dialog = PreferencesUtil.createPreferenceDialogOn(window().getShell(), StudioIds.PREFERENCE_PAGE,
                    null, null);
            dialog.create();
            assertInstanceOf(KumikiPreferencePage.class, dialog.getSelectedPage());
            dialog.close();
            return null;
        });
    }

    /** Help > About: the dialog is modal, so the click is posted and the dialog looked at while it is open. */
    @Test
    void helpAboutShowsTheVersionAndTheHardware() throws Exception {
        display.asyncExec(() -> entries(menuBar(), "Help").stream().filter(i -> i.getText().contains("About"))
                .findFirst().orElseThrow().notifyListeners(SWT.Selection, new Event()));
        Shell dialog = awaitShell(AboutDialog.TITLE);
        List<String> seen = ui(() -> {
            settle();
            List<String> texts = new ArrayList<>();
            collectTexts(dialog, texts);
            screenshot("studio-about.png");
            dialog.close();
            return texts;
        });
        assertTrue(seen.stream().anyMatch(t -> t.matches("Kumiki Studio 0\\.1\\.0\\.v\\d{8}-\\d{4}")), seen.toString());
        String details = seen.stream().filter(t -> t.contains("Backend")).findFirst().orElse("");
        assertTrue(details.startsWith("Java " + Runtime.version()), details);
        for (Map.Entry<String, String> row : HardwareProfile.detect().describe().entrySet()) {
            assertTrue(details.contains(row.getKey()) && steady(details).contains(steady(row.getValue())),
                    row + " in\n" + details);
        }
    }

    /**
     * A hardware description without what changes from one moment to the next: the free memory of the NUMA nodes
     * (the view shows it as detected when the Studio started, and other tests use memory since).
     */
    private static String steady(String text) {
        return text.replaceAll("(cpus [^\n]*?) [\\d.]+ [KMGT]?i?B", "$1");
    }

    /** Help > Welcome, through the menu; hands back the page. */
    private static WelcomeEditor helpWelcome() throws Exception {
        return ui(StudioWorkbenchTest::helpWelcomeOnUiThread);
    }

    private static WelcomeEditor helpWelcomeOnUiThread() {
        entries(menuBar(), "Help").stream().filter(i -> texts(List.of(i)).get(0).equals("Welcome")).findFirst()
                .orElseThrow().notifyListeners(SWT.Selection, new Event());
        return assertInstanceOf(WelcomeEditor.class, page().getActiveEditor());
    }

    /** A new open project in the workspace. */
    private static IProject project(String name) throws Exception {
        IProject project = ResourcesPlugin.getWorkspace().getRoot().getProject(name);
        ui(() -> {
            project.create(null);
            project.open(null);
            return null;
        });
        Path dir = project.getLocation().toPath();
        SyntheticModel.llama().variant(1).write(dir.resolve("models/a"));
        SyntheticModel.llama().variant(2).write(dir.resolve("models/b"));
        return project;
    }

    /** Writes a pipeline file into the project (merge.kumiki, or run.kumiki when it saves a model). */
    private static IFile pipeline(IProject project, String text) throws Exception {
        String name = text.contains("kind: SaveModel") ? "run.kumiki" : "merge.kumiki";
        Files.writeString(project.getLocation().toPath().resolve(name), text);
        ui(() -> {
            project.refreshLocal(IResource.DEPTH_INFINITE, null);
            return null;
        });
        return project.getFile(name);
    }

    private static boolean anyVisibleTree(Control control) {
        if (!control.isVisible()) {
            return false;
        }
        return control instanceof org.eclipse.swt.widgets.Tree || control instanceof Composite c
                && Arrays.stream(c.getChildren()).anyMatch(StudioWorkbenchTest::anyVisibleTree);
    }

    private static Button button(Shell shell, String label) {
        List<Button> found = new ArrayList<>();
        collectButtons(shell, label, found);
        assertEquals(1, found.size(), "one button " + label);
        return found.get(0);
    }

    private static void collectButtons(Control control, String label, List<Button> into) {
        if (control instanceof Button b && b.getText().replace("&", "").equals(label)) {
            into.add(b);
        }
        if (control instanceof Composite c) {
            for (Control child : c.getChildren()) {
                collectButtons(child, label, into);
            }
        }
    }

    private static IWorkbenchWindow window() {
        return PlatformUI.getWorkbench().getWorkbenchWindows()[0];
    }

    private static IWorkbenchPage page() {
        return window().getActivePage();
    }

    /** The Kumiki console's text. */
    private static final class RunMonitorAccess {
        static String consoleText() {
            for (var c : org.eclipse.ui.console.ConsolePlugin.getDefault().getConsoleManager().getConsoles()) {
                if (c instanceof org.eclipse.ui.console.MessageConsole m && c.getName().equals("Kumiki")) {
                    return m.getDocument().get();
                }
            }
            return "";
        }
    }

    /** Sends a command through the editor's bridge, as the canvas does, and checks that it was taken. */
    private static void bridge(PipelineEditor editor, String command) throws Exception {
        String reply = ui(() -> (String) editor.browser()
                .evaluate("return window.kumikiSend(JSON.stringify(" + command + "));"));
        assertTrue(reply.endsWith("\"ok\":true}"), command + " -> " + reply);
    }

    private static List<String> markers(IFile file) throws Exception {
        return ui(() -> Arrays.stream(file.findMarkers(IMarker.PROBLEM, true, IResource.DEPTH_ZERO))
                .map(m -> m.getAttribute(IMarker.MESSAGE, "")).sorted().toList());
    }

    /** Waits until the file's problem markers are {@code expected} (sorted). */
    private static void awaitMarkers(IFile file, List<String> expected) throws Exception {
        List<String> sorted = expected.stream().sorted().toList();
        long deadline = System.currentTimeMillis() + TIMEOUT_MS;
        List<String> seen = List.of();
        while (System.currentTimeMillis() < deadline) {
            seen = markers(file);
            if (seen.equals(sorted)) {
                return;
            }
            Thread.sleep(100);
        }
        assertEquals(sorted, seen, "the Problems view's markers of " + file.getName());
    }

    /** Waits until the canvas in {@code editor} shows {@code count} nodes. */
    private static void awaitCanvas(PipelineEditor editor, int count) throws Exception {
        awaitCanvasElement(editor, null);
        long deadline = System.currentTimeMillis() + TIMEOUT_MS;
        Object shown = null;
        while (System.currentTimeMillis() < deadline) {
            shown = ui(() -> editor.browser()
                    .evaluate("return document.querySelectorAll('.react-flow__node').length;"));
            if (shown instanceof Number n && n.intValue() == count) {
                return;
            }
            Thread.sleep(100);
        }
        Object state = ui(() -> editor.browser().evaluate("return 'kumikiSend: ' + typeof window.kumikiSend "
                + "+ ', kumikiReceive: ' + typeof window.kumikiReceive + ', url: ' + location.href + ', text: ' "
                + "+ document.body.innerText.slice(0, 300);"));
        ui(() -> screenshot("studio-editor-failed.png"));
        throw new AssertionError("the canvas shows " + shown + " nodes, not " + count + " (" + state + ")");
    }

    /** Waits until the canvas page has an element matching {@code selector} (with null: the canvas itself). */
    private static void awaitCanvasElement(PipelineEditor editor, String selector) throws Exception {
        String css = selector == null ? ".react-flow" : selector;
        long deadline = System.currentTimeMillis() + TIMEOUT_MS;
        while (System.currentTimeMillis() < deadline) {
            Object found = ui(() -> editor.browser().evaluate(
                    "return document.querySelector(" + PipelineEditorQuote.of(css) + ") != null;"));
            if (Boolean.TRUE.equals(found)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the canvas did not show " + css);
    }

    /** A Java string as a JavaScript string literal. */
    private static final class PipelineEditorQuote {
        static String of(String s) {
            return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
        }
    }

    private static Menu menuBar() {
        return PlatformUI.getWorkbench().getWorkbenchWindows()[0].getShell().getMenuBar();
    }

    /** File > Exit, as a user would leave. */
    private static void quit() {
        if (!PlatformUI.isWorkbenchRunning()) {
            return;
        }
        Display display = PlatformUI.getWorkbench().getDisplay();
        // a failed step may leave an edited pipeline behind: leave it unsaved rather than ask
        display.asyncExec(() -> PlatformUI.getWorkbench().getWorkbenchWindows()[0].getActivePage()
                .closeAllEditors(false));
        display.asyncExec(() -> entries(menuBar(), "File").stream().filter(i -> i.getText().startsWith("E"))
                .findFirst().orElseThrow().notifyListeners(SWT.Selection, new Event()));
    }

    private static Display awaitWorkbenchWindow() throws Exception {
        long deadline = System.currentTimeMillis() + TIMEOUT_MS;
        while (System.currentTimeMillis() < deadline) {
            if (PlatformUI.isWorkbenchRunning()) {
                display = PlatformUI.getWorkbench().getDisplay();
                if (ui(() -> PlatformUI.getWorkbench().getWorkbenchWindowCount() == 1
                        && PlatformUI.getWorkbench().getWorkbenchWindows()[0].getShell().isVisible())) {
                    return display;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the Studio window did not open within " + TIMEOUT_MS + " ms");
    }

    private static Shell awaitShell(String title) throws Exception {
        long deadline = System.currentTimeMillis() + TIMEOUT_MS;
        while (System.currentTimeMillis() < deadline) {
            Shell shell = ui(() -> Arrays.stream(display.getShells())
                    .filter(s -> s.isVisible() && title.equals(s.getText())).findFirst().orElse(null));
            if (shell != null) {
                return shell;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no window titled '" + title + "' within " + TIMEOUT_MS + " ms");
    }

    /** Runs {@code work} in the UI thread and hands back its result or its failure. */
    private static <T> T ui(Callable<T> work) throws Exception {
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Exception> failure = new AtomicReference<>();
        AtomicReference<Error> error = new AtomicReference<>();
        display.syncExec(() -> {
            try {
                result.set(work.call());
            } catch (Exception e) {
                failure.set(e);
            } catch (Error e) {
                error.set(e);
            }
        });
        if (error.get() != null) {
            throw error.get();
        }
        if (failure.get() != null) {
            throw failure.get();
        }
        return result.get();
    }

    private static List<MenuItem> entries(Menu bar, String topLevel) {
        MenuItem top = Arrays.stream(bar.getItems()).filter(i -> i.getText().replace("&", "").equals(topLevel))
                .findFirst().orElseThrow(() -> new AssertionError("no menu " + topLevel));
        Menu menu = top.getMenu();
        menu.notifyListeners(SWT.Show, new Event()); // JFace fills menus when they are about to show
        return Arrays.stream(menu.getItems()).filter(i -> (i.getStyle() & SWT.SEPARATOR) == 0).toList();
    }

    private static List<String> texts(List<MenuItem> items) {
        return items.stream().map(i -> i.getText().replace("&", "").replaceAll("\t.*", "")).toList();
    }

    private static void collectTexts(Control control, List<String> into) {
        if (control instanceof Label l && !l.getText().isEmpty()) {
            into.add(l.getText());
        } else if (control instanceof Text t) {
            into.add(t.getText());
        }
        if (control instanceof Composite c) {
            for (Control child : c.getChildren()) {
                collectTexts(child, into);
            }
        }
    }

    /** Lets pending paints and layouts happen before looking at the screen (UI thread only). */
    private static void settle() {
        Display display = Display.getCurrent();
        long until = System.currentTimeMillis() + 700;
        while (System.currentTimeMillis() < until) {
            if (!display.readAndDispatch()) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private static Path screenshot(String name) throws IOException {
        Display display = Display.getCurrent();
        Path dir = Path.of(System.getProperty("kumiki.screenshots", "target/screenshots"));
        Files.createDirectories(dir);
        Path file = dir.resolve(name);
        GC gc = new GC(display);
        Image image = new Image(display, display.getBounds().width, display.getBounds().height);
        try {
            gc.copyArea(image, 0, 0);
            ImageLoader loader = new ImageLoader();
            loader.data = new ImageData[] {image.getImageData()};
            loader.save(file.toString(), SWT.IMAGE_PNG);
        } finally {
            gc.dispose();
            image.dispose();
        }
        assertTrue(Files.size(file) > 1000, "screenshot written: " + file);
        return file;
    }
}
