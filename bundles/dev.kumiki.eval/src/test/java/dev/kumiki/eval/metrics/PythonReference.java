package dev.kumiki.eval.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Runs the independent Python reference (src/test/python/japanese_metrics_reference.py, stdlib only, MeCab through
 * Debian's {@code mecab} with {@code mecab-ipadic-utf8}) on pairs and texts, and returns its JSON answer.
 */
final class PythonReference {
    static final Path PYTHON = Path.of("/usr/bin/python3");
    static final Path SCRIPT = Path.of("src/test/python/japanese_metrics_reference.py").toAbsolutePath();
    private static final ObjectMapper JSON = new ObjectMapper();

    private PythonReference() {
    }

    static JsonNode run(Path work, List<String[]> pairs, List<String> texts) throws IOException, InterruptedException {
        assertTrue(Files.isExecutable(PYTHON), "the reference needs Debian's /usr/bin/python3");
        ObjectNode in = JSON.createObjectNode();
        ArrayNode p = in.putArray("pairs");
        for (String[] pair : pairs) {
            p.addArray().add(pair[0]).add(pair[1]);
        }
        ArrayNode t = in.putArray("texts");
        texts.forEach(t::add);
        Path cases = work.resolve("cases.json");
        Path out = work.resolve("out.json");
        Path log = work.resolve("reference.log");
        Files.writeString(cases, JSON.writeValueAsString(in), StandardCharsets.UTF_8);
        Process proc = new ProcessBuilder(PYTHON.toString(), SCRIPT.toString(), cases.toString(), out.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        // output goes to a file, so that the deadline is real
        if (!proc.waitFor(300, TimeUnit.SECONDS)) {
            proc.destroyForcibly();
            throw new AssertionError("the Python reference did not finish in 300 s; log in " + log);
        }
        assertEquals(0, proc.exitValue(), () -> "the Python reference failed: " + readQuietly(log));
        return JSON.readTree(out.toFile());
    }

    static boolean hasMecab() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, "mecab"))) {
                return true;
            }
        }
        return false;
    }

    private static String readQuietly(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
