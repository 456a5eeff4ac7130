package dev.kumiki.cli;

import static dev.kumiki.cli.Cli.kumiki;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kumiki bench generate} on a tiny generated model: the table's structure, the PyTorch cross-check of the greedy
 * tokens, nothing left behind, and clear failures. No timing is asserted: the figures depend on the machine.
 */
class BenchGenerateCommandTest {
    private static final String NUMBER = "\\s+([0-9]+\\.[0-9]+)";
    /** name, prefill tok/s, prefill GFLOP/s, decode tok/s, ms/token, GB/s, x stream, peak RSS */
    private static final Pattern ROW = Pattern.compile("(?m)^(Kumiki|PyTorch)\\s" + NUMBER.repeat(6)
            + "\\s+([0-9.]+ [KMG]?B|-)$");

    @TempDir
    Path work;

    private static final String[] TINY = {"bench", "generate", "--layers", "2", "--hidden", "64", "--intermediate",
        "96", "--vocab", "200", "--heads", "4", "--prompt-tokens", "9", "--new-tokens", "5", "--runs", "1",
        "--threads", "1"};

    private static String[] tiny(String... more) {
        return Stream.concat(Stream.of(TINY), Stream.of(more)).toArray(String[]::new);
    }

    @Test
    void printsBothDtypesAgainstPyTorchWithTheSameGreedyTokens() throws IOException {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "Debian's python3-torch is needed");
        Cli.Result r = kumiki(tiny("--work", work.toString()));
        assertEquals(Kumiki.OK, r.code(), r.err() + r.out());
        String out = r.out();
        assertTrue(out.contains("Kumiki generation benchmark: prompt 9 tokens, 5 decode steps, greedy, medians of 1 "
                + "runs"), out);
        assertTrue(Pattern.compile("(?m)^machine: .*, 1 threads, .* kernels, Java .*; load average [0-9.]+ [0-9.]+ "
                + "[0-9.]+$").matcher(out).find(), out);
        for (String dtype : List.of("BF16", "F32")) {
            assertTrue(out.contains(dtype + " LlamaForCausalLM, 2 layers, hidden 64, MLP 96, vocab 200: "), out);
        }
        Matcher rows = ROW.matcher(out);
        int count = 0;
        while (rows.find()) {
            assertEquals(count % 2 == 0 ? "Kumiki" : "PyTorch", rows.group(1), out);
            // a tiny model's figures round to 0.0 (GFLOP/s, GB/s): the columns are checked to be figures, not values
            for (int g = 2; g <= 7; g++) {
                assertTrue(Double.parseDouble(rows.group(g)) >= 0, "column " + g + " of " + rows.group() + "\n" + out);
            }
            count++;
        }
        assertEquals(4, count, "a Kumiki and a PyTorch row per dtype:\n" + out);
        assertEquals(2, Pattern.compile("(?m)^streaming read of the same [0-9.]+ [KMG]?B on 1 threads: [0-9.]+ GB/s$")
                .matcher(out).results().count(), out);
        assertEquals(2, Pattern.compile("(?m)^Kumiki per phase: prefill [0-9.]+ s, of which the matrix products "
                + "alone .* [0-9.]+ s; a decode step [0-9.]+ ms, of which the matrix-vector products alone [0-9.]+ ms;")
                .matcher(out).results().count(), out);
        // F32 on both sides computes in float32: the greedy tokens must agree; BF16 PyTorch rounds its activations
        // to bfloat16 where Kumiki keeps float32, so only the line's presence is checked there
        assertTrue(Pattern.compile("(?m)^F32: Kumiki decode [0-9.]+ of the streaming read \\(aim >= 0\\.70\\); "
                + "Kumiki / PyTorch: prefill [0-9.]+x \\(aim >= 0\\.8\\), decode [0-9.]+x \\(aim >= 1\\.5\\); "
                + "same tokens: yes \\(6 of 6\\)$").matcher(out).find(), out);
        assertTrue(Pattern.compile("(?m)^BF16: Kumiki decode [0-9.]+ of the streaming read \\(aim >= 0\\.70\\); "
                + "Kumiki / PyTorch: .* same tokens: (yes|no)").matcher(out).find(), out);
        assertTrue(out.contains("load average at the end: "), out);
        try (Stream<Path> left = Files.list(work)) {
            assertEquals(List.of(), left.toList(), "the generated models and scripts are removed");
        }
    }

    @Test
    void withoutPythonTheBaselineIsSkippedOnRequest() throws IOException {
        Cli.Result r = kumiki(tiny("--dtype", "F32", "--python", "none", "--work", work.toString()));
        assertEquals(Kumiki.OK, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("PyTorch  (skipped: --python none)"), r.out());
        assertEquals(1, ROW.matcher(r.out()).results().count(), r.out());
        assertTrue(r.out().contains("F32: Kumiki decode "), r.out());
        assertTrue(!r.out().contains("same tokens"), r.out());
        try (Stream<Path> left = Files.list(work)) {
            assertEquals(List.of(), left.toList());
        }
    }

    @Test
    void aMissingPythonFailsClearlyBeforeAnythingIsWritten() throws IOException {
        Cli.Result r = kumiki(tiny("--python", work.resolve("no-such-python").toString(), "--work",
                work.toString()));
        assertEquals(Kumiki.USAGE, r.code(), r.out());
        assertTrue(r.err().contains("the PyTorch baseline's python " + work.resolve("no-such-python")
                + " cannot be run"), r.err());
        assertTrue(r.err().contains("apt-get install python3-torch"), r.err());
        assertTrue(r.err().contains("--python none"), r.err());
        assertTrue(!r.err().contains("\tat "), "no stack trace: " + r.err());
        try (Stream<Path> left = Files.list(work)) {
            assertEquals(List.of(), left.toList());
        }
    }

    @Test
    void aPythonWithoutTorchFailsClearly() throws IOException {
        Path fake = Files.writeString(work.resolve("python-without-torch"),
                "#!/bin/sh\necho \"ModuleNotFoundError: No module named 'torch'\" >&2\nexit 1\n");
        fake.toFile().setExecutable(true);
        Cli.Result r = kumiki(tiny("--python", fake.toString(), "--work", work.toString()));
        assertEquals(Kumiki.USAGE, r.code(), r.out());
        assertTrue(r.err().contains("cannot import torch (ModuleNotFoundError: No module named 'torch')"), r.err());
    }

    @Test
    void anUnknownDtypeIsRefused() {
        Cli.Result r = kumiki(tiny("--dtype", "F8", "--python", "none", "--work", work.toString()));
        assertEquals(Kumiki.USAGE, r.code(), r.out());
        assertTrue(r.err().contains("--dtype takes BF16 and F32, not F8"), r.err());
    }
}
