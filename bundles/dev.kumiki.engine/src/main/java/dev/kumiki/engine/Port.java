package dev.kumiki.engine;

import java.util.Objects;

/**
 * An input or output of a node kind.
 *
 * @param name        as written in connections ({@code merge.models})
 * @param type        what it carries
 * @param description one line for the node reference
 * @param optional    an input that may stay unconnected
 * @param multiple    an input that takes any number of connections, in the order they are written
 */
public record Port(String name, PortType type, String description, boolean optional, boolean multiple) {
    public Port {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(description, "description");
    }

    /** A required input taking one connection, or an output. */
    public static Port of(String name, PortType type, String description) {
        return new Port(name, type, description, false, false);
    }
}
