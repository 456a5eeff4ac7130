package dev.kumiki.canvas;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import org.eclipse.emf.common.command.BasicCommandStack;
import org.eclipse.emf.common.command.Command;
import org.eclipse.emf.common.command.CommandStack;
import org.eclipse.emf.ecore.EAttribute;
import org.eclipse.emf.ecore.EEnum;
import org.eclipse.emf.ecore.EEnumLiteral;
import org.eclipse.emf.ecore.EStructuralFeature;
import org.eclipse.emf.ecore.util.EcoreUtil;
import org.eclipse.emf.edit.command.ChangeCommand;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.kumiki.engine.Configuration;
import dev.kumiki.engine.Diagnostic;
import dev.kumiki.engine.Engine;
import dev.kumiki.engine.Execution;
import dev.kumiki.engine.NodeKind;
import dev.kumiki.engine.NodeKinds;
import dev.kumiki.engine.NodeState;
import dev.kumiki.engine.Port;
import dev.kumiki.engine.RunListener;
import dev.kumiki.engine.RunOptions;
import dev.kumiki.model.Names;
import dev.kumiki.model.Settings;
import dev.kumiki.model.pipeline.Connection;
import dev.kumiki.model.pipeline.Node;
import dev.kumiki.model.pipeline.NodeSettings;
import dev.kumiki.model.pipeline.Pipeline;
import dev.kumiki.model.pipeline.PipelineFactory;
import dev.kumiki.model.yaml.PipelineResource;

/**
 * One pipeline being edited on a canvas. Java owns the model: the canvas sends commands as JSON messages
 * ({@link #handle}) and receives snapshots and run events ({@link #addListener}). Every edit is an EMF
 * {@link ChangeCommand} on one {@link CommandStack}, so undo and redo cover everything, in the Studio's Edit menu as
 * on the canvas. After each change the pipeline is configured again, so diagnostics stay live.
 *
 * <p>The protocol: commands {@code addNode, removeNodes, moveNodes, connect, setSetting, duplicate, undo, redo, save,
 * run, cancel, hello}; replies {@code {ok: true}} or {@code {ok: false, message}}; events {@code palette, snapshot,
 * nodeState, progress, log, runFinished}.
 */
public final class CanvasSession {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final PipelineResource resource;
    private final Pipeline pipeline;
    private final NodeKinds kinds;
    private final Engine engine;
    private final Path baseDir;
    private final BasicCommandStack stack = new BasicCommandStack();
    private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<List<String>>> selectionListeners = new CopyOnWriteArrayList<>();
    private final List<Runnable> configureListeners = new CopyOnWriteArrayList<>();
    private final Map<String, NodeState> states = new LinkedHashMap<>();
    private Configuration configuration;
    private volatile Execution running;
    private volatile java.util.function.Function<Path, RunOptions> runOptions = RunOptions::defaults;

    public CanvasSession(PipelineResource resource, NodeKinds kinds) {
        this.resource = resource;
        this.pipeline = resource.pipeline().orElseThrow(() -> new IllegalArgumentException("no pipeline to edit"));
        this.kinds = kinds;
        this.engine = new Engine(kinds);
        Path file = Path.of(resource.getURI().toFileString()).toAbsolutePath();
        this.baseDir = file.getParent();
        stack.addCommandStackListener(e -> changed());
        configuration = engine.configure(pipeline, baseDir);
    }

    public CommandStack commandStack() {
        return stack;
    }

    public Pipeline pipeline() {
        return pipeline;
    }

    public Configuration configuration() {
        return configuration;
    }

    public boolean isDirty() {
        return stack.isSaveNeeded();
    }

    /** Receives every event (palette, snapshots, run events) as a JSON text. */
    public void addListener(Consumer<String> listener) {
        listeners.add(listener);
    }

    public void removeListener(Consumer<String> listener) {
        listeners.remove(listener);
    }

    /** Hears which nodes the canvas has selected (the Studio shows their settings in the Properties view). */
    public void addSelectionListener(Consumer<List<String>> listener) {
        selectionListeners.add(listener);
    }

    /**
     * Whether {@code value} would be taken for setting {@code path} of node {@code id}, without changing anything:
     * the problem, or empty.
     */
    public synchronized Optional<String> checkSetting(String id, String path, String value) {
        Node copy = EcoreUtil.copy(node(id));
        return kinds.yaml().set(copy, path, value);
    }

