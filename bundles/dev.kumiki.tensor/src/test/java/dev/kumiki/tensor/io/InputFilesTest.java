package dev.kumiki.tensor.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import dev.kumiki.tensor.TensorFormatException;

/**
 * Where a file is expected, a folder, a named pipe or a device is refused at once, naming the path; before, opening a
 * named pipe blocked until something wrote into it, and {@code /dev/zero} was read until memory ran out.
 */
class InputFilesTest {
    @TempDir
    Path dir;

    static void mkfifo(Path path) throws Exception {
        assertEquals(0, new ProcessBuilder("mkfifo", path.toString()).inheritIO().start().waitFor());
    }

    /** The message of the IOException {@code read} throws, within a minute (instead of blocking for ever). */
    static String refused(Executable read) {
        return Assertions.assertTimeoutPreemptively(Duration.ofMinutes(1),
                () -> assertThrows(IOException.class, read).getMessage());
    }

    @Test
    void safetensorsConfigAndIndexMustBeRegularFiles() throws Exception {
        Path fifo = dir.resolve("model.safetensors");
        mkfifo(fifo);
        assertEquals(fifo + ": is a named pipe (FIFO), not a regular file; Kumiki reads a safetensors file only from "
                + "a regular file", refused(() -> SafetensorsFile.open(fifo)));
        assertEquals("/dev/zero: is a character device, not a regular file; Kumiki reads a safetensors file only from "
                + "a regular file", refused(() -> SafetensorsFile.open(Path.of("/dev/zero"))));
        assertEquals(dir + ": is a folder, where a safetensors file was expected",
                refused(() -> SafetensorsFile.open(dir)));
        assertEquals(dir.resolve("none.safetensors") + ": no such safetensors file",
                refused(() -> SafetensorsFile.open(dir.resolve("none.safetensors"))));

        Path config = dir.resolve(ModelFolder.CONFIG);
        mkfifo(config);
        assertEquals(config + ": is a named pipe (FIFO), not a regular file; Kumiki reads a config.json only from a "
                + "regular file", refused(() -> ModelConfig.read(config)));
        assertEquals(config + ": is a named pipe (FIFO), not a regular file; Kumiki reads a config.json only from a "
                + "regular file", refused(() -> ModelFolder.open(dir)), "the folder stops at its config.json");
        Files.delete(config);
        assertEquals(fifo + ": is a named pipe (FIFO), not a regular file; Kumiki reads a safetensors file only from "
                + "a regular file", refused(() -> ModelFolder.open(dir)));

        Path index = Files.createDirectories(dir.resolve(ModelFolder.INDEX));
        assertEquals(index + ": is a folder, where a safetensors index was expected",
                refused(() -> ModelFolder.open(dir)));
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(List.of("model.safetensors", "model.safetensors.index.json"),
                    left.map(f -> f.getFileName().toString()).sorted().toList(), "reading wrote nothing");
        }
    }

    @Test
    void jsonWithDuplicateKeysOrNestedTooDeeplyIsRefusedAtItsPlace() throws Exception {
        Path config = Files.writeString(dir.resolve(ModelFolder.CONFIG),
                "{\"model_type\": \"llama\",\n \"hidden_size\": 8,\n \"hidden_size\": 16}\n");
        TensorFormatException e = assertThrows(TensorFormatException.class, () -> ModelConfig.read(config));
        assertEquals(config + ": not valid JSON (Duplicate field 'hidden_size' at line 3, column 15)", e.getMessage());

        Files.writeString(config, "{\"a\": " + "[".repeat(InputFiles.MAX_JSON_DEPTH + 10) + "]".repeat(
                InputFiles.MAX_JSON_DEPTH + 10) + "}");
        String deep = assertThrows(TensorFormatException.class, () -> ModelConfig.read(config)).getMessage();
        Assertions.assertTrue(deep.startsWith(config + ": not valid JSON (") && deep.contains("200"), deep);
    }
}
