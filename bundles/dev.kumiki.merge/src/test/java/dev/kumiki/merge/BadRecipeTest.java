package dev.kumiki.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import dev.kumiki.merge.config.ConfigException;
import dev.kumiki.merge.config.MergeConfigReader;

/**
 * mergekit recipes that must be refused with a message at their place: the corpus in
 * {@code src/test/resources/bad-input} (each file beside its message), and files made here.
 */
class BadRecipeTest {
    static final Path CORPUS = Path.of("src/test/resources/bad-input");

    @TestFactory
    Stream<DynamicTest> everyRecipeOfTheCorpusGivesItsMessage() throws IOException {
        List<Path> files;
        try (Stream<Path> all = Files.list(CORPUS)) {
            files = all.filter(f -> f.toString().endsWith(".yml")).sorted().toList();
        }
        assertTrue(files.size() >= 5, "the corpus is there: " + files);
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
            String name = f.getFileName().toString();
            String expected = Files.readString(CORPUS.resolve(name.replace(".yml", ".expected"))).strip();
            assertEquals(expected, assertThrows(ConfigException.class,
                    () -> MergeConfigReader.parse(Path.of(name), Files.readString(f), w -> { })).getMessage());
        }));
    }

    @Test
    void aVeryLongRecipeIsRefusedBeforeItIsParsed() {
        String text = "merge_method: linear\nmodels: [a]\nname: " + "x".repeat(50_000_000) + "\n";
        assertEquals("r.yml: the YAML is too long: more than 1048576 characters (1 MiB); is this the right file?",
                assertThrows(ConfigException.class, () -> MergeConfigReader.parse(Path.of("r.yml"), text, w -> { }))
                        .getMessage());
    }

    static String refused(Path file) {
        return Assertions.assertTimeoutPreemptively(Duration.ofMinutes(1), () -> assertThrows(IOException.class,
                () -> MergeConfigReader.read(file, w -> { })).getMessage());
    }

    @Test
    void aFolderANamedPipeOrADeviceIsRefusedWithoutOpeningIt(@TempDir Path dir) throws Exception {
        Path folder = Files.createDirectories(dir.resolve("recipe.yml"));
        assertEquals(folder + ": is a folder, where a mergekit YAML file was expected", refused(folder));
        Path fifo = dir.resolve("fifo.yml");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start().waitFor());
        assertEquals(fifo + ": is a named pipe (FIFO), not a regular file; Kumiki reads a mergekit YAML file only from "
                + "a regular file", refused(fifo));
        assertEquals("/dev/zero: is a character device, not a regular file; Kumiki reads a mergekit YAML file only "
                + "from a regular file", refused(Path.of("/dev/zero")));
        Path missing = dir.resolve("missing.yml");
        assertEquals(missing + ": no such mergekit YAML file", refused(missing));
        Path big = Files.writeString(dir.resolve("big.yml"), "name: " + "x".repeat(5 << 20));
        assertEquals(big + ": is " + Files.size(big) + " bytes, more than a mergekit YAML file can be (4194304 bytes "
                + "at most); is this the right file?", refused(big));
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(List.of("big.yml", "fifo.yml", "recipe.yml"), left.map(f -> f.getFileName().toString())
                    .sorted().toList(), "reading wrote nothing");
        }
    }
}
