package dev.kumiki.engine;

import java.nio.file.Path;

/** What a node kind sees while configuring one node: where the pipeline is, and where to report problems. */
public interface ConfigureContext {
    /** The node's id. */
    String node();

    /** The folder relative paths in settings are resolved against (the pipeline file's folder). */
    Path baseDir();

    /** Resolves a path setting against {@link #baseDir()}. */
    default Path resolve(String path) {
        Path p = Path.of(path);
        return p.isAbsolute() ? p : baseDir().resolve(p).normalize();
    }

    /** Reports an error on {@code setting} (its file name) or, with null, on the node. */
    void error(String setting, String message);

    void warning(String setting, String message);
}
