package dev.kumiki.engine;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.kumiki.model.pipeline.Node;
import dev.kumiki.model.pipeline.Pipeline;

/**
 * A configured pipeline: every node's output specs, the diagnostics, and the order nodes can run in.
 *
 * @param pipeline    the pipeline as configured
 * @param baseDir     the folder relative paths are resolved against
 * @param diagnostics errors and warnings, in node order
 * @param specs       each node's output specs by port (only nodes that configured without errors)
 * @param order       the nodes, each after everything it depends on (cycles left out)
 */
public record Configuration(Pipeline pipeline, Path baseDir, List<Diagnostic> diagnostics,
                            Map<String, Map<String, PortSpec>> specs, List<Node> order) {
    public Configuration {
        diagnostics = List.copyOf(diagnostics);
        specs = Map.copyOf(specs);
        order = List.copyOf(order);
    }

    public boolean hasErrors() {
        return diagnostics.stream().anyMatch(d -> d.severity() == Severity.ERROR);
    }

    public List<Diagnostic> errors() {
        return diagnostics.stream().filter(d -> d.severity() == Severity.ERROR).toList();
    }

    /** What {@code node}'s output {@code port} will carry, if configure could tell. */
    public Optional<PortSpec> spec(String node, String port) {
        return Optional.ofNullable(specs.get(node)).map(m -> m.get(port));
    }

    /** The diagnostics of one node. */
    public List<Diagnostic> of(String node) {
        return diagnostics.stream().filter(d -> node.equals(d.node())).toList();
    }
}
