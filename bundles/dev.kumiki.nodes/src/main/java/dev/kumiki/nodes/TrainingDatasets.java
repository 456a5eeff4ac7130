package dev.kumiki.nodes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import dev.kumiki.eval.tasks.ShippedDatasets;
import dev.kumiki.tensor.io.Names;

/**
 * Finds the file a Dataset node names: a dataset Kumiki ships ({@link ShippedDatasets}, by name, as the examples use
 * them) or a JSONL file relative to the pipeline. The shipped datasets are generated once into a folder of their own
 * ({@link #shippedDir()}), so that they are files like any other and errors name a file and line.
 */
public final class TrainingDatasets {
    /** A system property naming the folder shipped datasets are written into (tests, read-only homes). */
    public static final String DIR_PROPERTY = "kumiki.datasets.dir";
    /** The same as an environment variable. */
    public static final String DIR_ENVIRONMENT = "KUMIKI_DATASETS_DIR";

    private TrainingDatasets() {
    }

    /**
     * Where the shipped datasets are written: {@code kumiki.datasets.dir}, {@code KUMIKI_DATASETS_DIR}, else
     * {@code $XDG_CACHE_HOME/kumiki/datasets} ({@code ~/.cache/kumiki/datasets}).
     */
    public static Path shippedDir() {
        return CacheFolders.of(DIR_PROPERTY, DIR_ENVIRONMENT, "datasets");
    }

    /** The names of the shipped datasets, in their order. */
    public static List<String> shippedNames() {
        return ShippedDatasets.list().stream().map(ShippedDatasets.Dataset::name).toList();
    }

    /**
     * The file {@code path} stands for: a file relative to {@code baseDir} when one exists or the value looks like a
     * path (a separator or an extension); else a shipped dataset's name, its file written now into
     * {@link #shippedDir()} if it is not there yet. Empty when it is neither (the caller names the missing file and
     * {@link #hint(String)}).
     *
     * @throws IOException when a shipped dataset cannot be written, with the folder and what to do
     */
    public static Optional<Path> resolve(String path, Path baseDir) throws IOException {
        String p = path.strip();
        Path file = baseDir.resolve(p).normalize();
        if (Files.exists(file) || looksLikePath(p) || !shippedNames().contains(p)) {
            return Files.isRegularFile(file) ? Optional.of(file) : Optional.empty();
        }
        Path dir = shippedDir();
        try {
            // idempotent and atomic per file: files already there with the same bytes are left alone
            return ShippedDatasets.resolve(p, dir);
        } catch (IOException e) {
            throw new IOException("the shipped dataset " + p + " cannot be written into " + dir + ": "
                    + e.getMessage() + "; set " + DIR_ENVIRONMENT + " to a folder Kumiki may write", e);
        }
    }

    /** What a path that is no file could have meant: the nearest shipped name, and the names there are. */
    public static String hint(String path) {
        String p = path.strip();
        String near = looksLikePath(p) ? "" : Names.suggestion(p, shippedNames());
        return near + "; or name a dataset Kumiki ships: " + String.join(", ", shippedNames());
    }

    private static boolean looksLikePath(String p) {
        return p.contains("/") || p.contains("\\") || p.contains(".");
    }
}
