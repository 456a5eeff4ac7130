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

import org.eclipse.equinox.app.IApplication;
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
import org.eclipse.ui.IWorkbenchPage;
import org.eclipse.ui.IWorkbenchWindow;
import org.eclipse.ui.PlatformUI;
import org.junit.jupiter.api.Test;

import dev.kumiki.tensor.hardware.HardwareProfile;
import dev.kumiki.ui.StudioIds;
import dev.kumiki.ui.internal.AboutDialog;
import dev.kumiki.ui.internal.HardwareView;
import dev.kumiki.ui.internal.StudioApplication;

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

        // menus: only entries that work
        ui(display, () -> {
            Menu bar = PlatformUI.getWorkbench().getWorkbenchWindows()[0].getShell().getMenuBar();
            assertEquals(List.of("File", "Window", "Help"), texts(Arrays.asList(bar.getItems())));
            assertEquals(List.of("Exit"), texts(entries(bar, "File")));
            assertEquals(List.of("Show View", "Reset Perspective..."), texts(entries(bar, "Window")));
            assertEquals(List.of("About Kumiki Studio"), texts(entries(bar, "Help")));
            for (String top : List.of("File", "Window", "Help")) {
                for (MenuItem item : entries(bar, top)) {
                    assertTrue(item.isEnabled(), item.getText() + " is enabled");
                }
            }
            return null;
        });

        // Help > About: the dialog is modal, so the click is posted and the dialog looked at while it is open
        display.asyncExec(() -> entries(menuBar(), "Help").get(0)
                .notifyListeners(SWT.Selection, new Event()));
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

    private static Menu menuBar() {
        return PlatformUI.getWorkbench().getWorkbenchWindows()[0].getShell().getMenuBar();
    }

    /** File > Exit, as a user would leave. */
    private static void quit() {
        if (!PlatformUI.isWorkbenchRunning()) {
            return;
        }
        Display display = PlatformUI.getWorkbench().getDisplay();
        display.asyncExec(() -> entries(menuBar(), "File").get(0).notifyListeners(SWT.Selection, new Event()));
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
