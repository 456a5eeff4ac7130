package dev.kumiki.engine;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.stream.Collectors;

import org.eclipse.emf.ecore.EAttribute;
import org.eclipse.emf.ecore.EObject;
import org.eclipse.emf.ecore.EReference;
import org.eclipse.emf.ecore.EStructuralFeature;

import dev.kumiki.model.Settings;
import dev.kumiki.model.pipeline.Connection;
import dev.kumiki.model.pipeline.Node;
import dev.kumiki.model.pipeline.NodeSettings;
import dev.kumiki.model.pipeline.Pipeline;
import dev.kumiki.tensor.io.Names;

/**
 * Runs pipelines in two phases, as KNIME does. {@link #configure} checks settings against their bounds, connections
 * against port types, finds cycles and unconnected inputs, then lets each node kind tell its output specs from its
 * inputs' specs (headers and configs only, no weights) — all problems come back as {@link Diagnostic}s.
 * {@link #execute} then runs the nodes (see {@link Execution}).
 */
public final class Engine {
    private final NodeKinds kinds;

    public Engine(NodeKinds kinds) {
        this.kinds = kinds;
    }

    public NodeKinds kinds() {
        return kinds;
    }

    /** The connections into each node, by input port, in file order. */
    static Map<Node, Map<String, List<Connection>>> incoming(Pipeline pipeline) {
        Map<Node, Map<String, List<Connection>>> in = new HashMap<>();
        for (Connection c : pipeline.getConnections()) {
            in.computeIfAbsent(c.getTo(), n -> new LinkedHashMap<>()).computeIfAbsent(c.getToPort(),
                    p -> new ArrayList<>()).add(c);
        }
        return in;
    }

    /**
     * The name the value on {@code c} is known by downstream: the node it comes from, or, when that node only passes
     * it on ({@link NodeKind#passesOn}), the name of what it passes on.
     */
    String origin(Connection c) {
        return source(c).getFrom().getId();
    }

    /**
     * The connection the value on {@code c} first came in on: {@code c} itself, or, when its node only passes the value
     * on ({@link NodeKind#passesOn}), the connection into that node, followed back. Names and cache keys downstream
     * come from there, so that a gate in between changes neither (a check's threshold does not re-run a search).
     */
    Connection source(Connection c) {
        Connection at = c;
        for (int depth = 0; depth < 1000; depth++) { // a cycle is reported elsewhere
            Node from = at.getFrom();
            String port = at.getFromPort();
            Optional<String> input = from.getSettings() == null ? Optional.empty()
                    : kinds.of(from.getSettings().eClass()).flatMap(k -> k.passesOn(port));
            if (input.isEmpty() || !(from.eContainer() instanceof Pipeline p)) {
                return at;
            }
            List<Connection> into = p.getConnections().stream().filter(x -> x.getTo() == from
                    && x.getToPort().equals(input.get())).toList();
            if (into.size() != 1) {
                return at;
            }
            at = into.get(0);
        }
        return at;
    }

