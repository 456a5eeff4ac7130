package dev.kumiki.engine;

import java.util.Objects;
import java.util.Optional;

/**
 * A problem configure found, attached to a node and, when it concerns one, a setting (by its file name, e.g.
 * {@code shard_size}) or port.
 *
 * @param severity error or warning
 * @param node     the node's id, or null for the pipeline as a whole
 * @param setting  the setting or port concerned, or null
 * @param message  what was expected, what was found and what to do
 */
public record Diagnostic(Severity severity, String node, String setting, String message) {
    public Diagnostic {
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(message, "message");
    }

    public Optional<String> nodeId() {
        return Optional.ofNullable(node);
    }

    public Optional<String> settingName() {
        return Optional.ofNullable(setting);
    }

    @Override
    public String toString() {
        return (severity == Severity.ERROR ? "error" : "warning") + ": "
                + (node == null ? "" : "node '" + node + "'" + (setting == null ? "" : ", " + setting) + ": ") + message;
    }
}
