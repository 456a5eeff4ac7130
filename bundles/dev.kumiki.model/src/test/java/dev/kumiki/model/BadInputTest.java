package dev.kumiki.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import org.eclipse.emf.common.util.URI;
import org.eclipse.emf.ecore.resource.ResourceSet;
import org.eclipse.emf.ecore.resource.impl.ResourceSetImpl;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import dev.kumiki.model.pipeline.Node;
import dev.kumiki.model.yaml.PipelineResource;
import dev.kumiki.model.yaml.PipelineResourceFactory;
import dev.kumiki.model.yaml.PipelineYaml;
import dev.kumiki.model.yaml.Problem;
import dev.kumiki.tensor.io.YamlInput;

/**
 * Pipeline files that must be refused with a message at their place, never read half-way or crash: the corpus in
 * {@code src/test/resources/bad-input} (each file beside the problems it must give), and files made here (too long,
 * not regular files).
 */
class BadInputTest {
    static final PipelineYaml YAML = PipelineYamlTest.YAML;
    static final Path CORPUS = Path.of("src/test/resources/bad-input");

    @TestFactory
    Stream<DynamicTest> everyFileOfTheCorpusGivesItsProblems() throws IOException {
        List<Path> files;
        try (Stream<Path> all = Files.list(CORPUS)) {
            files = all.filter(f -> f.toString().endsWith(".kumiki")).sorted().toList();
        }
        assertTrue(files.size() >= 10, "the corpus is there: " + files);
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
            String name = f.getFileName().toString();
            List<String> expected = Files.readAllLines(CORPUS.resolve(name.replace(".kumiki", ".expected")));
            PipelineYaml.Result r = YAML.read(Files.readString(f), name);
            assertEquals(expected, r.errors().stream().map(Problem::toString).toList());
            assertEquals(List.of(), r.pipeline().getNodes(), "nothing of a refused file is taken as the pipeline");
        }));
    }

    @Test
    void aVeryLongStringIsRefusedBeforeItIsParsed() {
        // 50 million characters on one line; refused by its length, not after parsing it
        String text = "kumiki: 1\ndescription: " + "x".repeat(50_000_000) + "\nnodes: {}\n";
        assertEquals(List.of("p.kumiki: the YAML is too long: 50000034 characters, Kumiki reads at most 1048576 "
                + "(1 MiB); is this the right file?"), YAML.read(text, "p.kumiki").errors().stream()
                        .map(Problem::toString).toList());
        // just above the limit the library's own limit says the same
        String above = "kumiki: 1\ndescription: " + "x".repeat(YamlInput.MAX_CODE_POINTS) + "\n";
        assertEquals(List.of("p.kumiki: the YAML is too long: " + above.length() + " characters, Kumiki reads at "
                + "most 1048576 (1 MiB); is this the right file?"), YAML.read(above, "p.kumiki").errors().stream()
                        .map(Problem::toString).toList());
    }

    @Test
    void aSetValueWithARecursiveAliasIsRefused() {
        Node merge = PipelineYamlTest.read(PipelineYamlTest.FILE).pipeline().getNodes().get(2);
        assertEquals(Optional.of("'&p {t: *p}' is not a YAML value: the value '&p' contains an alias to itself (a "
                + "recursive alias); write the value out instead"), YAML.set(merge, "parameters", "&p {t: *p}"));
        assertEquals(Optional.of("'# nothing' is not a YAML value"), YAML.set(merge, "threads", "# nothing"));
    }

    static PipelineResource load(Path file) {
        ResourceSet set = new ResourceSetImpl();
        set.getResourceFactoryRegistry().getExtensionToFactoryMap().put("*", new PipelineResourceFactory(YAML));
        return (PipelineResource) set.createResource(URI.createFileURI(file.toAbsolutePath().toString()));
    }

    /** Loads {@code file}, which must fail, within a minute (a named pipe opened for reading would block forever). */
    static String refused(Path file) {
        return Assertions.assertTimeoutPreemptively(Duration.ofMinutes(1),
                () -> assertThrows(IOException.class, () -> load(file).load(null)).getMessage());
    }

    @Test
    void aFolderANamedPipeOrADeviceIsRefusedWithoutOpeningIt(@TempDir Path dir) throws Exception {
        Path folder = Files.createDirectories(dir.resolve("folder.kumiki"));
        assertEquals(folder + ": is a folder; give a pipeline file", refused(folder));

        Path fifo = dir.resolve("fifo.kumiki");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assertEquals(0, mkfifo.waitFor());
        assertEquals(fifo + ": is a named pipe (FIFO), not a regular file; Kumiki reads a pipeline file only from a "
                + "regular file", refused(fifo));

        assertEquals("/dev/zero: is a character device, not a regular file; Kumiki reads a pipeline file only from a "
                + "regular file", refused(Path.of("/dev/zero")));

        Path missing = dir.resolve("missing.kumiki");
        assertEquals(missing + ": there is no such pipeline file", refused(missing));

        Path big = Files.writeString(dir.resolve("big.kumiki"), "kumiki: 1\ndescription: " + "x".repeat(5 << 20));
        assertEquals(big + ": is " + Files.size(big) + " bytes, too long for a pipeline file (Kumiki reads YAML of at "
                + "most 1048576 characters, 1 MiB); is this the right file?", refused(big));

        Path latin1 = Files.write(dir.resolve("latin1.kumiki"), "kumiki: 1\ndescription: caf\u00e9\n".getBytes(
                java.nio.charset.StandardCharsets.ISO_8859_1));
        assertEquals(latin1 + ": is not UTF-8 text; a pipeline file is UTF-8 YAML", refused(latin1));

        List<String> left = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.map(f -> f.getFileName().toString()).sorted().forEach(left::add);
        }
        assertEquals(List.of("big.kumiki", "fifo.kumiki", "folder.kumiki", "latin1.kumiki"), left,
                "reading wrote nothing");
    }
}
