package dev.kumiki.eval.report;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes files so that a reader never sees half of one: the content goes to a temporary file beside the target
 * (a hidden name ending in {@code .tmp}), which is then renamed over it in one step. A failure deletes the temporary
 * file and leaves any earlier target as it was.
 */
public final class AtomicFiles {
    private AtomicFiles() {
    }

    /** Writes what {@code body} writes into {@code file}, atomically. */
    public static void write(Path file, Body body) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp");
        boolean done = false;
        try {
            try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                body.write(w);
            }
            commit(tmp, file);
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /** Writes {@code text} into {@code file}, atomically. */
    public static void writeString(Path file, String text) throws IOException {
        write(file, w -> w.write(text));
    }

    /** Renames {@code tmp} over {@code file} in one step (where the file system can). */
    static void commit(Path tmp, Path file) throws IOException {
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Writes a file's content. */
    @FunctionalInterface
    public interface Body {
        void write(Writer w) throws IOException;
    }
}
