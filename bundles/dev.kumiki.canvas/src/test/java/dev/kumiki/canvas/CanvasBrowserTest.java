package dev.kumiki.canvas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

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
            // output into a file, so that the deadline is real: reading the pipe to its end would wait as long as
            // any process Node started (Chromium) keeps it open
            Path log = dir.resolve("node-test.log");
            ProcessBuilder pb = new ProcessBuilder("node", "--test", "--test-reporter=spec", "tests/")
                    .directory(web.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("KUMIKI_CANVAS_URL", server.uri().toString());
            pb.environment().put("KUMIKI_SCREENSHOTS", screenshots.toString());
            pb.environment().put("KUMIKI_CHROMIUM", chromium.toString());
            Process p = pb.start();
            try {
                if (!p.waitFor(5, TimeUnit.MINUTES)) {
                    fail("the browser test did not finish within 5 minutes; its output:\n" + Files.readString(log));
                }
            } finally {
                // nothing outlives the test: Node's children (Chromium) included
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
            String output = Files.readString(log);
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
