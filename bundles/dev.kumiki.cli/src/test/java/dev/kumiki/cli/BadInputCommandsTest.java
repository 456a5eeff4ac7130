package dev.kumiki.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import dev.kumiki.cli.internal.Failures;

/**
 * The bad-input corpora of the model ({@code *.kumiki}) and merge ({@code *.yml}) bundles through the commands a user
 * types: each is refused with exit code 2 and its message at its place, and leaves nothing on disk — no run record, no
 * cache, no output folder. Before, a recursive alias made {@code validate} and {@code run} print nothing and exit 0.
 */
class BadInputCommandsTest {
    static final Path PIPELINES = Path.of("../dev.kumiki.model/src/test/resources/bad-input");
    static final Path RECIPES = Path.of("../dev.kumiki.merge/src/test/resources/bad-input");

    @TempDir
    Path dir;

    static List<Path> corpus(Path folder, String extension) throws IOException {
        try (Stream<Path> all = Files.list(folder)) {
            return all.filter(f -> f.toString().endsWith(extension)).sorted().toList();
        }
    }

    static List<String> left(Path folder) throws IOException {
        try (Stream<Path> all = Files.walk(folder)) {
            return all.filter(f -> !f.equals(folder)).map(f -> folder.relativize(f).toString()).sorted().toList();
        }
    }

