package dev.kumiki.model.yaml;

import org.yaml.snakeyaml.nodes.MappingNode;

/**
 * Rewrites a pipeline file of format version {@link #from()} into version {@code from() + 1}, on the YAML tree,
 * before the file is read into the model. Migrations run in a chain, so a file of any older version is read by the
 * current Kumiki; the file itself is only rewritten when the user saves it.
 */
public interface Migration {
    /** The format version this migration reads. */
    int from();

    /** Changes {@code root} (the file's top-level mapping) in place to the next version. */
    void migrate(MappingNode root);
}
