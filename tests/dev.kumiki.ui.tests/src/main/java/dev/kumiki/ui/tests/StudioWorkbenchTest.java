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
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Event;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Menu;
import org.eclipse.swt.widgets.MenuItem;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.swt.widgets.Text;
import org.eclipse.ui.IPageLayout;
import org.eclipse.ui.IWorkbenchPage;
import org.eclipse.ui.IWorkbenchWindow;
import org.eclipse.ui.PlatformUI;
import org.eclipse.ui.ide.IDE;
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
import dev.kumiki.ui.internal.runs.ResultsView;
import dev.kumiki.ui.internal.runs.RunHistoryView;
import dev.kumiki.ui.internal.wizards.NewPipelineWizard;
import dev.kumiki.canvas.Examples;
import org.eclipse.jface.viewers.StructuredSelection;
import org.eclipse.jface.wizard.WizardDialog;
import org.eclipse.ui.dialogs.PreferencesUtil;
import org.eclipse.ui.dialogs.WizardNewFileCreationPage;
import dev.kumiki.tensor.io.SyntheticModel;

/**
 * Kumiki Studio as a user meets it: the Studio application starts its workbench on this thread while a "user" thread
 * looks at the window, goes through the menus and opens Help > About, then quits through File > Exit.
 * Screenshots go to target/screenshots.
 */
class StudioWorkbenchTest {

    private static final long TIMEOUT_MS = 60_000;

    @Test
    void theStudioAsAUserMeetsIt() throws Throwable {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread user = new Thread(() -> {
            try {
                useTheStudio();
            } catch (Throwable t) {
                failure.set(t);
            } finally {
                quit();
            }
        }, "studio-user");
        user.setDaemon(true);
        user.start();
        Object exit = new StudioApplication().start(null);
        user.join(TIMEOUT_MS);
        if (failure.get() != null) {
            throw failure.get();
        }
        assertEquals(IApplication.EXIT_OK, exit, "File > Exit ends the Studio normally");
    }

