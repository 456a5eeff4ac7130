package dev.kumiki.cli;

import static dev.kumiki.cli.Cli.kumiki;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kumiki bench train} on a tiny model: Kumiki's Trainer and the PyTorch script train models of the same shape
 * (both start at the loss of uniform guessing, ln vocab), the table and the ratio are printed, nothing is left
 * behind, and bad options are refused by name. No timing is asserted: the figures depend on the machine.
 */
class BenchTrainCommandTest {
    /** name, tokens/s, s/step, peak RSS, first loss, last loss */
    private static final Pattern ROW = Pattern.compile("(?m)^(Kumiki|PyTorch)\\s+([0-9]+)\\s+([0-9]+\\.[0-9]+)"
            + "\\s+([0-9.]+ [KMG]?B|-)\\s+([0-9]+\\.[0-9]+)\\s+([0-9]+\\.[0-9]+)$");

    @TempDir
    Path work;

    private static final String[] TINY = {"bench", "train", "--layers", "1", "--hidden", "32", "--intermediate",
        "48", "--heads", "2", "--vocab", "300", "--seq", "16", "--batch", "2", "--steps", "4", "--warmup-steps", "1",
        "--threads", "1"};

    private static String[] tiny(String... more) {
        return Stream.concat(Stream.of(TINY), Stream.of(more)).toArray(String[]::new);
    }

    @Test
    void trainsTheSameModelInKumikiAndPyTorchAndPrintsTheRatio() throws IOException {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "Debian's python3-torch is needed");
        Cli.Result r = kumiki(tiny("--work", work.toString()));
        assertEquals(Kumiki.OK, r.code(), r.err() + r.out());
        String out = r.out();
        assertTrue(out.contains("Kumiki training benchmark: Llama from scratch, 1 layers, hidden 32, MLP 48, 2 heads, "
                + "vocab 300 (0.03 M parameters); batch 2 x 16 tokens, 4 steps (the first 1 not timed)"), out);
        assertTrue(Pattern.compile("(?m)^machine: .*, 1 threads, Java .*; load average [0-9.]+ [0-9.]+ [0-9.]+$")
                .matcher(out).find(), out);
        Matcher rows = ROW.matcher(out);
        int count = 0;
        while (rows.find()) {
            assertEquals(count == 0 ? "Kumiki" : "PyTorch", rows.group(1), out);
            assertTrue(Long.parseLong(rows.group(2)) > 0, out);
            // weights drawn with std 0.02 give near-uniform predictions: both start at ln 300 = 5.70
            double first = Double.parseDouble(rows.group(5));
            assertEquals(Math.log(300), first, 0.05, rows.group(1) + " starts elsewhere\n" + out);
            count++;
        }
        assertEquals(2, count, out);
        assertTrue(out.contains("Kumiki: DJL PyTorch engine, PyTorch (libtorch) 2.7.1, 1 intra-op threads"), out);
        assertTrue(Pattern.compile("(?m)^Kumiki / PyTorch training tokens/s: [0-9]+\\.[0-9]{2}x \\(aim >= 0\\.9\\)$")
                .matcher(out).find(), out);
        assertTrue(Pattern.compile("(?m)^PyTorch 1\\.13.*, BLAS: /.*blas.*$").matcher(out).find(), out);
        try (Stream<Path> left = Files.list(work)) {
            assertEquals(0, left.count(), "the benchmark's folder is removed");
        }
    }

    @Test
    void badOptionsAreRefusedByName() {
        Cli.Result r = kumiki("bench", "train", "--steps", "3", "--warmup-steps", "3", "--python", "none");
        assertEquals(Kumiki.USAGE, r.code(), r.err());
        assertTrue(r.err().contains("--warmup-steps 3 leaves no step to time of --steps 3"), r.err());

        r = kumiki("bench", "train", "--vocab", "100", "--python", "none");
        assertEquals(Kumiki.USAGE, r.code(), r.err());
        assertTrue(r.err().contains("--vocab must be at least 258"), r.err());

        r = kumiki("bench", "train", "--torch-blas", work.resolve("nothing").toString(), "--python", "none");
        assertEquals(Kumiki.USAGE, r.code(), r.err());
        assertTrue(r.err().contains("has no libblas.so.3"), r.err());

        r = kumiki("bench", "train", "--python", work.resolve("no-python").toString());
        assertEquals(Kumiki.USAGE, r.code(), r.err());
        assertTrue(r.err().contains("install Debian's python3-torch"), r.err());
    }

    @Test
    void backendsTrainingLoadsTheEngineAndChecksAGradient() {
        Cli.Result r = kumiki("backends", "--training");
        assertEquals(Kumiki.OK, r.code(), r.err() + r.out());
        assertTrue(Pattern.compile("(?m)^Training: DJL PyTorch engine, PyTorch 2\\.7\\.1 on the CPU, 1 threads, "
                + "started in [0-9.]+ s \\(libtorch in .*\\); a gradient checked: ok$").matcher(r.out()).find(),
                r.out());
    }
}
