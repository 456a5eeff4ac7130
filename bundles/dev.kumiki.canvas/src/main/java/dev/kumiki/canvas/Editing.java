package dev.kumiki.canvas;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.eclipse.emf.common.command.BasicCommandStack;
import org.eclipse.emf.common.command.Command;
import org.eclipse.emf.ecore.util.EcoreUtil;
import org.eclipse.emf.edit.command.ChangeCommand;

import dev.kumiki.engine.NodeKind;
import dev.kumiki.engine.NodeKinds;
import dev.kumiki.engine.Port;
import dev.kumiki.model.pipeline.Connection;
import dev.kumiki.model.pipeline.Node;
import dev.kumiki.model.pipeline.NodeSettings;
import dev.kumiki.model.pipeline.Pipeline;
import dev.kumiki.model.pipeline.PipelineFactory;
import dev.kumiki.tensor.io.Names;

/**
 * The edits of one pipeline, each an EMF {@link ChangeCommand} on one command stack. Every reason to refuse an edit
 * is checked before its command executes, so a refused edit leaves nothing on the stack (no Undo, no Redo entry); an
 * edit that fails halfway all the same is undone and dropped from the stack.
 */
final class Editing {
    /** An edit the model does not accept, with the reason for users. */
    static final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message);
        }
    }

    /** A node's new place. */
    record Move(String id, double x, double y) {
    }

    /** The command stack, which can drop the command it just executed when that failed. */
    static final class Stack extends BasicCommandStack {
        /** Undoes {@code c} and removes it, when it is the last command executed: as if it never happened. */
        void discard(Command c) {
            if (top < 0 || commandList.get(top) != c) {
                return;
            }
            c.undo();
            commandList.remove(top);
            top--;
            mostRecentCommand = null;
            c.dispose();
            notifyListeners();
        }

        private Exception failed;

        @Override
        protected void handleError(Exception exception) {
            failed = exception; // reported by Editing.execute, not logged here
        }
    }

    private final Pipeline pipeline;
    private final NodeKinds kinds;
    private final Stack stack = new Stack();

    Editing(Pipeline pipeline, NodeKinds kinds) {
        this.pipeline = pipeline;
        this.kinds = kinds;
    }

    Stack stack() {
        return stack;
    }

    /** Runs {@code change} as one undoable command; when it fails, nothing of it stays, and the failure is thrown. */
    private void execute(String label, Runnable change) {
        Throwable[] failure = new Throwable[1];
        ChangeCommand c = new ChangeCommand(pipeline) {
            @Override
            protected void doExecute() {
                try {
                    change.run();
                } catch (RuntimeException | StackOverflowError e) {
                    failure[0] = e; // the recording ends normally, so the partial change can be undone
                }
            }
        };
        c.setLabel(label);
        stack.failed = null;
        stack.execute(c);
        if (failure[0] == null && stack.failed != null) {
            failure[0] = stack.failed; // the command could not even record its changes; the stack dropped it
        }
        if (failure[0] != null) {
            stack.discard(c);
            if (failure[0] instanceof Refused r) {
                throw r;
            }
            throw new IllegalStateException("'" + label + "' failed and was undone: " + failure[0], failure[0]);
        }
    }

    void undo() {
        if (stack.canUndo()) {
            stack.undo();
        }
    }

    void redo() {
        if (stack.canRedo()) {
            stack.redo();
        }
    }

    Node node(String id) {
        return find(id).orElseThrow(() -> new Refused("there is no node '" + id + "'"
                + Names.suggestion(id, pipeline.getNodes().stream().map(Node::getId).toList())));
    }

    Optional<Node> find(String id) {
        return pipeline.getNodes().stream().filter(n -> n.getId().equals(id)).findFirst();
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

    void remove(List<String> ids, List<String> connections) {
        List<Node> nodes = ids.stream().map(this::node).toList();
        List<Connection> gone = new ArrayList<>();
        for (Connection c : pipeline.getConnections()) {
            if (nodes.contains(c.getFrom()) || nodes.contains(c.getTo()) || connections.contains(id(c))) {
                gone.add(c);
            }
        }
        if (nodes.isEmpty() && gone.isEmpty()) {
            return;
        }
        execute(nodes.isEmpty() ? "Delete connection" : "Delete " + String.join(", ", ids), () -> {
            pipeline.getConnections().removeAll(gone);
            pipeline.getNodes().removeAll(nodes);
        });
    }

    void move(List<Move> moves) {
        if (moves.isEmpty()) {
            return;
        }
        Map<Node, Move> where = new LinkedHashMap<>();
        moves.forEach(m -> where.put(node(m.id()), m)); // every node found before anything moves
        execute(moves.size() == 1 ? "Move " + moves.get(0).id() : "Move " + moves.size() + " nodes", () -> where
                .forEach((n, m) -> {
                    n.setX(Math.round(m.x()));
                    n.setY(Math.round(m.y()));
                }));
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

    /**
     * Whether {@code value} would be taken for setting {@code path} of node {@code id}, tried on a copy of the node:
     * the problem, or empty. A value that breaks the reader (it fails or recurses) is a problem too.
     */
    Optional<String> checkSetting(String id, String path, String value) {
        Node copy = EcoreUtil.copy(node(id));
        try {
            return kinds.yaml().set(copy, path, value);
        } catch (RuntimeException | StackOverflowError e) {
            return Optional.of("'" + value + "' cannot be taken for " + id + "." + path + ": " + e);
        }
    }

    /** Sets a setting as one command, once the same value was taken by a copy of the node. */
    void setSetting(String id, String path, String value) {
        Optional<String> problem = checkSetting(id, path, value);
        if (problem.isPresent()) {
            throw new Refused(problem.get()); // before any command: nothing to undo, nothing to redo
        }
        Node n = node(id);
        execute("Set " + id + "." + path, () -> kinds.yaml().set(n, path, value).ifPresent(p -> {
            throw new Refused(p); // the copy took it, so this does not happen; if it did, the command is dropped
        }));
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

    /** A connection's id on the canvas: {@code from.port->to.port}. */
    static String id(Connection c) {
        return c.getFrom().getId() + "." + c.getFromPort() + "->" + c.getTo().getId() + "." + c.getToPort();
    }
}