    @TestFactory
    Stream<DynamicTest> badPipelinesAreRefusedByValidateAndRun() throws IOException {
        List<Path> files = corpus(PIPELINES, ".kumiki");
        assertTrue(files.size() >= 10, files.toString());
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
            String name = f.getFileName().toString();
            Path work = Files.createDirectories(dir.resolve(name.replace(".kumiki", "")));
            Path file = Files.copy(f, work.resolve(name));
            List<String> problems = new ArrayList<>();
            for (String line : Files.readAllLines(PIPELINES.resolve(name.replace(".kumiki", ".expected")))) {
                problems.add(line.replaceFirst("^" + java.util.regex.Pattern.quote(name) + "(:\\d+:\\d+)?:",
                        java.util.regex.Matcher.quoteReplacement(file.toAbsolutePath().toString()) + "$1: error:"));
            }
            for (String command : List.of("validate", "run")) {
                Cli.Result r = Assertions.assertTimeoutPreemptively(Duration.ofMinutes(2),
                        () -> Cli.kumiki(command, file.toString()));
                assertEquals(2, r.code(), command + ": " + r.err());
                assertEquals("kumiki " + command + ": " + String.join("\n", problems) + "\n", r.err(), command);
                assertEquals(List.of(name), left(work), command + " wrote nothing beside the file");
            }
        }));
    }

    @TestFactory
    Stream<DynamicTest> badRecipesAreRefusedByMerge() throws IOException {
        List<Path> files = corpus(RECIPES, ".yml");
        assertTrue(files.size() >= 5, files.toString());
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
            String name = f.getFileName().toString();
            Path work = Files.createDirectories(dir.resolve(name.replace(".yml", "")));
            Path file = Files.copy(f, work.resolve(name));
            String expected = Files.readString(RECIPES.resolve(name.replace(".yml", ".expected"))).strip()
                    .replaceFirst("^" + java.util.regex.Pattern.quote(name), java.util.regex.Matcher.quoteReplacement(
                            file.toString()));
            Cli.Result r = Cli.kumiki("merge", file.toString(), work.resolve("out").toString());
            assertEquals(2, r.code(), r.err());
            assertEquals("kumiki merge: " + expected + "\n", r.err());
            assertEquals(List.of(name), left(work), "no output folder");
        }));
    }

    @Test
    void aPipelineThatIsAFolderANamedPipeOrADeviceIsRefusedAtOnce() throws Exception {
        Path fifo = dir.resolve("fifo.kumiki");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start().waitFor());
        Path folder = Files.createDirectories(dir.resolve("folder.kumiki"));
        for (String command : List.of("validate", "run")) {
            Cli.Result r = Assertions.assertTimeoutPreemptively(Duration.ofMinutes(1),
                    () -> Cli.kumiki(command, fifo.toString()));
            assertEquals(2, r.code());
            assertEquals("kumiki " + command + ": " + fifo.toAbsolutePath() + ": is a named pipe (FIFO), not a regular "
                    + "file; Kumiki reads a pipeline file only from a regular file\n", r.err());
            Cli.Result z = Cli.kumiki(command, "/dev/zero");
            assertEquals(2, z.code());
            assertEquals("kumiki " + command + ": /dev/zero: is a character device, not a regular file; Kumiki reads "
                    + "a pipeline file only from a regular file\n", z.err());
            Cli.Result d = Cli.kumiki(command, folder.toString());
            assertEquals(2, d.code());
            assertEquals("kumiki " + command + ": " + folder.toAbsolutePath() + ": is a folder; give a pipeline file\n",
                    d.err());
        }
        assertEquals(List.of("fifo.kumiki", "folder.kumiki"), left(dir));
    }

    @Test
    void aRecipeThatIsAFolderANamedPipeOrMissingIsAUsageError() throws Exception {
        Path work = Files.createDirectories(dir.resolve("recipes"));
        Path fifo = work.resolve("fifo.yml");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start().waitFor());
        Path folder = Files.createDirectories(work.resolve("folder.yml"));
        Path out = work.resolve("out");
        Cli.Result p = Assertions.assertTimeoutPreemptively(Duration.ofMinutes(1),
                () -> Cli.kumiki("merge", fifo.toString(), out.toString()));
        assertEquals(2, p.code(), p.err());
        assertTrue(p.err().startsWith("kumiki merge: " + fifo.toAbsolutePath() + ": is a named pipe (FIFO), not a "
                + "regular file"), p.err());
        Cli.Result d = Cli.kumiki("merge", folder.toString(), out.toString());
        assertEquals(2, d.code(), d.err());
        assertTrue(d.err().startsWith("kumiki merge: " + folder.toAbsolutePath() + ": is a folder"), d.err());
        Cli.Result m = Cli.kumiki("merge", work.resolve("missing.yml").toString(), out.toString());
        assertEquals(2, m.code(), m.err());
        assertEquals("kumiki merge: no such configuration file: " + work.resolve("missing.yml") + "\n", m.err());
        assertEquals(List.of("fifo.yml", "folder.yml"), left(work), "no output folder");
    }

    @Test
    void anInternalErrorSaysSoNamesItsDetailsAndExitsNonZero() throws IOException {
        StringWriter err = new StringWriter();
        int code = Failures.report(new StackOverflowError(), "run", new String[] {"run", "p.kumiki"},
                new PrintWriter(err));
        assertEquals(Kumiki.FAILED, code);
        String[] lines = err.toString().split("\n");
        assertEquals("kumiki run: internal error (a bug in Kumiki, not a problem with your input): "
                + "java.lang.StackOverflowError", lines[0]);
        assertTrue(lines[1].startsWith("The details are in ") && lines[1].endsWith("; please attach that file to a "
                + "bug report."), lines[1]);
        Path details = Path.of(lines[1].substring("The details are in ".length(), lines[1].indexOf("; please")));
        try {
            assertTrue(details.startsWith(Path.of(System.getProperty("java.io.tmpdir"))), details.toString());
            String text = Files.readString(details);
            assertTrue(text.contains("command: kumiki run p.kumiki") && text.contains("java.lang.StackOverflowError\n"
                    + "\tat dev.kumiki.cli.BadInputCommandsTest"), text);
        } finally {
            Files.delete(details);
        }
        assertEquals(2, lines.length, "no stack trace on the terminal");

        StringWriter user = new StringWriter();
        assertEquals(Kumiki.USAGE, Failures.report(new IllegalArgumentException("p.kumiki:3:1: error: oops"), "run",
                new String[0], new PrintWriter(user)));
        assertEquals("kumiki run: p.kumiki:3:1: error: oops\n", user.toString());

        StringWriter io = new StringWriter();
        assertEquals(Kumiki.FAILED, Failures.report(new java.nio.file.FileSystemException("/out/model.safetensors",
                null, "No space left on device"), "merge", new String[0], new PrintWriter(io)));
        assertEquals("kumiki merge: /out/model.safetensors: No space left on device\n", io.toString());
        StringWriter denied = new StringWriter();
        Failures.report(new java.nio.file.AccessDeniedException("/ro/.kumiki"), "run", new String[0],
                new PrintWriter(denied));
        assertEquals("kumiki run: /ro/.kumiki: permission denied\n", denied.toString());
    }
}
