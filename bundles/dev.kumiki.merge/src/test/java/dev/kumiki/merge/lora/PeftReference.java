package dev.kumiki.merge.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Runs src/test/python/peft_reference.py (numpy only) with Debian's python3. */
final class PeftReference {
    static final Path PYTHON = Path.of("/usr/bin/python3");
    static final Path SCRIPT = Path.of("src/test/python/peft_reference.py").toAbsolutePath();
    static final ObjectMapper JSON = new ObjectMapper();

    private PeftReference() {
    }

    /** Runs {@code command} with {@code spec} (written to {@code work/NAME.json}). */
    static void run(String command, ObjectNode spec, Path work, String name) throws IOException, InterruptedException {
        Path specFile = work.resolve(name + ".json");
        JSON.writerWithDefaultPrettyPrinter().writeValue(specFile.toFile(), spec);
        assertTrue(Files.isExecutable(PYTHON), "the reference needs Debian's python3 with numpy (./run-tests "
                + "installs it)");
        Path log = work.resolve(name + ".log");
        Process p = new ProcessBuilder(PYTHON.toString(), SCRIPT.toString(), command, specFile.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(2, TimeUnit.MINUTES)) {
            p.destroyForcibly().waitFor();
            fail("the numpy reference did not finish within 2 minutes for " + specFile);
        }
        assertEquals(0, p.exitValue(), "reference failed for " + specFile + ": "
                + Files.readString(log, StandardCharsets.UTF_8));
    }
}