    /** Sets a setting as one undoable command; the problem, or empty when it was set. */
    public synchronized Optional<String> setSettingCommand(String id, String path, String value) {
        try {
            setSetting(id, path, value);
            return Optional.empty();
        } catch (Refused e) {
            return Optional.of(e.getMessage());
        }
    }

    /** The node with this id, if there is one. */
    public Optional<Node> findNode(String id) {
        return pipeline.getNodes().stream().filter(n -> n.getId().equals(id)).findFirst();
    }

    /** Where a diagnostic points in the file as it was read: the setting's line, else the node's. */
    public Optional<dev.kumiki.model.yaml.Problem> where(Diagnostic d) {
        return findNode(d.node() == null ? "" : d.node()).flatMap(n -> (d.setting() == null ? Optional
                .<dev.kumiki.model.yaml.Problem>empty() : resource.where(n.getSettings(), d.setting()))
                .or(() -> resource.where(n, null)));
    }

    /** Called after each configure, on the thread that changed the pipeline. */
    public void addConfigureListener(Runnable listener) {
        configureListeners.add(listener);
    }

    /** How runs are made (cache folder, threads): the Studio's preferences; by default beside the pipeline. */
    public void setRunOptions(java.util.function.Function<Path, RunOptions> options) {
        this.runOptions = options;
    }

    /** The folder of the pipeline file: relative paths, .kumiki/runs and .kumiki/cache are there. */
    public Path baseDir() {
        return baseDir;
    }

    /** The node kinds known to this session. */
    public NodeKinds kinds() {
        return kinds;
    }

    private void send(ObjectNode event) {
        String text = event.toString();
        for (Consumer<String> l : listeners) {
            l.accept(text);
        }
    }

    private void changed() {
        synchronized (states) {
            states.clear(); // the last run's states describe a pipeline that is no more
        }
        configuration = engine.configure(pipeline, baseDir);
        configureListeners.forEach(Runnable::run);
        send(snapshot());
    }

    /** Saves the pipeline to its file and marks the command stack saved. */
    public void save() throws IOException {
        resource.save(null);
        stack.saveIsDone();
        send(snapshot());
    }

    // ---------------------------------------------------------------------------------------------- commands

    /** Handles one command (a JSON text) and returns the reply (a JSON text). */
    public synchronized String handle(String message) {
        ObjectNode reply = JSON.createObjectNode();
        try {
            JsonNode m = JSON.readTree(message);
            String type = m.path("type").asText();
            switch (type) {
                case "hello" -> {
                    send(palette());
                    send(snapshot());
                }
                case "addNode" -> reply.put("id", addNode(m.path("kind").asText(), m.path("x").asDouble(),
                        m.path("y").asDouble()));
                case "removeNodes" -> remove(strings(m.path("nodes")), m.path("connections"));
                case "moveNodes" -> move(m.path("moves"));
                case "connect" -> connect(m.path("from").asText(), m.path("fromPort").asText(), m.path("to").asText(),
                        m.path("toPort").asText());
                case "setSetting" -> setSetting(m.path("node").asText(), m.path("path").asText(),
                        m.path("value").asText());
                case "duplicate" -> reply.set("ids", JSON.valueToTree(duplicate(strings(m.path("nodes")))));
                case "undo" -> {
                    if (stack.canUndo()) {
                        stack.undo();
                    }
                }
                case "redo" -> {
                    if (stack.canRedo()) {
                        stack.redo();
                    }
                }
                case "save" -> save();
                case "run" -> run(m.hasNonNull("to") ? Optional.of(m.get("to").asText()) : Optional.empty());
                case "cancel" -> cancel();
                case "select" -> {
                    List<String> ids = strings(m.path("nodes"));
                    selectionListeners.forEach(l -> l.accept(ids));
                }
                default -> throw new Refused("unknown command '" + type + "'");
            }
            reply.put("ok", true);
        } catch (Refused e) {
            reply.put("ok", false);
            reply.put("message", e.getMessage());
        } catch (IOException | RuntimeException e) {
            reply.put("ok", false);
            reply.put("message", e.getMessage() == null ? e.toString() : e.getMessage());
        }
        return reply.toString();
    }

