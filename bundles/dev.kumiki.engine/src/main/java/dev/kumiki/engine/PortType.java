package dev.kumiki.engine;

import java.util.Objects;

/**
 * The type of what flows along a connection. An output connects to an input of the same type only. Types are
 * compared by name, so a third-party bundle can declare a port of a type another bundle defines.
 *
 * @param name        the name users see: {@code model}, {@code dataset}, {@code file}
 * @param description one line for the palette and the node reference
 */
public record PortType(String name, String description) {
    public PortType {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PortType p && p.name.equals(name);
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }
}
