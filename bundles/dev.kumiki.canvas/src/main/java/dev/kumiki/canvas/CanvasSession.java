package dev.kumiki.canvas;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;

import org.eclipse.emf.common.command.CommandStack;
import org.eclipse.emf.ecore.util.EcoreUtil;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.kumiki.engine.Configuration;
import dev.kumiki.engine.Diagnostic;
import dev.kumiki.engine.Engine;
import dev.kumiki.engine.Execution;
import dev.kumiki.engine.NodeKind;
import dev.kumiki.engine.NodeKinds;
import dev.kumiki.engine.RunOptions;
import dev.kumiki.model.pipeline.Connection;
import dev.kumiki.model.pipeline.Node;
import dev.kumiki.model.pipeline.NodeSettings;
import dev.kumiki.model.pipeline.Pipeline;
import dev.kumiki.model.yaml.PipelineResource;

/**
 * One pipeline being edited on a canvas. Java owns the model: the canvas sends commands as JSON messages
 * ({@link #handle}) and receives snapshots and run events as JSON ({@link #addListener}); Java code hears runs as
 * {@link RunEvent} objects ({@link #addRunListener}). Every edit is an EMF command on one {@link CommandStack}, so undo
 * and redo cover everything, in the Studio's Edit menu as on the canvas; a refused edit leaves nothing on it. After
 * each change the pipeline is configured again, so diagnostics stay live.
 *
 * <p>The protocol: commands {@code addNode, removeNodes, moveNodes, connect, setSetting, duplicate, undo, redo, save,
 * run, cancel, select, hello}; replies {@code {ok: true}} or {@code {ok: false, message}}, to every command, also one
 * that is malformed or fails; events {@code palette, snapshot, nodeState, progress, log, runFinished}.
 */
public final class CanvasSession {
    /** The commands the canvas may send. */
    static final Set<String> COMMANDS = Set.of("hello", "addNode", "removeNodes", "moveNodes", "connect",
            "setSetting", "duplicate", "undo", "redo", "save", "run", "cancel", "select");

    private final PipelineResource resource;
    private final Pipeline pipeline;
    private final NodeKinds kinds;
    private final Engine engine;
    private final Path baseDir;
    private final Editing editing;
    private final Runs runs;
    private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<RunEvent>> runListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<List<String>>> selectionListeners = new CopyOnWriteArrayList<>();
    private final List<Runnable> configureListeners = new CopyOnWriteArrayList<>();
    private volatile Configuration configuration;
    private volatile Function<Path, RunOptions> runOptions = RunOptions::defaults;

    public CanvasSession(PipelineResource resource, NodeKinds kinds) {
        this.resource = resource;
        this.pipeline = resource.pipeline().orElseThrow(() -> new IllegalArgumentException("no pipeline to edit"));
        this.kinds = kinds;
        this.engine = new Engine(kinds);
        Path file = Path.of(resource.getURI().toFileString()).toAbsolutePath();
        this.baseDir = file.getParent();
        this.editing = new Editing(pipeline, kinds);
        this.runs = new Runs(engine, this::runEvent);
        editing.stack().addCommandStackListener(e -> changed());
        configuration = engine.configure(pipeline, baseDir);
    }

    public CommandStack commandStack() {
        return editing.stack();
    }

    public Pipeline pipeline() {
        return pipeline;
    }

    public Configuration configuration() {
        return configuration;
    }

    public boolean isDirty() {
        return editing.stack().isSaveNeeded();
    }

    /** Receives every event for the canvas (palette, snapshots, run events) as a JSON text. */
    public void addListener(Consumer<String> listener) {
        listeners.add(listener);
    }

    public void removeListener(Consumer<String> listener) {
        listeners.remove(listener);
    }

    /** Receives the events of runs as objects, on the run's thread. */
    public void addRunListener(Consumer<RunEvent> listener) {
        runListeners.add(listener);
    }

    public void removeRunListener(Consumer<RunEvent> listener) {
        runListeners.remove(listener);
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
        try {
            return editing.checkSetting(id, path, value);
        } catch (Editing.Refused e) {
            return Optional.of(e.getMessage());
        }
    }

    /** Sets a setting as one undoable command; the problem (and nothing on the command stack), or empty. */
    public synchronized Optional<String> setSettingCommand(String id, String path, String value) {
        try {
            editing.setSetting(id, path, value);
            return Optional.empty();
        } catch (Editing.Refused e) {
            return Optional.of(e.getMessage());
        } catch (RuntimeException | StackOverflowError e) {
            return Optional.of("the value was not set: " + e.getMessage());
        }
    }

