package dev.kumiki.engine;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What arrives at a node's input ports, each with the node it comes from (in the order the connections are
 * written): specs at configure time, values at execute time.
 *
 * @param <T> {@link PortSpec} or {@link PortValue}
 */
public final class Inputs<T> {
    /**
     * One connection's contribution: from which node and port, and what. {@code fromNode} is the name the value is
     * known by: the node it comes from, or what a gate in between passes on ({@link NodeKind#passesOn}).
     */
    public record Connected<T>(String fromNode, String fromPort, T value) {
    }

    private final Map<String, List<Connected<T>>> byPort;

    public Inputs(Map<String, List<Connected<T>>> byPort) {
        this.byPort = Map.copyOf(byPort);
    }

    /** Everything connected to {@code port}, possibly nothing. */
    public List<Connected<T>> all(String port) {
        return byPort.getOrDefault(port, List.of());
    }

    /** The one value connected to a single input, if connected. */
    public Optional<T> optional(String port) {
        List<Connected<T>> c = all(port);
        return c.isEmpty() ? Optional.empty() : Optional.of(c.get(0).value());
    }

    /** The value connected to a required single input (configure has checked it is connected). */
    public T one(String port) {
        return optional(port).orElseThrow(() -> new IllegalStateException("input '" + port + "' is not connected"));
    }
}
