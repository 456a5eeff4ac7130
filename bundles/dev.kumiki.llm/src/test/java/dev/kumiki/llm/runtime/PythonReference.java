package dev.kumiki.llm.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Runs the independent PyTorch implementation (src/test/python/llama_reference.py, Debian's python3-torch) on a model
 * folder and reads its logits and greedy tokens.
 */
final class PythonReference {
    static final Path PYTHON = Path.of("/usr/bin/python3");
    static final Path SCRIPT = Path.of("src/test/python/llama_reference.py").toAbsolutePath();

    /** What the reference computed. */
    record Result(float[][] logits, int[] generated) {
    }

    private PythonReference() {
    }

    static Result run(Path model, int[] tokens, String compute, int generate) throws IOException, InterruptedException {
        return run(model, tokens, compute, generate, null);
    }

    /** As {@link #run(Path, int[], String, int)}, the hidden state multiplied by {@code scales[i]} before layer i. */
    static Result run(Path model, int[] tokens, String compute, int generate, double[] scales)
            throws IOException, InterruptedException {
        assertTrue(Files.isExecutable(PYTHON), "the reference needs Debian's python3 with python3-torch "
                + "(./run-tests installs it)");
        Path out = Files.createTempFile(model.getParent(), "reference", ".json");
        Path log = Files.createTempFile(model.getParent(), "reference", ".log");
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of(PYTHON.toString(),
                SCRIPT.toString(), model.toString(), "--tokens",
                Arrays.stream(tokens).mapToObj(Integer::toString).collect(Collectors.joining(",")), "--compute",
                compute, "--generate", Integer.toString(generate)));
        if (scales != null) {
            command.add("--scales");
            command.add(Arrays.stream(scales).mapToObj(Double::toString).collect(Collectors.joining(",")));
        }
        Process p = new ProcessBuilder(command)
                .redirectOutput(out.toFile()).redirectError(log.toFile()).start();
        // output into files, so that waiting has a real deadline
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the reference did not finish in 300 s on " + model);
        }
        assertEquals(0, p.exitValue(), () -> "the reference failed on " + model + ": " + read(log));
        JsonNode root = TinyModel.JSON.readTree(out.toFile());
        JsonNode rows = root.get("logits");
        float[][] logits = new float[rows.size()][];
        for (int i = 0; i < logits.length; i++) {
            JsonNode row = rows.get(i);
            logits[i] = new float[row.size()];
            for (int j = 0; j < row.size(); j++) {
                logits[i][j] = (float) row.get(j).asDouble();
            }
        }
        JsonNode gen = root.get("generated");
        int[] generated = new int[gen.size()];
        for (int i = 0; i < generated.length; i++) {
            generated[i] = gen.get(i).asInt();
        }
        return new Result(logits, generated);
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /**
     * The relative difference used throughout: {@code max |a − b| / max |b|} over every logit of every position, b the
     * reference. It compares the error with the scale of the logits (a per-element relative error would blow up on
     * logits near zero).
     */
    static double relativeDifference(float[][] a, float[][] b) {
        assertEquals(b.length, a.length, "positions");
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < b.length; i++) {
            assertEquals(b[i].length, a[i].length, "vocabulary");
            for (int j = 0; j < b[i].length; j++) {
                diff = Math.max(diff, Math.abs(a[i][j] - b[i][j]));
                scale = Math.max(scale, Math.abs(b[i][j]));
            }
        }
        return diff / scale;
    }
}
