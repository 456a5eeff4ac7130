package dev.kumiki.canvas;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import org.eclipse.emf.common.command.CommandStack;
import org.eclipse.emf.ecore.EAttribute;
import org.eclipse.emf.ecore.EEnum;
import org.eclipse.emf.ecore.EEnumLiteral;
import org.eclipse.emf.ecore.EStructuralFeature;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.kumiki.engine.Configuration;
import dev.kumiki.engine.Diagnostic;
import dev.kumiki.engine.NodeKind;
import dev.kumiki.engine.NodeKinds;
import dev.kumiki.engine.NodeState;
import dev.kumiki.engine.Port;
import dev.kumiki.engine.Severity;
import dev.kumiki.model.Settings;
import dev.kumiki.model.pipeline.Connection;
import dev.kumiki.model.pipeline.Node;
import dev.kumiki.model.pipeline.Pipeline;

/** The JSON the canvas gets: the palette, snapshots of the pipeline, run events. */
final class Snapshots {
    static final ObjectMapper JSON = new ObjectMapper();

    private Snapshots() {
    }

    private static ArrayNode ports(List<Port> ports) {
        ArrayNode a = JSON.createArrayNode();
        for (Port p : ports) {
            a.addObject().put("name", p.name()).put("type", p.type().name()).put("doc", p.description())
                    .put("optional", p.optional()).put("multiple", p.multiple());
        }
        return a;
    }

    /** The node kinds for the palette: name, category, documentation, ports. */
    static ObjectNode palette(NodeKinds kinds) {
        ObjectNode p = JSON.createObjectNode().put("type", "palette");
        ArrayNode list = p.putArray("kinds");
        for (NodeKind<?> k : kinds.all()) {
            ObjectNode o = list.addObject().put("kind", k.name()).put("category", Settings.category(k.settingsClass()))
                    .put("doc", Settings.documentation(k.settingsClass()));
            o.set("inputs", ports(k.inputs()));
            o.set("outputs", ports(k.outputs()));
        }
        return p;
    }

    /** The whole pipeline as the canvas shows it: nodes with ports, settings, diagnostics and states. */
    static ObjectNode snapshot(String file, Pipeline pipeline, NodeKinds kinds, CommandStack stack,
            Configuration configuration, boolean running, Function<String, Optional<NodeState>> states) {
        ObjectNode s = JSON.createObjectNode().put("type", "snapshot");
        s.put("file", file);
        s.put("dirty", ((org.eclipse.emf.common.command.BasicCommandStack) stack).isSaveNeeded());
        s.put("canUndo", stack.canUndo());
        s.put("canRedo", stack.canRedo());
        s.put("undoLabel", stack.canUndo() ? stack.getUndoCommand().getLabel() : "");
        s.put("redoLabel", stack.canRedo() ? stack.getRedoCommand().getLabel() : "");
        s.put("running", running);
        ArrayNode nodes = s.putArray("nodes");
        for (Node n : pipeline.getNodes()) {
            Optional<NodeKind<?>> kind = kinds.of(n.getSettings().eClass());
            ObjectNode o = nodes.addObject().put("id", n.getId()).put("kind", n.getSettings().eClass().getName())
                    .put("x", n.getX()).put("y", n.getY());
            o.set("inputs", ports(kind.map(NodeKind::inputs).orElse(List.of())));
            o.set("outputs", ports(kind.map(NodeKind::outputs).orElse(List.of())));
            ArrayNode diagnostics = o.putArray("diagnostics");
            boolean error = false;
            for (Diagnostic d : configuration.of(n.getId())) {
                diagnostics.addObject().put("severity", d.severity().name().toLowerCase())
                        .put("setting", d.setting() == null ? "" : d.setting()).put("message", d.message());
                error |= d.severity() == Severity.ERROR;
            }
            Optional<NodeState> state = states.apply(n.getId());
            o.put("state", state.isPresent() ? state.get().label() : error ? "error"
                    : configuration.specs().containsKey(n.getId()) ? "configured" : "idle");
            ObjectNode outputs = o.putObject("specs");
            configuration.specs().getOrDefault(n.getId(), Map.of()).forEach((p, spec) -> outputs.put(p,
                    spec.summary()));
            ArrayNode settings = o.putArray("settings");
            for (EStructuralFeature f : n.getSettings().eClass().getEAllStructuralFeatures()) {
                ObjectNode x = settings.addObject().put("name", Settings.yamlName(f))
                        .put("doc", Settings.documentation(f)).put("required", f.getLowerBound() > 0)
                        .put("value", kinds.yaml().valueText(n.getSettings(), f));
                Settings.defaultText(f).ifPresent(d -> x.put("default", d));
                x.put("onNode", Settings.isShownOnNode(f));
                Settings.min(f).ifPresent(v -> x.put("min", v));
                Settings.max(f).ifPresent(v -> x.put("max", v));
                if (f instanceof EAttribute a && a.getEAttributeType() instanceof EEnum e) {
                    x.put("type", "choice");
                    ArrayNode choices = x.putArray("choices");
                    e.getELiterals().stream().map(EEnumLiteral::getName).forEach(choices::add);
                } else if (f instanceof EAttribute a && !a.isMany() && !Settings.isYamlValued(a)) {
                    Class<?> c = a.getEAttributeType().getInstanceClass();
                    x.put("type", c == int.class || c == long.class || c == double.class ? "number"
                            : c == boolean.class ? "boolean" : "text");
                } else {
                    x.put("type", "yaml");
                }
            }
        }
        ArrayNode connections = s.putArray("connections");
        for (Connection c : pipeline.getConnections()) {
            connections.addObject().put("id", Editing.id(c)).put("from", c.getFrom().getId())
                    .put("fromPort", c.getFromPort()).put("to", c.getTo().getId()).put("toPort", c.getToPort());
        }
        ArrayNode general = s.putArray("diagnostics");
        configuration.diagnostics().stream().filter(d -> d.node() == null).forEach(d -> general.add(d.message()));
        return s;
    }

    /** A run event as the canvas reads it. */
    static ObjectNode json(RunEvent event) {
        return switch (event) {
            case RunEvent.NodeStateChanged e -> {
                ObjectNode o = JSON.createObjectNode().put("type", "nodeState").put("node", e.node())
                        .put("state", e.state().label());
                if (e.message() != null) {
                    o.put("message", e.message());
                }
                yield o;
            }
            case RunEvent.Progress e -> JSON.createObjectNode().put("type", "progress").put("node", e.node())
                    .put("fraction", e.fraction());
            case RunEvent.Log e -> JSON.createObjectNode().put("type", "log").put("node", e.node())
                    .put("line", e.line());
            case RunEvent.Metric e -> JSON.createObjectNode().put("type", "metric").put("node", e.node())
                    .put("name", e.name()).put("step", e.step()).put("value", e.value());
            case RunEvent.Finished e -> {
                ObjectNode done = JSON.createObjectNode().put("type", "runFinished").put("status", e.status())
                        .put("record", e.result().recordDir().toString()).put("seconds", e.result().seconds());
                ObjectNode outputs = done.putObject("outputs");
                e.result().nodes().forEach((id, nr) -> outputs.set(id, JSON.valueToTree(nr.outputs())));
                yield done;
            }
        };
    }
}
