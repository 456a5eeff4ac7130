package dev.kumiki.engine;

import java.util.List;

import dev.kumiki.model.yaml.Migration;

/**
 * The rewrites from older pipeline file formats to the current one ({@link dev.kumiki.model.yaml.PipelineYaml
 * #FORMAT_VERSION}). Format 1 is the first, so there are none yet; when a change to the file format is needed, bump
 * the version and add a {@link Migration} from the previous one here, with a test reading an old file.
 */
final class Migrations {
    static final List<Migration> ALL = List.of();

    private Migrations() {
    }
}