    private static void useTheStudio() throws Exception {
        Display display = awaitWorkbenchWindow();

        // the window and its perspective
        ui(display, () -> {
            settle();
            IWorkbenchWindow window = PlatformUI.getWorkbench().getWorkbenchWindows()[0];
            assertEquals("Kumiki Studio", window.getShell().getText());
            IWorkbenchPage page = window.getActivePage();
            assertEquals(StudioIds.PERSPECTIVE, page.getPerspective().getId());
            assertEquals("Kumiki", page.getPerspective().getLabel());
            HardwareView view = assertInstanceOf(HardwareView.class, page.findView(StudioIds.HARDWARE_VIEW));
            Map<String, String> shown = new LinkedHashMap<>();
            for (String[] row : view.rows()) {
                shown.put(row[0], row[1]);
            }
            assertEquals(HardwareProfile.detect().describe(), shown, "the Hardware view shows the detected profile");
            screenshot("studio-workbench.png");
            return null;
        });

        // menus: only entries that work; Save, Undo and Redo wait for an editor
        ui(display, () -> {
            Menu bar = PlatformUI.getWorkbench().getWorkbenchWindows()[0].getShell().getMenuBar();
            assertEquals(List.of("File", "Edit", "Window", "Help"), texts(Arrays.asList(bar.getItems())));
            assertEquals(List.of("New", "Open Pipeline...", "Save", "Open File...", "Exit"),
                    texts(entries(bar, "File")));
            assertEquals(List.of("Undo", "Redo"), texts(entries(bar, "Edit")));
            assertEquals(List.of("Show View", "Reset Perspective...", "Preferences..."), texts(entries(bar, "Window")));
            assertEquals(List.of("Show Active Keybindings...", "About Kumiki Studio"), texts(entries(bar, "Help")));
            for (String top : List.of("File", "Window", "Help")) {
                for (MenuItem item : entries(bar, top)) {
                    String text = texts(List.of(item)).get(0);
                    assertEquals(!text.equals("Save"), item.isEnabled(), text + " enabled");
                }
            }
            return null;
        });

        usePipelineEditor(display);

        // Help > About: the dialog is modal, so the click is posted and the dialog looked at while it is open
        display.asyncExec(() -> entries(menuBar(), "Help").stream().filter(i -> i.getText().contains("About"))
                .findFirst().orElseThrow().notifyListeners(SWT.Selection, new Event()));
        Shell dialog = awaitShell(display, AboutDialog.TITLE);
        List<String> seen = ui(display, () -> {
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
            assertTrue(details.contains(row.getKey()) && details.contains(row.getValue()), row + " in\n" + details);
        }
    }

    /**
     * The pipeline editor: the canvas renders the file, edits arrive through the same bridge the canvas uses, the
     * Edit menu undoes and redoes them, File > Save writes the file.
     */
    private static void usePipelineEditor(Display display) throws Exception {
        // a project in the Studio's workspace holding the models and the pipeline
        IProject project = ResourcesPlugin.getWorkspace().getRoot().getProject("merging");
        ui(display, () -> {
            project.create(null);
            project.open(null);
            return null;
        });
        Path dir = project.getLocation().toPath();
        SyntheticModel.llama().variant(1).write(dir.resolve("models/a"));
        SyntheticModel.llama().variant(2).write(dir.resolve("models/b"));
        Path file = Files.writeString(dir.resolve("merge.kumiki"), """
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
        IFile pipelineFile = project.getFile("merge.kumiki");
        ui(display, () -> {
            project.refreshLocal(IResource.DEPTH_INFINITE, null);
            return null;
        });
        PipelineEditor editor = ui(display, () -> (PipelineEditor) IDE.openEditor(PlatformUI.getWorkbench()
                .getWorkbenchWindows()[0].getActivePage(), pipelineFile));
        awaitCanvas(display, editor, 3);
        assertEquals(0, markers(display, pipelineFile).size(), "a valid pipeline has no problems");

        // edits through the bridge, as the canvas sends them
        bridge(display, editor, "{type:'addNode',kind:'SaveModel',x:560,y:70}");
        awaitMarkers(display, pipelineFile, List.of("saveModel1 (path): 'path' is required: The output folder, "
                + "absolute or relative to the pipeline file.", "saveModel1 (model): input 'model' is not connected; "
                + "connect a model (the output of LoadModel, Merge or SaveModel) to it (the model to write)"));
        // the node selected on the canvas shows its settings in the Properties view; an edit there is a command
        bridge(display, editor, "{type:'select',nodes:['saveModel1']}");
        ui(display, () -> {
            settle();
            PlatformUI.getWorkbench().getWorkbenchWindows()[0].getActivePage().showView(IPageLayout.ID_PROP_SHEET);
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
        bridge(display, editor, "{type:'connect',from:'merge',fromPort:'model',to:'saveModel1',toPort:'model'}");
        awaitMarkers(display, pipelineFile, List.of());
        awaitCanvas(display, editor, 4);
        ui(display, () -> {
            assertTrue(editor.isDirty(), "edited");
            assertEquals(3, editor.session().pipeline().getConnections().size());
            // back in the editor, Edit > Undo takes the connection back, Edit > Redo makes it again
            PlatformUI.getWorkbench().getWorkbenchWindows()[0].getActivePage().activate(editor);
            MenuItem undo = entries(menuBar(), "Edit").get(0);
            assertEquals("Undo Connect merge to saveModel1", texts(List.of(undo)).get(0));
            undo.notifyListeners(SWT.Selection, new Event());
            assertEquals(2, editor.session().pipeline().getConnections().size());
            entries(menuBar(), "Edit").get(1).notifyListeners(SWT.Selection, new Event());
            assertEquals(3, editor.session().pipeline().getConnections().size());
            return null;
        });
        awaitCanvasText(display, editor, "[data-testid=\"rf__edge-merge.model->saveModel1.model\"]");
        ui(display, () -> editor.browser().evaluate("[...document.querySelectorAll('button')]"
                + ".find(b => b.textContent === 'Fit').click(); return true;"));
        ui(display, () -> {
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
        String saved = Files.readString(file);
        assertTrue(saved.contains("  saveModel1:\n    kind: SaveModel\n    path: out/merged\n"), saved);
        assertTrue(saved.contains("- merge.model -> saveModel1.model\n"), saved);

        // run from the canvas: a Job while it runs, the Results and Run History views afterwards
        bridge(display, editor, "{type:'run'}");
        ResultsView results = ui(display, () -> (ResultsView) PlatformUI.getWorkbench().getWorkbenchWindows()[0]
                .getActivePage().showView(StudioIds.RESULTS_VIEW));
        long deadline = System.currentTimeMillis() + TIMEOUT_MS;
        while (ui(display, () -> results.shown() == null || !results.shown().status().equals("succeeded"))) {
            assertTrue(System.currentTimeMillis() < deadline, "the run shows up in the Results view");
            Thread.sleep(100);
        }
        List<List<String>> rows = ui(display, results::rows);
        assertEquals(List.of("a", "b", "merge", "saveModel1"), rows.stream().map(r -> r.get(0)).toList());
        assertEquals("done", rows.get(3).get(2));
        assertTrue(rows.get(3).get(4).startsWith("21 tensors, 11.4 kB in "), rows.get(3).toString());
        assertTrue(Files.isDirectory(dir.resolve("out/merged")), "the run wrote the model");
        ui(display, () -> {
            IWorkbenchPage page = PlatformUI.getWorkbench().getWorkbenchWindows()[0].getActivePage();
            RunHistoryView history = (RunHistoryView) page.showView(StudioIds.RUN_HISTORY_VIEW);
            assertEquals(1, history.runs().size());
            page.showView(StudioIds.RESULTS_VIEW);
            settle();
            screenshot("studio-results.png");
            return null;
        });
        String console = "";
        for (long until = System.currentTimeMillis() + 10_000; System.currentTimeMillis() < until;) {
            console = ui(display, RunMonitorAccess::consoleText);
            if (console.contains("run succeeded")) {
                break;
            }
            Thread.sleep(100);
        }
        assertTrue(console.contains("run of merge.kumiki started") && console.contains("run succeeded"), console);
        ui(display, () -> PlatformUI.getWorkbench().getWorkbenchWindows()[0].getActivePage().closeEditor(editor,
                false));

        // File > New > Pipeline from the TIES example, with its models; it opens in the editor
        ui(display, () -> {
            NewPipelineWizard wizard = new NewPipelineWizard();
            wizard.init(PlatformUI.getWorkbench(), new StructuredSelection(project));
            WizardDialog dialog = new WizardDialog(PlatformUI.getWorkbench().getWorkbenchWindows()[0].getShell(),
                    wizard);
            dialog.setBlockOnOpen(false);
            dialog.open();
            wizard.chooseTemplate(2, true);
            ((WizardNewFileCreationPage) wizard.getPages()[0]).setFileName("ties.kumiki");
            assertTrue(wizard.canFinish());
            settle();
            screenshot("studio-new-pipeline.png");
            assertTrue(wizard.performFinish());
            dialog.close();
            return null;
        });
        assertEquals(Examples.ALL.get(1).text(), Files.readString(dir.resolve("ties.kumiki")));
        assertTrue(Files.isDirectory(dir.resolve("models/math")), "the example models are there");
        PipelineEditor ties = ui(display, () -> (PipelineEditor) PlatformUI.getWorkbench().getWorkbenchWindows()[0]
                .getActivePage().getActiveEditor());
        awaitCanvas(display, ties, 7);
        awaitMarkers(display, project.getFile("ties.kumiki"), List.of());
        ui(display, () -> PlatformUI.getWorkbench().getWorkbenchWindows()[0].getActivePage().closeEditor(ties,
                false));

        // Window > Preferences > Kumiki: the run options follow it
        ui(display, () -> {
            StudioPreferences.store().setValue(StudioPreferences.THREADS, 1);
            StudioPreferences.store().setValue(StudioPreferences.BACKEND, "scalar");
            assertEquals(1, StudioPreferences.runOptions(dir).threads());
            assertEquals("scalar", StudioPreferences.runOptions(dir).backend());
            assertEquals(null, System.getProperty("kumiki.backend"), "the choice travels with the run, not the JVM");
            StudioPreferences.store().setToDefault(StudioPreferences.THREADS);
            StudioPreferences.store().setToDefault(StudioPreferences.BACKEND);
            assertEquals(null, StudioPreferences.runOptions(dir).backend());
            var dialog = PreferencesUtil.createPreferenceDialogOn(PlatformUI.getWorkbench().getWorkbenchWindows()[0]
                    .getShell(), StudioIds.PREFERENCE_PAGE, null, null);
            dialog.create();
            assertInstanceOf(KumikiPreferencePage.class, dialog.getSelectedPage());
            dialog.close();
            return null;
        });
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
    private static void bridge(Display display, PipelineEditor editor, String command) throws Exception {
        String reply = ui(display, () -> (String) editor.browser()
                .evaluate("return window.kumikiSend(JSON.stringify(" + command + "));"));
        assertTrue(reply.endsWith("\"ok\":true}"), command + " -> " + reply);
    }

    private static List<String> markers(Display display, IFile file) throws Exception {
        return ui(display, () -> Arrays.stream(file.findMarkers(IMarker.PROBLEM, true, IResource.DEPTH_ZERO))
                .map(m -> m.getAttribute(IMarker.MESSAGE, "")).sorted().toList());
    }

    /** Waits until the file's problem markers are {@code expected} (sorted). */
    private static void awaitMarkers(Display display, IFile file, List<String> expected) throws Exception {
        List<String> sorted = expected.stream().sorted().toList();
        long deadline = System.currentTimeMillis() + TIMEOUT_MS;
        List<String> seen = List.of();
        while (System.currentTimeMillis() < deadline) {
            seen = markers(display, file);
            if (seen.equals(sorted)) {
                return;
            }
            Thread.sleep(100);
        }
        assertEquals(sorted, seen, "the Problems view's markers of " + file.getName());
    }

    /** Waits until the canvas in {@code editor} shows {@code count} nodes. */
    private static void awaitCanvas(Display display, PipelineEditor editor, int count) throws Exception {
        awaitCanvasText(display, editor, null);
        long deadline = System.currentTimeMillis() + TIMEOUT_MS;
        Object shown = null;
        while (System.currentTimeMillis() < deadline) {
            shown = ui(display, () -> editor.browser()
                    .evaluate("return document.querySelectorAll('.react-flow__node').length;"));
            if (shown instanceof Number n && n.intValue() == count) {
                return;
            }
            Thread.sleep(100);
        }
        Object state = ui(display, () -> editor.browser().evaluate("return 'kumikiSend: ' + typeof window.kumikiSend "
                + "+ ', kumikiReceive: ' + typeof window.kumikiReceive + ', url: ' + location.href + ', text: ' "
                + "+ document.body.innerText.slice(0, 300);"));
        ui(display, () -> screenshot("studio-editor-failed.png"));
        throw new AssertionError("the canvas shows " + shown + " nodes, not " + count + " (" + state + ")");
    }

    /** Waits until the canvas page has an element matching {@code selector} (with null: the canvas itself). */
    private static void awaitCanvasText(Display display, PipelineEditor editor, String selector) throws Exception {
        String css = selector == null ? ".react-flow" : selector;
        long deadline = System.currentTimeMillis() + TIMEOUT_MS;
        while (System.currentTimeMillis() < deadline) {
            Object found = ui(display, () -> editor.browser().evaluate(
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
                Display display = PlatformUI.getWorkbench().getDisplay();
                if (ui(display, () -> PlatformUI.getWorkbench().getWorkbenchWindowCount() == 1
                        && PlatformUI.getWorkbench().getWorkbenchWindows()[0].getShell().isVisible())) {
                    return display;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the Studio window did not open within " + TIMEOUT_MS + " ms");
    }

    private static Shell awaitShell(Display display, String title) throws Exception {
        long deadline = System.currentTimeMillis() + TIMEOUT_MS;
        while (System.currentTimeMillis() < deadline) {
            Shell shell = ui(display, () -> Arrays.stream(display.getShells())
                    .filter(s -> s.isVisible() && title.equals(s.getText())).findFirst().orElse(null));
            if (shell != null) {
                return shell;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no window titled '" + title + "' within " + TIMEOUT_MS + " ms");
    }

    /** Runs {@code work} in the UI thread and hands back its result or its failure. */
    private static <T> T ui(Display display, Callable<T> work) throws Exception {
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