    /** The node with this id, if there is one. */
    public Optional<Node> findNode(String id) {
        return editing.find(id);
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
    public void setRunOptions(Function<Path, RunOptions> options) {
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

    private void runEvent(RunEvent event) {
        for (Consumer<RunEvent> l : runListeners) {
            l.accept(event);
        }
        send(Snapshots.json(event));
        if (event instanceof RunEvent.Finished) {
            send(snapshot()); // the states of the run, and "running" no more
        }
    }

    private void changed() {
        runs.clearStates(); // the last run's states describe a pipeline that is no more
        configuration = engine.configure(pipeline, baseDir);
        configureListeners.forEach(Runnable::run);
        send(snapshot());
    }

    /**
     * Saves the pipeline to its file and marks the command stack saved. The file is replaced only by a complete
     * text ({@link PipelineResource} writes a temporary file and renames it): when saving fails, the file on disk is
     * as it was.
     */
    public synchronized void save() throws IOException {
        resource.save(null);
        editing.stack().saveIsDone();
        send(snapshot());
    }

    // ---------------------------------------------------------------------------------------------- commands

    /**
     * The answer to one command: its HTTP status ({@code 200} for an answer of the session, a refusal included;
     * {@code 400} for a message that is not a command; {@code 500} when Kumiki failed) and the reply (a JSON text).
     */
    public record Reply(int status, String json) {
    }

    /** A message that is not a well-formed command. */
    private static final class Malformed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Malformed(String message) {
            super(message);
        }
    }

    /** Handles one command (a JSON text) and returns the reply (a JSON text); every command gets one. */
    public String handle(String message) {
        return answer(message).json();
    }

    /** Handles one command (a JSON text) and returns the answer; every command gets one, also when it fails. */
    public synchronized Reply answer(String message) {
        ObjectNode reply = Snapshots.JSON.createObjectNode();
        String type = "?";
        int status = 200;
        try {
            JsonNode m;
            try {
                m = Snapshots.JSON.readTree(message);
            } catch (JsonProcessingException e) {
                throw new Malformed("a command is a JSON object, e.g. {\"type\": \"undo\"}; this is not JSON: "
                        + e.getOriginalMessage());
            }
            if (m == null || !m.isObject()) {
                throw new Malformed("a command is a JSON object, e.g. {\"type\": \"undo\"}");
            }
            type = text(m, "type", "?");
            if (!COMMANDS.contains(type)) {
                throw new Malformed("unknown command '" + type + "'" + dev.kumiki.tensor.io.Names.suggestion(type,
                        COMMANDS) + "; the commands are " + String.join(", ", COMMANDS.stream().sorted().toList()));
            }
            execute(type, m, reply);
            reply.put("ok", true);
        } catch (Malformed e) {
            status = 400;
            reply.removeAll().put("ok", false).put("message", e.getMessage());
        } catch (Editing.Refused e) {
            reply.removeAll().put("ok", false).put("message", e.getMessage());
        } catch (IOException e) {
            reply.removeAll().put("ok", false).put("message", "could not save " + resource.getURI().lastSegment()
                    + ": " + e.getMessage());
        } catch (RuntimeException | StackOverflowError e) {
            status = 500;
            reply.removeAll().put("ok", false).put("message", "Kumiki failed on the command '" + type + "': " + e
                    + " (the pipeline is as it was before it; please report this)");
        }
        return new Reply(status, reply.toString());
    }

    private void execute(String type, JsonNode m, ObjectNode reply) throws IOException {
        switch (type) {
            case "hello" -> {
                send(palette());
                send(snapshot());
            }
            case "addNode" -> reply.put("id", editing.addNode(text(m, "kind", type), number(m, "x", type),
                    number(m, "y", type)));
            case "removeNodes" -> editing.remove(strings(m, "nodes", type), strings(m, "connections", type));
            case "moveNodes" -> editing.move(moves(m, type));
            case "connect" -> editing.connect(text(m, "from", type), text(m, "fromPort", type), text(m, "to", type),
                    text(m, "toPort", type));
            case "setSetting" -> editing.setSetting(text(m, "node", type), text(m, "path", type), value(m, type));
            case "duplicate" -> reply.set("ids", Snapshots.JSON.valueToTree(editing.duplicate(strings(m, "nodes",
                    type))));
            case "undo" -> editing.undo();
            case "redo" -> editing.redo();
            case "save" -> save();
            case "run" -> run(m.hasNonNull("to") ? Optional.of(text(m, "to", type)) : Optional.empty());
            case "cancel" -> cancel();
            case "select" -> {
                List<String> ids = strings(m, "nodes", type);
                selectionListeners.forEach(l -> l.accept(ids));
            }
            default -> throw new Malformed("unknown command '" + type + "'");
        }
    }

    private static String text(JsonNode m, String field, String command) {
        JsonNode v = m.get(field);
        if (v == null || !v.isTextual() || v.asText().isEmpty()) {
            throw new Malformed(field.equals("type") ? "a command has a \"type\", e.g. {\"type\": \"undo\"}"
                    : "command '" + command + "' needs \"" + field + "\", a text; found " + v);
        }
        return v.asText();
    }

    private static double number(JsonNode m, String field, String command) {
        JsonNode v = m.get(field);
        if (v == null || !v.isNumber() || !Double.isFinite(v.asDouble())) {
            throw new Malformed("command '" + command + "' needs \"" + field + "\", a number; found " + v);
        }
        return v.asDouble();
    }

    /** A setting's value: YAML text; a JSON number or true/false is taken as its text. */
    private static String value(JsonNode m, String command) {
        JsonNode v = m.get("value");
        if (v == null || !(v.isTextual() || v.isNumber() || v.isBoolean())) {
            throw new Malformed("command '" + command + "' needs \"value\", the setting's value as YAML text; found "
                    + v);
        }
        return v.asText();
    }

    /** A list of texts; a missing one is empty. */
    private static List<String> strings(JsonNode m, String field, String command) {
        JsonNode v = m.get(field);
        if (v == null || v.isNull()) {
            return List.of();
        }
        if (!v.isArray()) {
            throw new Malformed("command '" + command + "' needs \"" + field + "\", a list of texts; found " + v);
        }
        List<String> out = new ArrayList<>();
        for (JsonNode n : v) {
            if (!n.isTextual()) {
                throw new Malformed("command '" + command + "': \"" + field + "\" holds texts only; found " + n);
            }
            out.add(n.asText());
        }
        return out;
    }

    private static List<Editing.Move> moves(JsonNode m, String command) {
        JsonNode v = m.get("moves");
        if (v == null || !v.isArray()) {
            throw new Malformed("command '" + command + "' needs \"moves\", a list of {id, x, y}; found " + v);
        }
        List<Editing.Move> out = new ArrayList<>();
        for (JsonNode move : v) {
            if (!move.isObject()) {
                throw new Malformed("command '" + command + "': a move is {id, x, y}; found " + move);
            }
            out.add(new Editing.Move(text(move, "id", command), number(move, "x", command), number(move, "y",
                    command)));
        }
        return out;
    }

    // ---------------------------------------------------------------------------------------------- running

    /** Runs the pipeline (or only what {@code to} needs) on a thread of its own; events report the states. */
    public synchronized void run(Optional<String> to) {
        if (runs.isRunning()) {
            throw new Editing.Refused("a run is in progress; cancel it first");
        }
        Configuration c = engine.configure(pipeline, baseDir);
        if (c.hasErrors()) {
            throw new Editing.Refused("the pipeline has " + c.errors().size() + " error"
                    + (c.errors().size() == 1 ? "" : "s") + "; the first: " + c.errors().get(0));
        }
        Pipeline part = to.map(id -> upstream(editing.node(id))).orElse(pipeline);
        runs.start(part == pipeline ? c : engine.configure(part, baseDir), runOptions.apply(baseDir));
    }

    /** The result of the last finished run, if any. */
    public Optional<Execution.Result> lastRun() {
        return runs.lastRun();
    }

    public boolean isRunning() {
        return runs.isRunning();
    }

    public void cancel() {
        runs.cancel();
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

    /** The node kinds for the palette: name, category, documentation, ports. */
    public ObjectNode palette() {
        return Snapshots.palette(kinds);
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
        ArrayNode list = Snapshots.JSON.createArrayNode();
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
        ObjectNode s = Snapshots.snapshot(resource.getURI().lastSegment(), pipeline, kinds, editing.stack(),
                configuration, runs.isRunning(), runs::state);
        ArrayNode nodes = (ArrayNode) s.get("nodes");
        for (int i = 0; i < pipeline.getNodes().size(); i++) {
            ((ObjectNode) nodes.get(i)).set("parameters", parameterFields(pipeline.getNodes().get(i)));
        }
        return s;
    }
}
