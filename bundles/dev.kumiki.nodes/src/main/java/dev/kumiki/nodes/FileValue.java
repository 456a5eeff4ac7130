package dev.kumiki.nodes;

import java.nio.file.Path;

import dev.kumiki.engine.PortSpec;
import dev.kumiki.engine.PortValue;

/** A file a node wrote (or will write), on a {@link ModelPorts#FILE} port. */
public record FileValue(Path path) implements PortValue, PortSpec {
    @Override
    public PortSpec spec() {
        return this;
    }

    @Override
    public String summary() {
        return path.toString();
    }
}
