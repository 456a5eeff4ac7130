package dev.kumiki.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Runs an independent computation with Debian's Python (standard library only) and returns what it prints. */
final class Python {
    static final Path PYTHON = Path.of("/usr/bin/python3");

    private Python() {
    }

    static String run(String script) throws IOException, InterruptedException {
        Path f = Files.createTempFile("kumiki-eval-reference", ".py");
        try {
            Files.writeString(f, script);
            Process p = new ProcessBuilder(PYTHON.toString(), f.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("python did not finish");
            }
            assertEquals(0, p.exitValue(), "python failed:\n" + out);
            return out.strip();
        } finally {
            Files.deleteIfExists(f);
        }
    }
}
