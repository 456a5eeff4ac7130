package dev.kumiki.tensor.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Errors of reading weights name the file: a file system that cannot map files answers "No such device". */
class MappingErrorsTest {
    @Test
    void aFileThatCannotBeMappedIsNamed() throws IOException {
        // sysfs files say they have 4096 bytes but cannot be mapped (ENODEV), as some network and FUSE file systems
        Path file = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
        Assumptions.assumeTrue(Files.isReadable(file) && Files.size(file) >= 8, "a sysfs file to map");
        IOException e = assertThrows(IOException.class, () -> SafetensorsFile.open(file));
        assertEquals("cannot map " + file + " into memory: No such device; copy the model to a local disk",
                e.getMessage());
    }
}
