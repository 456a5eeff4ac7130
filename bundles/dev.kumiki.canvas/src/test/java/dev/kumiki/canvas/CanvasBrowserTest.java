package dev.kumiki.canvas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kumiki.tensor.io.ModelFolder;

/**
 * The canvas in Chromium (Playwright, web/tests/canvas.test.mjs) against a real session served over HTTP; then the
 * file on disk and the model the run wrote are checked here. Screenshots go to target/screenshots.
 */
class CanvasBrowserTest {
    @Test
    void aUserEditsConnectsRunsAndSavesThroughTheCanvas(@TempDir Path dir) throws Exception {
        Path chromium = Path.of(System.getProperty("kumiki.chromium", "/usr/bin/chromium"));
        assertTrue(Files.isExecutable(chromium), "the canvas test drives Chromium at " + chromium
                + "; install Debian's chromium (./run-tests does as root)");
        CanvasSession session = CanvasSessionTest.open(dir);
        Path web = Path.of("web").toAbsolutePath();
        Path screenshots = Path.of(System.getProperty("kumiki.screenshots", "target/screenshots")).toAbsolutePath();
        try (CanvasServer server = CanvasServer.start(session, 0)) {
            ProcessBuilder pb = new ProcessBuilder("node", "--test", "--test-reporter=spec", "tests/")
                    .directory(web.toFile()).redirectErrorStream(true);
            pb.environment().put("KUMIKI_CANVAS_URL", server.uri().toString());
            pb.environment().put("KUMIKI_SCREENSHOTS", screenshots.toString());
            pb.environment().put("KUMIKI_CHROMIUM", chromium.toString());
            Process p = pb.start();
            String output = new String(p.getInputStream().readAllBytes());
            assertTrue(p.waitFor(3, TimeUnit.MINUTES), "the browser test finishes");
            System.out.println(output);
            assertEquals(0, p.exitValue(), output);
        }
        String file = Files.readString(dir.resolve("p.kumiki"));
        assertTrue(file.contains("  saveModel1:\n    kind: SaveModel\n    path: out/from-canvas\n"), file);
        assertTrue(file.contains("- merge.model -> saveModel1.model\n"), file);
        assertTrue(file.contains("      a: {weight: [0.2, 0.8]}\n"), "the parameter set on the canvas: " + file);
        try (ModelFolder saved = ModelFolder.open(dir.resolve("out/from-canvas"))) {
            assertTrue(saved.names().size() > 10, "the run wrote the merged model");
        }
        assertTrue(Files.size(screenshots.resolve("canvas-run.png")) > 10_000);
    }
}
