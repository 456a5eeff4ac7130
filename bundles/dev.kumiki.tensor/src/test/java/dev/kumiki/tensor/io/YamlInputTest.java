package dev.kumiki.tensor.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.nodes.MappingNode;

/**
 * The shared YAML reader by itself: each rule refused at its line and column, in both wordings (the pipeline files'
 * and the recipes' messages are pinned by their own corpora in the model and merge bundles).
 */
class YamlInputTest {
    @TempDir
    Path dir;

    static YamlInput.Refused refused(String text, YamlInput.KeyNamer namer, YamlInput.Wording wording) {
        return assertThrows(YamlInput.Refused.class, () -> YamlInput.compose(text, namer, wording));
    }

    @Test
    void duplicateKeysAreRefusedAtTheSecondOneNamedByTheCaller() {
        String text = "a: 1\nnodes:\n  x: 1\n  x: 2\n";
        YamlInput.Refused plain = refused(text, null, YamlInput.Wording.PLAIN);
        assertEquals("f:4:3: key 'x' of nodes is used twice (lines 3 and 4)",
                plain.at("f") + ": " + plain.getMessage());
        YamlInput.Refused named = refused(text, (path, key) -> "node id '" + key + "'", YamlInput.Wording.PLAIN);
        assertEquals("node id 'x' is used twice (lines 3 and 4)", named.getMessage());
        assertEquals("key 'x' of nodes is used twice (lines 3 and 4); YAML keeps only one of them, so remove the other",
                refused(text, null, YamlInput.Wording.WITH_HINTS).getMessage());
    }

    @Test
    void recursiveAliasesAndAliasBombsAreRefused() {
        assertEquals("the value '&a' contains an alias to itself (a recursive alias); write the value out instead",
                refused("a: &a [1, *a]\n", null, YamlInput.Wording.PLAIN).getMessage());
        StringBuilder bomb = new StringBuilder("l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (int i = 1; i < 5; i++) { // 40 aliases, 111,111 values
            bomb.append("l").append(i).append(": &l").append(i).append(" [").append(("*l" + (i - 1) + ", ").repeat(9))
                    .append("*l").append(i - 1).append("]\n");
        }
        assertEquals("with its aliases expanded, the document has more than 100000 values; Kumiki reads at most "
                + "100000 (an alias bomb?)", refused(bomb.toString(), null, YamlInput.Wording.PLAIN).getMessage());
    }

    @Test
    void unfinishedCollectionsSayWhereTheyStartedOnlyWithHints() {
        String text = "a: 1\nb: [1, 2\nc: 3\n";
        YamlInput.Refused plain = refused(text, null, YamlInput.Wording.PLAIN);
        YamlInput.Refused hinted = refused(text, null, YamlInput.Wording.WITH_HINTS);
        assertEquals(plain.at("f"), hinted.at("f"));
        assertEquals(plain.getMessage().replace("while parsing a flow sequence,",
                "while parsing a flow sequence (started at line 2, column 4),"), hinted.getMessage());
    }

    @Test
    void tooLongTextIsRefusedWhole() {
        String text = "a: " + "x".repeat(YamlInput.MAX_CODE_POINTS) + "\n";
        YamlInput.Refused plain = refused(text, null, YamlInput.Wording.PLAIN);
        assertEquals("f", plain.at("f"));
        assertEquals("the YAML is too long: " + text.length() + " characters, Kumiki reads at most 1048576 (1 MiB); "
                + "is this the right file?", plain.getMessage());
        assertEquals("the YAML is too long: more than 1048576 characters (1 MiB); is this the right file?",
                refused(text, null, YamlInput.Wording.WITH_HINTS).getMessage());
    }

    @Test
    void filesMustBeRegularUtf8AndSmall() throws Exception {
        Path ok = Files.writeString(dir.resolve("t.yaml"), "task: mc\n");
        assertEquals("task", ((org.yaml.snakeyaml.nodes.ScalarNode) ((MappingNode) YamlInput.compose(
                YamlInput.readFile(ok, "task file"), null)).getValue().get(0).getKeyNode()).getValue());
        assertEquals(dir + ": is a folder; give a task file",
                assertThrows(FileSystemException.class, () -> YamlInput.readFile(dir, "task file")).getMessage());
        Path fifo = dir.resolve("fifo.yaml");
        InputFilesTest.mkfifo(fifo);
        assertEquals(fifo + ": is a named pipe (FIFO), not a regular file; Kumiki reads a task file only from a "
                + "regular file", InputFilesTest.refused(() -> YamlInput.readFile(fifo, "task file")));
        Path latin1 = Files.write(dir.resolve("l.yaml"), new byte[] {'a', ':', ' ', (byte) 0xe9, '\n'});
        assertEquals(latin1 + ": is not UTF-8 text; a task file is UTF-8 YAML",
                assertThrows(FileSystemException.class, () -> YamlInput.readFile(latin1, "task file")).getMessage());
    }
}