    /** A command the model does not accept, with the reason for users. */
    static final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message);
        }
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private void execute(String label, Runnable change) {
        Command c = new ChangeCommand(pipeline) {
            @Override
            protected void doExecute() {
                change.run();
            }
        };
        ((ChangeCommand) c).setLabel(label);
        stack.execute(c);
    }

    private Node node(String id) {
        return pipeline.getNodes().stream().filter(n -> n.getId().equals(id)).findFirst()
                .orElseThrow(() -> new Refused("there is no node '" + id + "'"));
    }

    private NodeKind<?> kindOf(Node n) {
        return kinds.of(n.getSettings().eClass()).orElseThrow(() -> new Refused("node '" + n.getId()
                + "' has an unknown kind"));
    }

    private String freshId(String kind) {
        Set<String> used = new HashSet<>();
        pipeline.getNodes().forEach(n -> used.add(n.getId()));
        String base = Character.toLowerCase(kind.charAt(0)) + kind.substring(1);
        for (int i = 1;; i++) {
            String id = base + i;
            if (!used.contains(id)) {
                return id;
            }
        }
    }

    String addNode(String kind, double x, double y) {
        NodeKind<?> k = kinds.get(kind).orElseThrow(() -> new Refused("there is no node kind '" + kind + "'"
                + Names.suggestion(kind, kinds.settingsClasses().keySet())));
        String id = freshId(kind);
        execute("Add " + kind, () -> {
            Node n = PipelineFactory.eINSTANCE.createNode();
            n.setId(id);
            n.setSettings((NodeSettings) EcoreUtil.create(k.settingsClass()));
            n.setX(Math.round(x));
            n.setY(Math.round(y));
            pipeline.getNodes().add(n);
        });
        return id;
    }

    void remove(List<String> ids, JsonNode connections) {
        List<Node> nodes = ids.stream().map(this::node).toList();
        List<Connection> gone = new ArrayList<>();
        for (Connection c : pipeline.getConnections()) {
            if (nodes.contains(c.getFrom()) || nodes.contains(c.getTo())) {
                gone.add(c);
            }
        }
        for (JsonNode c : connections) {
            pipeline.getConnections().stream().filter(x -> id(x).equals(c.asText())).findFirst().ifPresent(gone::add);
        }
        if (nodes.isEmpty() && gone.isEmpty()) {
            return;
        }
        execute(nodes.isEmpty() ? "Delete connection" : "Delete " + String.join(", ", ids), () -> {
            pipeline.getConnections().removeAll(gone);
            pipeline.getNodes().removeAll(nodes);
        });
    }

    void move(JsonNode moves) {
        if (moves.isEmpty()) {
            return;
        }
        execute(moves.size() == 1 ? "Move " + moves.get(0).path("id").asText() : "Move " + moves.size() + " nodes",
                () -> {
                    for (JsonNode m : moves) {
                        Node n = node(m.path("id").asText());
                        n.setX(Math.round(m.path("x").asDouble()));
                        n.setY(Math.round(m.path("y").asDouble()));
                    }
                });
    }

    void connect(String from, String fromPort, String to, String toPort) {
        Node a = node(from);
        Node b = node(to);
        Port out = kindOf(a).outputs().stream().filter(p -> p.name().equals(fromPort)).findFirst()
                .orElseThrow(() -> new Refused(a.getId() + " has no output '" + fromPort + "'"));
        Port in = kindOf(b).inputs().stream().filter(p -> p.name().equals(toPort)).findFirst()
                .orElseThrow(() -> new Refused(b.getId() + " has no input '" + toPort + "'"));
        if (!out.type().equals(in.type())) {
            throw new Refused("cannot connect " + from + "." + fromPort + " to " + to + "." + toPort + ": it gives "
                    + out.type().name() + " but " + toPort + " takes " + in.type().name());
        }
        if (a == b || reaches(b, a)) {
            throw new Refused("cannot connect " + from + "." + fromPort + " to " + to + "." + toPort
                    + ": it would make a cycle");
        }
        List<Connection> existing = pipeline.getConnections().stream()
                .filter(c -> c.getTo() == b && c.getToPort().equals(toPort)).toList();
        if (existing.stream().anyMatch(c -> c.getFrom() == a && c.getFromPort().equals(fromPort))) {
            throw new Refused(from + "." + fromPort + " is already connected to " + to + "." + toPort);
        }
        execute("Connect " + from + " to " + to, () -> {
            if (!in.multiple()) {
                pipeline.getConnections().removeAll(existing); // a single input takes the new connection
            }
            Connection c = PipelineFactory.eINSTANCE.createConnection();
            c.setFrom(a);
            c.setFromPort(fromPort);
            c.setTo(b);
            c.setToPort(toPort);
            pipeline.getConnections().add(c);
        });
    }

    /** Whether {@code target} is downstream of {@code start}. */
    private boolean reaches(Node start, Node target) {
        List<Node> todo = new ArrayList<>(List.of(start));
        Set<Node> seen = new HashSet<>();
        while (!todo.isEmpty()) {
            Node n = todo.remove(todo.size() - 1);
            if (n == target) {
                return true;
            }
            if (seen.add(n)) {
                pipeline.getConnections().stream().filter(c -> c.getFrom() == n).forEach(c -> todo.add(c.getTo()));
            }
        }
        return false;
    }

    void setSetting(String id, String path, String value) {
        Node n = node(id);
        String[] problem = new String[1];
        execute("Set " + id + "." + path, () -> kinds.yaml().set(n, path, value).ifPresent(p -> problem[0] = p));
        if (problem[0] != null) {
            stack.undo(); // nothing half-set stays behind
            throw new Refused(problem[0]);
        }
    }

    List<String> duplicate(List<String> ids) {
        List<Node> originals = ids.stream().map(this::node).toList();
        List<String> created = new ArrayList<>();
        execute("Paste " + ids.size() + " node" + (ids.size() == 1 ? "" : "s"), () -> {
            Map<Node, Node> copies = new LinkedHashMap<>();
            for (Node o : originals) {
                Node c = PipelineFactory.eINSTANCE.createNode();
                c.setId(freshId(o.getSettings().eClass().getName()));
                c.setComment(o.getComment());
                c.setSettings(EcoreUtil.copy(o.getSettings()));
                c.setX(o.getX() + 60);
                c.setY(o.getY() + 60);
                pipeline.getNodes().add(c);
                copies.put(o, c);
                created.add(c.getId());
            }
            for (Connection x : List.copyOf(pipeline.getConnections())) {
                if (copies.containsKey(x.getFrom()) && copies.containsKey(x.getTo())) {
                    Connection c = PipelineFactory.eINSTANCE.createConnection();
                    c.setFrom(copies.get(x.getFrom()));
                    c.setFromPort(x.getFromPort());
                    c.setTo(copies.get(x.getTo()));
                    c.setToPort(x.getToPort());
                    pipeline.getConnections().add(c);
                }
            }
        });
        return created;
    }

    // ---------------------------------------------------------------------------------------------- running

    /** Runs the pipeline (or only what {@code to} needs) on a thread of its own; events report the states. */
    public synchronized void run(Optional<String> to) {
        if (running != null) {
            throw new Refused("a run is in progress; cancel it first");
        }
        Configuration c = engine.configure(pipeline, baseDir);
        if (c.hasErrors()) {
            throw new Refused("the pipeline has " + c.errors().size() + " error" + (c.errors().size() == 1 ? "" : "s")
                    + "; the first: " + c.errors().get(0));
        }
        Pipeline part = to.map(id -> upstream(node(id))).orElse(pipeline);
        Configuration partConfig = part == pipeline ? c : engine.configure(part, baseDir);
        states.clear();
        RunListener events = new RunListener() {
            @Override
            public void nodeState(String node, NodeState state, String message) {
                synchronized (states) {
                    states.put(node, state);
                }
                ObjectNode e = JSON.createObjectNode().put("type", "nodeState").put("node", node)
                        .put("state", state.label());
                if (message != null) {
                    e.put("message", message);
                }
                send(e);
            }

            @Override
            public void nodeProgress(String node, double fraction, String message) {
                send(JSON.createObjectNode().put("type", "progress").put("node", node).put("fraction", fraction));
            }

            @Override
            public void log(String node, String line) {
                send(JSON.createObjectNode().put("type", "log").put("node", node).put("line", line));
            }
        };
        Execution execution = engine.execute(partConfig, runOptions.apply(baseDir), events);
        running = execution;
        Thread t = new Thread(() -> {
            Execution.Result r;
            try {
                r = execution.run();
            } finally {
                running = null;
            }
            ObjectNode done = JSON.createObjectNode().put("type", "runFinished")
                    .put("status", r.status().name().toLowerCase()).put("record", r.recordDir().toString())
                    .put("seconds", r.seconds());
            ObjectNode outputs = done.putObject("outputs");
            r.nodes().forEach((id, nr) -> outputs.set(id, JSON.valueToTree(nr.outputs())));
            lastRun = r;
            send(done);
            send(snapshot());
        }, "kumiki-canvas-run");
        t.setDaemon(true);
        t.start();
    }

    private volatile Execution.Result lastRun;

    /** The result of the last finished run, if any. */
    public Optional<Execution.Result> lastRun() {
        return Optional.ofNullable(lastRun);
    }

    public boolean isRunning() {
        return running != null;
    }

    public void cancel() {
        Execution e = running;
        if (e != null) {
            e.cancel();
        }
    }

    /** A copy of the pipeline with only {@code target} and what it depends on. */
    private Pipeline upstream(Node target) {
        Set<Node> keep = new HashSet<>();
        List<Node> todo = new ArrayList<>(List.of(target));
        while (!todo.isEmpty()) {
            Node n = todo.remove(todo.size() - 1);
            if (keep.add(n)) {
                pipeline.getConnections().stream().filter(c -> c.getTo() == n).forEach(c -> todo.add(c.getFrom()));
            }
        }
        Pipeline copy = EcoreUtil.copy(pipeline);
        copy.getConnections().removeIf(c -> keep.stream().noneMatch(k -> k.getId().equals(c.getTo().getId())));
        copy.getNodes().removeIf(n -> keep.stream().noneMatch(k -> k.getId().equals(n.getId())));
        return copy;
    }

    // ---------------------------------------------------------------------------------------------- events

    static String id(Connection c) {
        return c.getFrom().getId() + "." + c.getFromPort() + "->" + c.getTo().getId() + "." + c.getToPort();
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
    public ObjectNode palette() {
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

    /**
     * The fields a node's kind offers beyond its settings (a Merge's method parameters, from the merge library's
     * definitions), with the ids of the nodes connected to each input port.
     */
    public synchronized List<dev.kumiki.engine.ParameterField> fields(String id) {
        Optional<Node> n = findNode(id);
        if (n.isEmpty()) {
            return List.of();
        }
        Map<String, List<String>> connected = new java.util.LinkedHashMap<>();
        for (Connection c : pipeline.getConnections()) {
            if (c.getTo() == n.get()) {
                connected.computeIfAbsent(c.getToPort(), p -> new ArrayList<>()).add(c.getFrom().getId());
            }
        }
        return kinds.of(n.get().getSettings().eClass()).map(k -> fields(k, n.get().getSettings(), connected))
                .orElse(List.of());
    }

    @SuppressWarnings("unchecked")
    private static <S extends NodeSettings> List<dev.kumiki.engine.ParameterField> fields(NodeKind<S> kind,
            NodeSettings settings, Map<String, List<String>> connected) {
        return kind.parameterFields((S) settings, connected);
    }

    /** {@link #fields} for the snapshot: path, label, doc, kind, value, default, bounds. */
    private ArrayNode parameterFields(Node n) {
        ArrayNode list = JSON.createArrayNode();
        for (dev.kumiki.engine.ParameterField f : fields(n.getId())) {
            ObjectNode x = list.addObject().put("path", f.path()).put("label", f.label()).put("doc", f.doc())
                    .put("kind", f.kind().name().toLowerCase(java.util.Locale.ROOT)).put("value", f.value());
            f.defaultValue().ifPresent(d -> x.put("default", d));
            f.min().ifPresent(v -> x.put("min", v));
            f.max().ifPresent(v -> x.put("max", v));
        }
        return list;
    }

    /** The whole pipeline as the canvas shows it: nodes with ports, settings, diagnostics and states. */
    public synchronized ObjectNode snapshot() {
        ObjectNode s = JSON.createObjectNode().put("type", "snapshot");
        s.put("file", resource.getURI().lastSegment());
        s.put("dirty", stack.isSaveNeeded());
        s.put("canUndo", stack.canUndo());
        s.put("canRedo", stack.canRedo());
        s.put("undoLabel", stack.canUndo() ? stack.getUndoCommand().getLabel() : "");
        s.put("redoLabel", stack.canRedo() ? stack.getRedoCommand().getLabel() : "");
        s.put("running", running != null);
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
                error |= d.severity() == dev.kumiki.engine.Severity.ERROR;
            }
            NodeState state;
            synchronized (states) {
                state = states.get(n.getId());
            }
            o.put("state", state != null ? state.label() : error ? "error"
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
        for (int i = 0; i < pipeline.getNodes().size(); i++) {
            ((ObjectNode) nodes.get(i)).set("parameters", parameterFields(pipeline.getNodes().get(i)));
        }
        ArrayNode connections = s.putArray("connections");
        for (Connection c : pipeline.getConnections()) {
            connections.addObject().put("id", id(c)).put("from", c.getFrom().getId()).put("fromPort", c.getFromPort())
                    .put("to", c.getTo().getId()).put("toPort", c.getToPort());
        }
        ArrayNode general = s.putArray("diagnostics");
        configuration.diagnostics().stream().filter(d -> d.node() == null).forEach(d -> general.add(d.message()));
        return s;
    }
}
