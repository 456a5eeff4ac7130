package dev.kumiki.nodes;

import java.nio.file.Path;

/** Where Kumiki writes what it generates on first use (shipped tasks, shipped datasets). */
final class CacheFolders {
    private CacheFolders() {
    }

    /**
     * The folder named by system property {@code property}, else by environment variable {@code environment}, else
     * {@code $XDG_CACHE_HOME/kumiki/<leaf>} ({@code ~/.cache/kumiki/<leaf>}).
     */
    static Path of(String property, String environment, String leaf) {
        String dir = System.getProperty(property, System.getenv(environment));
        if (dir != null && !dir.isBlank()) {
            return Path.of(dir);
        }
        String cache = System.getenv("XDG_CACHE_HOME");
        Path base = cache != null && !cache.isBlank() ? Path.of(cache)
                : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("kumiki").resolve(leaf);
    }
}