    /** Checks {@code pipeline} and tells every node's output specs, reading headers and configs only. */
    public Configuration configure(Pipeline pipeline, Path baseDir) {
        List<Diagnostic> diagnostics = new ArrayList<>();
        Map<Node, NodeKind<?>> kindOf = new LinkedHashMap<>();
        for (Node n : pipeline.getNodes()) {
            Optional<NodeKind<?>> k = n.getSettings() == null ? Optional.empty() : kinds.of(n.getSettings().eClass());
            if (k.isEmpty()) {
                String name = n.getSettings() == null ? "(none)" : n.getSettings().eClass().getName();
                diagnostics.add(new Diagnostic(Severity.ERROR, n.getId(), null, "unknown node kind '" + name + "'"
                        + Names.suggestion(name, kinds.settingsClasses().keySet()) + "; is the bundle that adds it "
                        + "installed?"));
                continue;
            }
            kindOf.put(n, k.get());
            checkSettings(n.getId(), n.getSettings(), diagnostics);
        }
        Map<Node, Map<String, List<Connection>>> incoming = incoming(pipeline);
        for (Connection c : pipeline.getConnections()) {
            checkConnection(c, kindOf, diagnostics);
        }
        for (Map.Entry<Node, NodeKind<?>> e : kindOf.entrySet()) {
            Map<String, List<Connection>> in = incoming.getOrDefault(e.getKey(), Map.of());
            for (Port p : e.getValue().inputs()) {
                List<Connection> c = in.getOrDefault(p.name(), List.of());
                if (c.isEmpty() && !p.optional()) {
                    diagnostics.add(new Diagnostic(Severity.ERROR, e.getKey().getId(), p.name(), "input '" + p.name()
                            + "' is not connected; connect " + p.type().description() + " to it (" + p.description()
                            + ")"));
                } else if (c.size() > 1 && !p.multiple()) {
                    diagnostics.add(new Diagnostic(Severity.ERROR, e.getKey().getId(), p.name(), "input '" + p.name()
                            + "' takes one connection but has " + c.size() + " (from " + c.stream()
                                    .map(x -> x.getFrom().getId() + "." + x.getFromPort())
                                    .collect(Collectors.joining(", ")) + ")"));
                }
            }
        }
        List<Node> order = order(pipeline, diagnostics);

        Map<String, Map<String, PortSpec>> specs = new HashMap<>();
        for (Node n : order) {
            NodeKind<?> kind = kindOf.get(n);
            if (kind == null || diagnostics.stream().anyMatch(d -> d.severity() == Severity.ERROR
                    && n.getId().equals(d.node()))) {
                continue;
            }
            Map<String, List<Inputs.Connected<PortSpec>>> in = new LinkedHashMap<>();
            boolean ready = true;
            for (Map.Entry<String, List<Connection>> e : incoming.getOrDefault(n, Map.of()).entrySet()) {
                for (Connection c : e.getValue()) {
                    PortSpec s = Optional.ofNullable(specs.get(c.getFrom().getId())).map(m -> m.get(c.getFromPort()))
                            .orElse(null);
                    if (s == null) {
                        ready = false;
                    } else {
                        in.computeIfAbsent(e.getKey(), p -> new ArrayList<>())
                                .add(new Inputs.Connected<>(origin(c), c.getFromPort(), s));
                    }
                }
            }
            if (!ready) {
                continue; // an upstream node has errors of its own; they are reported there
            }
            Context context = new Context(n.getId(), baseDir, diagnostics);
            try {
                Map<String, PortSpec> out = configure(kind, n.getSettings(), new Inputs<>(in), context);
                if (!context.failed) {
                    specs.put(n.getId(), Map.copyOf(out));
                    for (Connection c : pipeline.getConnections()) {
                        if (c.getFrom() == n && !out.containsKey(c.getFromPort()) && kind.outputs().stream()
                                .anyMatch(p -> p.name().equals(c.getFromPort()))) {
                            String why = kind.passesOn(c.getFromPort()).map(i -> "; it passes on what comes into '"
                                    + i + "': connect something to " + n.getId() + "." + i).orElse("");
                            diagnostics.add(new Diagnostic(Severity.ERROR, n.getId(), c.getFromPort(), "'"
                                    + c.getFromPort() + "' gives nothing to " + c.getTo().getId() + "."
                                    + c.getToPort() + why));
                        }
                    }
                }
            } catch (RuntimeException e) {
                diagnostics.add(new Diagnostic(Severity.ERROR, n.getId(), null, kind.name() + " could not be "
                        + "configured: " + e));
            }
        }
        return new Configuration(pipeline, baseDir, diagnostics, specs, order);
    }

    @SuppressWarnings("unchecked")
    static <S extends NodeSettings> Map<String, PortSpec> configure(NodeKind<S> kind, NodeSettings settings,
            Inputs<PortSpec> inputs, ConfigureContext context) {
        return kind.configure((S) settings, inputs, context);
    }

    /** Required settings and bounds, from the settings EClass. */
    static void checkSettings(String node, EObject settings, List<Diagnostic> out) {
        for (EStructuralFeature f : settings.eClass().getEAllStructuralFeatures()) {
            String name = Settings.yamlName(f);
            Object value = settings.eGet(f);
            if (f.getLowerBound() > 0 && (!settings.eIsSet(f) && f.getDefaultValueLiteral() == null
                    || value == null || value instanceof String s && s.isBlank())) {
                out.add(new Diagnostic(Severity.ERROR, node, name, "'" + name + "' is required: "
                        + Settings.documentation(f)));
                continue;
            }
            if (f instanceof EAttribute) {
                OptionalDouble min = Settings.min(f);
                OptionalDouble max = Settings.max(f);
                List<?> values = f.isMany() ? (List<?>) value : value == null ? List.of() : List.of(value);
                for (Object v : values) {
                    if (v instanceof Number number && (min.isPresent() && number.doubleValue() < min.getAsDouble()
                            || max.isPresent() && number.doubleValue() > max.getAsDouble())) {
                        out.add(new Diagnostic(Severity.ERROR, node, name, "'" + name + "' must be "
                                + Settings.range(f) + ", found " + v));
                    }
                }
            } else if (f instanceof EReference r && r.isContainment() && value != null) {
                List<?> children = r.isMany() ? (List<?>) value : List.of(value);
                for (Object child : children) {
                    checkSettings(node, (EObject) child, out);
                }
            }
        }
    }

