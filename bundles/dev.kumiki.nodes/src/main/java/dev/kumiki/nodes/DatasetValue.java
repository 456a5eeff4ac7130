package dev.kumiki.nodes;

import java.nio.file.Path;
import java.util.Locale;

import dev.kumiki.engine.PortSpec;
import dev.kumiki.engine.PortValue;
import dev.kumiki.train.data.DatasetFormat;

/**
 * A dataset on a {@link ModelPorts#DATASET} port: known whole at configure time, so it is its own spec.
 *
 * @param file           the JSONL file
 * @param format         the shape of its lines, as given or as its first line shows ({@code AUTO} resolved)
 * @param validationSize share held out for validation, 0 to below 1
 */
public record DatasetValue(Path file, DatasetFormat format, double validationSize) implements PortValue, PortSpec {
    @Override
    public PortSpec spec() {
        return this;
    }

    @Override
    public String summary() {
        return file + " (" + format.userName() + (validationSize > 0 ? String.format(Locale.ROOT,
                ", %.0f %% held out for validation", validationSize * 100) : "") + ")";
    }
}