    private void checkConnection(Connection c, Map<Node, NodeKind<?>> kindOf, List<Diagnostic> out) {
        NodeKind<?> from = kindOf.get(c.getFrom());
        NodeKind<?> to = kindOf.get(c.getTo());
        if (from == null || to == null) {
            return;
        }
        String line = c.getFrom().getId() + "." + c.getFromPort() + " -> " + c.getTo().getId() + "." + c.getToPort();
        Optional<Port> output = from.outputs().stream().filter(p -> p.name().equals(c.getFromPort())).findFirst();
        Optional<Port> input = to.inputs().stream().filter(p -> p.name().equals(c.getToPort())).findFirst();
        if (output.isEmpty()) {
            List<String> names = from.outputs().stream().map(Port::name).toList();
            out.add(new Diagnostic(Severity.ERROR, c.getFrom().getId(), c.getFromPort(), "connection '" + line + "': "
                    + from.name() + " has no output '" + c.getFromPort() + "'" + Names.suggestion(c.getFromPort(), names)
                    + (names.isEmpty() ? "; it has no outputs" : "; its outputs: " + String.join(", ", names))));
            return;
        }
        if (input.isEmpty()) {
            List<String> names = to.inputs().stream().map(Port::name).toList();
            out.add(new Diagnostic(Severity.ERROR, c.getTo().getId(), c.getToPort(), "connection '" + line + "': "
                    + to.name() + " has no input '" + c.getToPort() + "'" + Names.suggestion(c.getToPort(), names)
                    + (names.isEmpty() ? "; it has no inputs" : "; its inputs: " + String.join(", ", names))));
            return;
        }
        if (!output.get().type().equals(input.get().type())) {
            out.add(new Diagnostic(Severity.ERROR, c.getTo().getId(), c.getToPort(), "connection '" + line
                    + "': incompatible ports: " + c.getFrom().getId() + "." + c.getFromPort() + " gives "
                    + output.get().type().name() + " but " + c.getTo().getId() + "." + c.getToPort() + " takes "
                    + input.get().type().name()));
        }
    }

    /** Kahn's order; nodes on a cycle are reported and left out. */
    private static List<Node> order(Pipeline pipeline, List<Diagnostic> out) {
        Map<Node, Integer> waiting = new LinkedHashMap<>();
        Map<Node, List<Node>> next = new HashMap<>();
        pipeline.getNodes().forEach(n -> waiting.put(n, 0));
        for (Connection c : pipeline.getConnections()) {
            if (waiting.containsKey(c.getFrom()) && waiting.containsKey(c.getTo())) {
                waiting.merge(c.getTo(), 1, Integer::sum);
                next.computeIfAbsent(c.getFrom(), n -> new ArrayList<>()).add(c.getTo());
            }
        }
        Deque<Node> ready = new ArrayDeque<>();
        waiting.forEach((n, w) -> {
            if (w == 0) {
                ready.add(n);
            }
        });
        List<Node> order = new ArrayList<>();
        while (!ready.isEmpty()) {
            Node n = ready.poll();
            order.add(n);
            for (Node m : next.getOrDefault(n, List.of())) {
                if (waiting.merge(m, -1, Integer::sum) == 0) {
                    ready.add(m);
                }
            }
        }
        if (order.size() < pipeline.getNodes().size()) {
            List<String> cycle = pipeline.getNodes().stream().filter(n -> !order.contains(n)).map(Node::getId).toList();
            for (String id : cycle) {
                out.add(new Diagnostic(Severity.ERROR, id, null, "node '" + id + "' is on a cycle of connections ("
                        + String.join(", ", cycle) + "); a pipeline must flow one way: remove one of the connections"));
            }
        }
        return order;
    }

    /** Runs a configured pipeline that has no errors. */
    public Execution execute(Configuration configuration, RunOptions options, RunListener listener) {
        if (configuration.hasErrors()) {
            throw new IllegalStateException("the pipeline has errors; configure it until it has none: "
                    + configuration.errors());
        }
        return new Execution(this, configuration, options, listener);
    }

    /**
     * What a run of {@code configuration} with {@code options} started now would do with each node — whether the cache
     * holds its outputs, so that it costs nothing — told without running anything or writing anything, from the cache
     * keys and cache entries the run itself computes and reads (see {@link Execution.PlannedNode}). For time estimates
     * and "what will run" displays.
     * {@snippet :
     * long toRun = engine.plan(configuration, options).stream().filter(n -> !n.fromCache()).count();
     * }
     *
     * @return every node in the order the run takes them
     * @throws IllegalStateException when the configuration has errors (as {@link #execute} does)
     */
    public List<Execution.PlannedNode> plan(Configuration configuration, RunOptions options) {
        if (configuration.hasErrors()) {
            throw new IllegalStateException("the pipeline has errors; configure it until it has none: "
                    + configuration.errors());
        }
        return Execution.plan(this, configuration, options);
    }

    /** The configure context of one node, collecting into the shared list. */
    static class Context implements ConfigureContext {
        final String node;
        final Path baseDir;
        final List<Diagnostic> diagnostics;
        boolean failed;

        Context(String node, Path baseDir, List<Diagnostic> diagnostics) {
            this.node = node;
            this.baseDir = baseDir;
            this.diagnostics = diagnostics;
        }

        @Override
        public String node() {
            return node;
        }

        @Override
        public Path baseDir() {
            return baseDir;
        }

        @Override
        public void error(String setting, String message) {
            failed = true;
            synchronized (diagnostics) {
                diagnostics.add(new Diagnostic(Severity.ERROR, node, setting, message));
            }
        }

        @Override
        public void warning(String setting, String message) {
            synchronized (diagnostics) {
                diagnostics.add(new Diagnostic(Severity.WARNING, node, setting, message));
            }
        }
    }
}
