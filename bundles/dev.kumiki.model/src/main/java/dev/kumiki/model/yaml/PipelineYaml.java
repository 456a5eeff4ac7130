package dev.kumiki.model.yaml;

import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.eclipse.emf.common.util.EList;
import org.eclipse.emf.ecore.EAttribute;
import org.eclipse.emf.ecore.EClass;
import org.eclipse.emf.ecore.EDataType;
import org.eclipse.emf.ecore.EEnum;
import org.eclipse.emf.ecore.EEnumLiteral;
import org.eclipse.emf.ecore.EObject;
import org.eclipse.emf.ecore.EReference;
import org.eclipse.emf.ecore.EStructuralFeature;
import org.eclipse.emf.ecore.util.EcoreUtil;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

import dev.kumiki.model.Settings;
import dev.kumiki.model.pipeline.Connection;
import dev.kumiki.model.pipeline.NodeSettings;
import dev.kumiki.model.pipeline.Parameter;
import dev.kumiki.model.pipeline.Pipeline;
import dev.kumiki.model.pipeline.PipelineFactory;
import dev.kumiki.tensor.io.Names;
import dev.kumiki.tensor.io.YamlInput;

/**
 * Pipeline files ({@code *.kumiki}): YAML a person reads, edits and diffs. The layout is
 *
 * <pre>
 * kumiki: 1                      # format version
 * description: SLERP of two small models
 * parameters:                    # optional: values a run may change, and the settings they set
 *   t: {value: 0.5, binds: [merge.parameters.t]}
 * nodes:                         # in order; each key is the node's id
 *   chat: {kind: LoadModel, path: models/chat}
 *   merge:
 *     kind: Merge
 *     method: slerp
 *     parameters: {t: [0, 0.5, 1]}
 * connections:                   # output port -> input port
 *   - chat.model -> merge.models
 * layout:                        # canvas positions, apart so a setting change stays a one-line diff
 *   chat: [0, 0]
 * </pre>
 *
 * Settings are written by name ({@code shard_size} for {@code shardSize}), only when they differ from their default;
 * a list of objects with an ID attribute is a mapping keyed by it; strings marked {@code yaml=true} hold YAML values
 * and are written as YAML. Every problem found while reading names its line and column.
 */
public final class PipelineYaml {
    /** The format version this Kumiki writes. */
    public static final int FORMAT_VERSION = 1;

    private static final Pattern CONNECTION = Pattern.compile(
            "\\s*([A-Za-z0-9_-]+)\\.([A-Za-z0-9_]+)\\s*->\\s*([A-Za-z0-9_-]+)\\.([A-Za-z0-9_]+)\\s*");
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]+");
    private static final List<String> TOP = List.of("kumiki", "description", "parameters", "nodes", "connections",
            "layout");

    private final Map<String, EClass> kinds;
    private final List<Migration> migrations;

    /** The result of reading a file: the pipeline (as far as it could be read), problems, and where things are. */
    public static final class Result {
        private final Pipeline pipeline;
        private final List<Problem> errors;
        private final List<Problem> warnings;
        private final Map<EObject, Map<String, Problem>> places;

        Result(Pipeline pipeline, List<Problem> errors, List<Problem> warnings, Map<EObject, Map<String, Problem>> places) {
            this.pipeline = pipeline;
            this.errors = List.copyOf(errors);
            this.warnings = List.copyOf(warnings);
            this.places = places;
        }

        public Pipeline pipeline() {
            return pipeline;
        }

        public List<Problem> errors() {
            return errors;
        }

        public List<Problem> warnings() {
            return warnings;
        }

        /**
         * Where {@code object} (a node, its settings, a connection) or one of its settings ({@code setting}, its
         * file name; null for the object itself) is written, as a location without a message.
         */
        public Optional<Problem> where(EObject object, String setting) {
            Map<String, Problem> p = places.get(object);
            if (p == null) {
                return Optional.empty();
            }
            if (setting != null && setting.contains(".") && !p.containsKey(setting)) {
                Optional<Problem> inner = within(object, setting.split("\\."));
                if (inner.isPresent()) {
                    return inner;
                }
            }
            return Optional.ofNullable(p.get(setting == null ? "" : setting)).or(() -> Optional.ofNullable(p.get("")));
        }

        /**
         * A setting path through keyed lists ({@code models.chat.weight}, {@code parameters.t}): the deepest part
         * written in the file.
         */
        private Optional<Problem> within(EObject object, String[] path) {
            Optional<EStructuralFeature> f = Settings.feature(object.eClass(), path[0]);
            Map<String, Problem> p = places.getOrDefault(object, Map.of());
            Optional<Problem> here = Optional.ofNullable(p.get(path[0])).or(() -> Optional.ofNullable(p.get("")));
            if (path.length < 2 || f.isEmpty() || !(f.get() instanceof EReference r) || !r.isMany()) {
                return here;
            }
            Optional<EAttribute> key = Settings.key(r.getEReferenceType());
            if (key.isEmpty()) {
                return here;
            }
            for (Object child : (List<?>) object.eGet(r)) {
                EObject c = (EObject) child;
                if (path[1].equals(String.valueOf(c.eGet(key.get())))) {
                    if (path.length == 2) {
                        return Optional.ofNullable(places.getOrDefault(c, Map.of()).get("")).or(() -> here);
                    }
                    List<EStructuralFeature> rest = rest(c.eClass(), key.get());
                    String[] tail = java.util.Arrays.copyOfRange(path, 2, path.length);
                    if (rest.size() == 1 && Settings.feature(c.eClass(), tail[0]).isEmpty()) {
                        // written inline ({chat: {weight: 1}}): the next part names an entry of the only list
                        String[] inline = new String[tail.length + 1];
                        inline[0] = Settings.yamlName(rest.get(0));
                        System.arraycopy(tail, 0, inline, 1, tail.length);
                        tail = inline;
                    }
                    return within(c, tail).or(() -> here);
                }
            }
            return here;
        }
    }

    /**
     * @param kinds      the node kinds known here, by name (the EClass of their settings)
     * @param migrations rewrites of older format versions, in any order
     */
    public PipelineYaml(Map<String, EClass> kinds, Collection<Migration> migrations) {
        this.kinds = Map.copyOf(kinds);
        this.migrations = List.copyOf(migrations);
    }

    public PipelineYaml(Map<String, EClass> kinds) {
        this(kinds, List.of());
    }

    // ---------------------------------------------------------------------------------------------- reading

    /** Reads {@code text}; {@code file} names it in problems. Never throws for bad input: see the result's errors. */
    public Result read(String text, String file) {
        return new Reader(file).read(text);
    }

    private final class Reader {
        final String file;
        final List<Problem> errors = new ArrayList<>();
        final List<Problem> warnings = new ArrayList<>();
        final Map<EObject, Map<String, Problem>> places = new IdentityHashMap<>();
        /** Nodes written in the file that could not be read (their problems are reported once, at the node). */
        final java.util.Set<String> unread = new java.util.HashSet<>();

        Reader(String file) {
            this.file = file;
        }

        Problem at(Node n, String message) {
            Mark m = n.getStartMark();
            return m == null ? new Problem(file, 0, 0, message)
                    : new Problem(file, m.getLine() + 1, m.getColumn() + 1, message);
        }

        void error(Node n, String message) {
            errors.add(at(n, message));
        }

        void place(EObject object, String setting, Node n) {
            places.computeIfAbsent(object, o -> new HashMap<>()).put(setting, at(n, ""));
        }

        Result read(String text) {
            Pipeline pipeline = PipelineFactory.eINSTANCE.createPipeline();
            Node root;
            try {
                root = YamlInput.compose(text, (path, key) -> path.equals(List.of("nodes")) ? "node id '" + key + "'"
                        : YamlInput.KeyNamer.KEYS.name(path, key));
            } catch (YamlInput.Refused e) {
                errors.add(new Problem(file, e.line(), e.column(), e.getMessage()));
                return result(pipeline);
            }
            if (!(root instanceof MappingNode top)) {
                errors.add(new Problem(file, 0, 0, "a pipeline file is a YAML mapping starting with 'kumiki: "
                        + FORMAT_VERSION + "'; this file " + (root == null ? "is empty" : "is not a mapping")));
                return result(pipeline);
            }
            if (!migrate(top)) {
                return result(pipeline);
            }
            Map<String, Node> m = mapping(top, TOP, "a pipeline file");
            m.remove("kumiki");
            scalar(m.get("description"), "description").ifPresent(pipeline::setDescription);
            if (m.get("parameters") instanceof Node p) {
                parameters(pipeline, p);
            }
            Map<String, dev.kumiki.model.pipeline.Node> byId = new LinkedHashMap<>();
            if (m.get("nodes") instanceof Node n) {
                nodes(pipeline, n, byId);
            }
            if (m.get("connections") instanceof Node c) {
                connections(pipeline, c, byId);
            }
            if (m.get("layout") instanceof Node l) {
                layout(l, byId);
            }
            return result(pipeline);
        }

        Result result(Pipeline pipeline) {
            return new Result(pipeline, errors, warnings, places);
        }

        boolean migrate(MappingNode top) {
            Node version = null;
            for (NodeTuple t : top.getValue()) {
                if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals("kumiki")) {
                    version = t.getValueNode();
                }
            }
            if (version == null) {
                errors.add(at(top, "not a Kumiki pipeline: the first line should be 'kumiki: " + FORMAT_VERSION
                        + "' (the file format version)"));
                return false;
            }
            int v;
            try {
                v = Integer.parseInt(((ScalarNode) version).getValue());
            } catch (RuntimeException e) {
                error(version, "'kumiki' is the file format version, a whole number such as " + FORMAT_VERSION);
                return false;
            }
            if (v > FORMAT_VERSION) {
                error(version, "this pipeline was written by a newer Kumiki (format " + v + "; this Kumiki reads up "
                        + "to " + FORMAT_VERSION + "); update Kumiki to open it");
                return false;
            }
            while (v < FORMAT_VERSION) {
                final int from = v;
                Optional<Migration> step = migrations.stream().filter(x -> x.from() == from).findFirst();
                if (step.isEmpty()) {
                    error(version, "format " + v + " is not one this Kumiki can read (it reads " + FORMAT_VERSION
                            + ")");
                    return false;
                }
                step.get().migrate(top);
                v++;
            }
            return true;
        }

        /** The entries of a mapping whose keys are plain names, reporting keys that are not among {@code known}. */
        Map<String, Node> mapping(Node node, List<String> known, String context) {
            Map<String, Node> map = new LinkedHashMap<>();
            if (!(node instanceof MappingNode mapping)) {
                error(node, context + " must be a mapping of names to values");
                return map;
            }
            for (NodeTuple t : mapping.getValue()) {
                if (!(t.getKeyNode() instanceof ScalarNode key)) {
                    error(t.getKeyNode(), "keys of " + context + " must be plain names");
                    continue;
                }
                if (known != null && !known.contains(key.getValue())) {
                    error(key, "unknown key '" + key.getValue() + "' in " + context
                            + Names.suggestion(key.getValue(), known) + "; known keys: " + String.join(", ", known));
                    continue;
                }
                map.put(key.getValue(), t.getValueNode());
            }
            return map;
        }

        Optional<String> scalar(Node node, String what) {
            if (node == null) {
                return Optional.empty();
            }
            if (node instanceof ScalarNode s) {
                return s.getTag().equals(Tag.NULL) ? Optional.empty() : Optional.of(s.getValue());
            }
            error(node, what + " must be a single value, not a " + (node instanceof SequenceNode ? "list" : "mapping"));
            return Optional.empty();
        }

        void parameters(Pipeline pipeline, Node node) {
            for (Map.Entry<String, Node> e : mapping(node, null, "parameters").entrySet()) {
                Parameter p = PipelineFactory.eINSTANCE.createParameter();
                p.setName(e.getKey());
                place(p, "", e.getValue());
                Map<String, Node> body = mapping(e.getValue(), List.of("value", "description", "binds"),
                        "parameter '" + e.getKey() + "'");
                if (body.get("value") instanceof Node v) {
                    p.setValue(yamlText(v));
                }
                scalar(body.get("description"), "description").ifPresent(p::setDescription);
                if (body.get("binds") instanceof SequenceNode binds) {
                    for (Node b : binds.getValue()) {
                        scalar(b, "a bound setting").ifPresent(p.getBinds()::add);
                    }
                } else if (body.get("binds") != null) {
                    scalar(body.get("binds"), "binds").ifPresent(p.getBinds()::add);
                }
                pipeline.getParameters().add(p);
            }
        }

        void nodes(Pipeline pipeline, Node node, Map<String, dev.kumiki.model.pipeline.Node> byId) {
            for (Map.Entry<String, Node> e : mapping(node, null, "nodes").entrySet()) {
                String id = e.getKey();
                unread.add(id);
                if (!ID.matcher(id).matches()) {
                    error(e.getValue(), "node id '" + id + "' may only use letters, digits, '_' and '-'");
                    continue;
                }
                if (!(e.getValue() instanceof MappingNode body)) {
                    error(e.getValue(), "node '" + id + "' must be a mapping with its kind and settings");
                    continue;
                }
                Node kindNode = null;
                for (NodeTuple t : body.getValue()) {
                    if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals("kind")) {
                        kindNode = t.getValueNode();
                    }
                }
                if (kindNode == null) {
                    error(keyNode(node, id), "node '" + id + "' has no kind; add e.g. 'kind: LoadModel' (known kinds: "
                            + String.join(", ", kinds.keySet().stream().sorted().toList()) + ")");
                    continue;
                }
                String kind = scalar(kindNode, "kind").orElse("");
                EClass type = kinds.get(kind);
                if (type == null) {
                    error(kindNode, "node '" + id + "': unknown node kind '" + kind + "'"
                            + Names.suggestion(kind, kinds.keySet()) + "; known kinds: "
                            + String.join(", ", kinds.keySet().stream().sorted().toList()));
                    continue;
                }
                dev.kumiki.model.pipeline.Node n = PipelineFactory.eINSTANCE.createNode();
                n.setId(id);
                NodeSettings settings = (NodeSettings) EcoreUtil.create(type);
                n.setSettings(settings);
                place(n, "", keyNode(node, id));
                place(settings, "", body);
                List<String> known = new ArrayList<>(List.of("kind", "comment"));
                type.getEAllStructuralFeatures().forEach(f -> known.add(Settings.yamlName(f)));
                for (Map.Entry<String, Node> s : mapping(body, null, "node '" + id + "'").entrySet()) {
                    switch (s.getKey()) {
                        case "kind" -> { }
                        case "comment" -> scalar(s.getValue(), "comment").ifPresent(n::setComment);
                        default -> {
                            Optional<EStructuralFeature> f = Settings.feature(type, s.getKey());
                            if (f.isEmpty()) {
                                error(keyNode(body, s.getKey()), "node '" + id + "' (" + kind + "): unknown setting '"
                                        + s.getKey() + "'" + Names.suggestion(s.getKey(), known.subList(2, known.size()))
                                        + "; " + kind + " has " + String.join(", ", known.subList(2, known.size())));
                            } else {
                                place(settings, s.getKey(), s.getValue());
                                set(settings, f.get(), s.getValue(), "node '" + id + "': setting '" + s.getKey() + "'");
                            }
                        }
                    }
                }
                byId.put(id, n);
                unread.remove(id);
                pipeline.getNodes().add(n);
            }
        }

        Node keyNode(Node mapping, String key) {
            if (mapping instanceof MappingNode m) {
                for (NodeTuple t : m.getValue()) {
                    if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals(key)) {
                        return k;
                    }
                }
            }
            return mapping;
        }

        /** Sets {@code feature} of {@code object} from {@code node}, reporting values of the wrong type. */
        void set(EObject object, EStructuralFeature feature, Node node, String what) {
            if (feature instanceof EAttribute a) {
                if (a.isMany()) {
                    if (!(node instanceof SequenceNode seq)) {
                        error(node, what + " must be a list, e.g. [0, 4]");
                        return;
                    }
                    @SuppressWarnings("unchecked")
                    EList<Object> values = (EList<Object>) object.eGet(a);
                    for (Node item : seq.getValue()) {
                        value(a, item, what).ifPresent(values::add);
                    }
                } else {
                    value(a, node, what).ifPresent(v -> object.eSet(a, v));
                }
                return;
            }
            EReference r = (EReference) feature;
            if (!r.isContainment()) {
                error(node, what + " cannot be written in a file");
                return;
            }
            EClass type = r.getEReferenceType();
            if (!r.isMany()) {
                EObject child = EcoreUtil.create(type);
                object.eSet(r, child);
                body(child, type, node, what);
                return;
            }
            @SuppressWarnings("unchecked")
            EList<EObject> list = (EList<EObject>) object.eGet(r);
            Optional<EAttribute> key = Settings.key(type);
            if (key.isPresent()) {
                for (Map.Entry<String, Node> e : mapping(node, null, what).entrySet()) {
                    EObject child = EcoreUtil.create(type);
                    child.eSet(key.get(), EcoreUtil.createFromString(key.get().getEAttributeType(), e.getKey()));
                    list.add(child);
                    place(child, "", e.getValue());
                    List<EStructuralFeature> rest = rest(type, key.get());
                    if (rest.size() == 1) {
                        set(child, rest.get(0), e.getValue(), what + " '" + e.getKey() + "'");
                    } else {
                        body(child, type, e.getValue(), what + " '" + e.getKey() + "'");
                    }
                }
                return;
            }
            if (!(node instanceof SequenceNode seq)) {
                error(node, what + " must be a list");
                return;
            }
            for (Node item : seq.getValue()) {
                EObject child = EcoreUtil.create(type);
                list.add(child);
                place(child, "", item);
                body(child, type, item, what);
            }
        }

        void body(EObject object, EClass type, Node node, String what) {
            List<String> known = type.getEAllStructuralFeatures().stream().map(Settings::yamlName).toList();
            for (Map.Entry<String, Node> e : mapping(node, known, what).entrySet()) {
                place(object, e.getKey(), e.getValue());
                set(object, Settings.feature(type, e.getKey()).orElseThrow(), e.getValue(), what + ": '" + e.getKey()
                        + "'");
            }
        }

        Optional<Object> value(EAttribute a, Node node, String what) {
            if (Settings.isYamlValued(a)) {
                String yaml = yamlText(node);
                if (a.getEAttributeType().getInstanceClass() == String.class) {
                    return Optional.of(yaml);
                }
                // a typed value (a merge parameter): the type reads its YAML (its static valueOf(String))
                try {
                    return Optional.of(EcoreUtil.createFromString(a.getEAttributeType(), yaml));
                } catch (RuntimeException e) {
                    Throwable cause = e;
                    while (cause.getCause() != null) {
                        cause = cause.getCause();
                    }
                    error(node, what + ": " + cause.getMessage());
                    return Optional.empty();
                }
            }
            Optional<String> text = scalar(node, what);
            if (text.isEmpty()) {
                return Optional.empty();
            }
            EDataType type = a.getEAttributeType();
            if (type instanceof EEnum e) {
                EEnumLiteral literal = e.getEEnumLiteral(text.get());
                if (literal == null) {
                    // the spelling the command line and the docs use (cma-es, per-layer) is the literal
                    literal = e.getEEnumLiteralByLiteral(text.get());
                }
                if (literal == null) {
                    List<String> names = e.getELiterals().stream().map(EEnumLiteral::getName).toList();
                    error(node, what + ": '" + text.get() + "' is not one of " + String.join(", ", names)
                            + Names.suggestion(text.get(), names));
                    return Optional.empty();
                }
                return Optional.of(literal.getInstance());
            }
            Class<?> c = type.getInstanceClass();
            try {
                if (c == int.class || c == Integer.class) {
                    return Optional.of(Integer.valueOf(text.get()));
                }
                if (c == long.class || c == Long.class) {
                    return Optional.of(Long.valueOf(text.get()));
                }
                if (c == double.class || c == Double.class) {
                    return Optional.of(Double.valueOf(text.get()));
                }
                if (c == boolean.class || c == Boolean.class) {
                    if (!text.get().equals("true") && !text.get().equals("false")) {
                        throw new NumberFormatException();
                    }
                    return Optional.of(Boolean.valueOf(text.get()));
                }
                return Optional.of(EcoreUtil.createFromString(type, text.get()));
            } catch (RuntimeException e) {
                String expected = c == int.class || c == Integer.class || c == long.class || c == Long.class
                        ? "a whole number" : c == double.class || c == Double.class ? "a number"
                                : c == boolean.class || c == Boolean.class ? "true or false" : "a " + type.getName();
                error(node, what + " must be " + expected + ", found '" + text.get() + "'");
                return Optional.empty();
            }
        }

        void connections(Pipeline pipeline, Node node, Map<String, dev.kumiki.model.pipeline.Node> byId) {
            if (!(node instanceof SequenceNode seq)) {
                error(node, "connections must be a list of 'node.port -> node.port' lines");
                return;
            }
            for (Node item : seq.getValue()) {
                Optional<String> line = scalar(item, "a connection");
                if (line.isEmpty()) {
                    continue;
                }
                Matcher m = CONNECTION.matcher(line.get());
                if (!m.matches()) {
                    error(item, "a connection is written 'node.port -> node.port' (e.g. 'chat.model -> merge.models'),"
                            + " found '" + line.get() + "'");
                    continue;
                }
                dev.kumiki.model.pipeline.Node from = byId.get(m.group(1));
                dev.kumiki.model.pipeline.Node to = byId.get(m.group(3));
                if (from == null || to == null) {
                    String missing = from == null ? m.group(1) : m.group(3);
                    if (unread.contains(missing)) {
                        continue;
                    }
                    error(item, "connection '" + line.get().trim() + "': there is no node '" + missing + "'"
                            + Names.suggestion(missing, byId.keySet()));
                    continue;
                }
                Connection c = PipelineFactory.eINSTANCE.createConnection();
                c.setFrom(from);
                c.setFromPort(m.group(2));
                c.setTo(to);
                c.setToPort(m.group(4));
                place(c, "", item);
                pipeline.getConnections().add(c);
            }
        }

        void layout(Node node, Map<String, dev.kumiki.model.pipeline.Node> byId) {
            for (Map.Entry<String, Node> e : mapping(node, null, "layout").entrySet()) {
                dev.kumiki.model.pipeline.Node n = byId.get(e.getKey());
                if (n == null) {
                    warnings.add(at(e.getValue(), "layout names no node '" + e.getKey() + "'; the position is "
                            + "dropped when the file is saved"));
                    continue;
                }
                if (e.getValue() instanceof SequenceNode xy && xy.getValue().size() == 2
                        && xy.getValue().get(0) instanceof ScalarNode x && xy.getValue().get(1) instanceof ScalarNode y) {
                    try {
                        n.setX(Double.parseDouble(x.getValue()));
                        n.setY(Double.parseDouble(y.getValue()));
                        continue;
                    } catch (NumberFormatException ignored) {
                        // reported below
                    }
                }
                error(e.getValue(), "the position of node '" + e.getKey() + "' is written [x, y], e.g. [120, 40]");
            }
        }
    }

    /** The features of {@code type} other than its key, in order. */
    private static List<EStructuralFeature> rest(EClass type, EAttribute key) {
        return type.getEAllStructuralFeatures().stream().filter(f -> f != key && !f.isDerived() && !f.isTransient())
                .toList();
    }

    /** A YAML value as one line of flow YAML: {@code 0.5}, {@code [0, 0.5, 1]}, {@code [{filter: mlp, value: 1}]}. */
    static String yamlText(Node node) {
        if (node instanceof ScalarNode s && !s.getTag().equals(Tag.STR)) {
            return s.getValue();
        }
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.FLOW);
        options.setWidth(Integer.MAX_VALUE);
        StringWriter out = new StringWriter();
        new Yaml(options).serialize(flow(node), out);
        return out.toString().trim();
    }

    private static Node flow(Node node) {
        if (node instanceof SequenceNode s) {
            return new SequenceNode(s.getTag(), s.getValue().stream().map(PipelineYaml::flow).toList(),
                    DumperOptions.FlowStyle.FLOW);
        }
        if (node instanceof MappingNode m) {
            return new MappingNode(m.getTag(), m.getValue().stream()
                    .map(t -> new NodeTuple(t.getKeyNode(), flow(t.getValueNode()))).toList(), DumperOptions.FlowStyle.FLOW);
        }
        return node;
    }

    // ---------------------------------------------------------------------------------------------- settings

    /**
     * Sets one setting of {@code node} from the command line or a pipeline parameter: {@code path} is a setting's
     * file name ({@code shard_size}), or goes through keyed lists ({@code parameters.t}, {@code models.chat.weight});
     * {@code value} is YAML ({@code 0.5}, {@code [0, 1]}, {@code bfloat16}).
     *
     * @return the problem, if the path or the value is wrong
     */
    public Optional<String> set(dev.kumiki.model.pipeline.Node node, String path, String value) {
        Node yaml;
        try {
            yaml = YamlInput.compose(value.isEmpty() ? "''" : value, null);
        } catch (YamlInput.Refused e) {
            return Optional.of("'" + value + "' is not a YAML value: " + e.getMessage());
        }
        if (yaml == null) {
            return Optional.of("'" + value + "' is not a YAML value");
        }
        Reader reader = new Reader("--set");
        String[] segments = path.split("\\.");
        EObject object = node.getSettings();
        String what = "node '" + node.getId() + "'";
        for (int i = 0; i < segments.length; i++) {
            EClass type = object.eClass();
            Optional<EStructuralFeature> f = Settings.feature(type, segments[i]);
            Optional<EAttribute> ownKey = Settings.key(type);
            List<EStructuralFeature> own = ownKey.map(k -> rest(type, k)).orElse(List.of());
            if (f.isEmpty() && own.size() == 1 && own.get(0) instanceof EReference inline && inline.isMany()
                    && Settings.key(inline.getEReferenceType()).isPresent()) {
                // written inline in files ({chat: {weight: 1}}), so named inline here too (models.chat.weight)
                f = Optional.of(inline);
                i--;
            }
            if (f.isEmpty()) {
                List<String> names = type.getEAllStructuralFeatures().stream().map(Settings::yamlName).toList();
                return Optional.of(what + " (" + type.getName() + ") has no setting '" + segments[i] + "'"
                        + Names.suggestion(segments[i], names) + "; it has " + String.join(", ", names));
            }
            what += ": setting '" + Settings.yamlName(f.get()) + "'";
            if (i == segments.length - 1) {
                if (f.get().isMany()) {
                    ((List<?>) object.eGet(f.get())).clear();
                }
                reader.set(object, f.get(), yaml, what);
                break;
            }
            Optional<EAttribute> key = f.get() instanceof EReference r && r.isContainment() && r.isMany()
                    ? Settings.key(r.getEReferenceType()) : Optional.empty();
            if (key.isEmpty()) {
                return Optional.of(what + " has no parts to name with '." + segments[i + 1] + "'");
            }
            @SuppressWarnings("unchecked")
            EList<EObject> list = (EList<EObject>) object.eGet(f.get());
            String name = segments[++i];
            EObject child = list.stream().filter(c -> name.equals(String.valueOf(c.eGet(key.get())))).findFirst()
                    .orElse(null);
            if (child == null) {
                child = EcoreUtil.create(((EReference) f.get()).getEReferenceType());
                child.eSet(key.get(), EcoreUtil.createFromString(key.get().getEAttributeType(), name));
                list.add(child);
            }
            List<EStructuralFeature> rest = rest(child.eClass(), key.get());
            if (i == segments.length - 1 && rest.size() == 1) {
                reader.set(child, rest.get(0), yaml, what + " '" + name + "'");
                break;
            }
            object = child;
        }
        return reader.errors.stream().findFirst().map(p -> p.message());
    }

    /**
     * Writes the pipeline's parameters into the settings they are bound to, with {@code overrides} (by parameter
     * name) taking the place of the values in the file.
     *
     * @return the problems: unknown parameters or bindings, values of the wrong type
     */
    public List<String> applyParameters(Pipeline pipeline, Map<String, String> overrides) {
        List<String> problems = new ArrayList<>();
        List<String> names = pipeline.getParameters().stream().map(Parameter::getName).toList();
        for (String o : overrides.keySet()) {
            if (!names.contains(o)) {
                problems.add("the pipeline has no parameter '" + o + "'" + Names.suggestion(o, names)
                        + (names.isEmpty() ? "; it has none (set a node's setting with NODE.SETTING=VALUE)"
                                : "; it has " + String.join(", ", names)));
            }
        }
        for (Parameter p : pipeline.getParameters()) {
            String value = overrides.getOrDefault(p.getName(), p.getValue());
            if (value == null) {
                continue;
            }
            for (String bind : p.getBinds()) {
                int dot = bind.indexOf('.');
                String id = dot < 0 ? bind : bind.substring(0, dot);
                Optional<dev.kumiki.model.pipeline.Node> node = pipeline.getNodes().stream()
                        .filter(n -> n.getId().equals(id)).findFirst();
                if (node.isEmpty() || dot < 0) {
                    problems.add("parameter '" + p.getName() + "' is bound to '" + bind + "', which names no node's "
                            + "setting (write NODE.SETTING)");
                    continue;
                }
                set(node.get(), bind.substring(dot + 1), value)
                        .ifPresent(m -> problems.add("parameter '" + p.getName() + "': " + m));
            }
        }
        return problems;
    }

    // ---------------------------------------------------------------------------------------------- writing

    /** The file text of {@code pipeline}: stable order, defaults left out, positions in their own section. */
    public String write(Pipeline pipeline) {
        List<NodeTuple> top = new ArrayList<>();
        top.add(entry("kumiki", new ScalarNode(Tag.INT, Integer.toString(FORMAT_VERSION), null, null,
                DumperOptions.ScalarStyle.PLAIN)));
        if (pipeline.getDescription() != null && !pipeline.getDescription().isEmpty()) {
            top.add(entry("description", text(pipeline.getDescription())));
        }
        if (!pipeline.getParameters().isEmpty()) {
            List<NodeTuple> params = new ArrayList<>();
            for (Parameter p : pipeline.getParameters()) {
                List<NodeTuple> body = new ArrayList<>();
                if (p.getValue() != null) {
                    body.add(entry("value", yamlNode(p.getValue())));
                }
                if (p.getDescription() != null) {
                    body.add(entry("description", text(p.getDescription())));
                }
                if (!p.getBinds().isEmpty()) {
                    body.add(entry("binds", new SequenceNode(Tag.SEQ, p.getBinds().stream().map(PipelineYaml::text)
                            .map(Node.class::cast).toList(), DumperOptions.FlowStyle.FLOW)));
                }
                params.add(entry(p.getName(), block(body)));
            }
            top.add(entry("parameters", block(params)));
        }
        List<NodeTuple> nodes = new ArrayList<>();
        for (dev.kumiki.model.pipeline.Node n : pipeline.getNodes()) {
            List<NodeTuple> body = new ArrayList<>();
            body.add(entry("kind", text(n.getSettings().eClass().getName())));
            if (n.getComment() != null && !n.getComment().isEmpty()) {
                body.add(entry("comment", text(n.getComment())));
            }
            body.addAll(features(n.getSettings(), null));
            nodes.add(entry(n.getId(), block(body)));
        }
        top.add(entry("nodes", block(nodes)));
        if (!pipeline.getConnections().isEmpty()) {
            top.add(entry("connections", new SequenceNode(Tag.SEQ, pipeline.getConnections().stream()
                    .map(c -> (Node) text(c.getFrom().getId() + "." + c.getFromPort() + " -> " + c.getTo().getId() + "."
                            + c.getToPort())).toList(), DumperOptions.FlowStyle.BLOCK)));
        }
        List<NodeTuple> layout = new ArrayList<>();
        for (dev.kumiki.model.pipeline.Node n : pipeline.getNodes()) {
            if (n.eIsSet(n.eClass().getEStructuralFeature("x")) || n.eIsSet(n.eClass().getEStructuralFeature("y"))) {
                layout.add(entry(n.getId(), new SequenceNode(Tag.SEQ, List.of(number(n.getX()), number(n.getY())),
                        DumperOptions.FlowStyle.FLOW)));
            }
        }
        if (!layout.isEmpty()) {
            top.add(entry("layout", block(layout)));
        }
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        options.setWidth(Integer.MAX_VALUE); // a setting stays on its line, so its change is a one-line diff
        options.setIndent(2);
        options.setIndicatorIndent(0);
        StringWriter out = new StringWriter();
        new Yaml(options).serialize(block(top), out);
        return out.toString();
    }

    /**
     * One setting's value as a line of YAML, as {@link #set} takes it back: {@code ties}, {@code [0, 4]},
     * {@code {chat: {weight: 0.5}}}; empty for a setting that is not set and has no default.
     */
    public String valueText(EObject settings, EStructuralFeature feature) {
        if (!settings.eIsSet(feature) && (feature.getDefaultValueLiteral() == null || feature.isMany())) {
            return feature.isMany() ? (feature instanceof EAttribute ? "[]" : "{}") : "";
        }
        if (feature instanceof EAttribute a && !a.isMany() && !Settings.isYamlValued(a)) {
            Object v = settings.eGet(a);
            return v instanceof org.eclipse.emf.common.util.Enumerator e ? e.getName()
                    : EcoreUtil.convertToString(a.getEAttributeType(), v);
        }
        return yamlText(valueNode(settings, feature));
    }

    /** The set features of {@code object} (without {@code skip}), as file entries. */
    private static List<NodeTuple> features(EObject object, EStructuralFeature skip) {
        List<NodeTuple> entries = new ArrayList<>();
        for (EStructuralFeature f : object.eClass().getEAllStructuralFeatures()) {
            if (f == skip || f.isDerived() || f.isTransient() || !object.eIsSet(f)) {
                continue;
            }
            entries.add(entry(Settings.yamlName(f), valueNode(object, f)));
        }
        return entries;
    }

    private static Node valueNode(EObject object, EStructuralFeature f) {
        Object value = object.eGet(f);
        if (f instanceof EAttribute a) {
            if (a.isMany()) {
                return new SequenceNode(Tag.SEQ, ((List<?>) value).stream().map(v -> scalar(a, v)).toList(),
                        DumperOptions.FlowStyle.FLOW);
            }
            return scalar(a, value);
        }
        EReference r = (EReference) f;
        EClass type = r.getEReferenceType();
        if (!r.isMany()) {
            return leafOrBlock(features((EObject) value, null));
        }
        @SuppressWarnings("unchecked")
        List<EObject> list = (List<EObject>) value;
        Optional<EAttribute> key = Settings.key(type);
        if (key.isPresent()) {
            List<NodeTuple> entries = new ArrayList<>();
            for (EObject child : list) {
                List<EStructuralFeature> rest = rest(type, key.get());
                String name = EcoreUtil.convertToString(key.get().getEAttributeType(), child.eGet(key.get()));
                entries.add(entry(name, rest.size() == 1 ? valueNode(child, rest.get(0))
                        : leafOrBlock(features(child, key.get()))));
            }
            return leafOrBlock(entries);
        }
        return new SequenceNode(Tag.SEQ, list.stream().map(c -> leafOrBlock(features(c, null))).toList(),
                list.stream().allMatch(c -> isLeaf(features(c, null))) ? DumperOptions.FlowStyle.FLOW
                        : DumperOptions.FlowStyle.BLOCK);
    }

    /** A mapping of plain values and lists is written on one line; anything deeper as a block. */
    private static Node leafOrBlock(List<NodeTuple> entries) {
        return new MappingNode(Tag.MAP, entries, isLeaf(entries) ? DumperOptions.FlowStyle.FLOW
                : DumperOptions.FlowStyle.BLOCK);
    }

    private static boolean isLeaf(List<NodeTuple> entries) {
        // a mapping of mappings (models: {chat: {…}, code: {…}}) is a block, each entry on its own line
        return entries.stream().allMatch(t -> t.getValueNode() instanceof ScalarNode
                || t.getValueNode() instanceof SequenceNode s && s.getFlowStyle() == DumperOptions.FlowStyle.FLOW);
    }

    private static Node scalar(EAttribute a, Object value) {
        if (Settings.isYamlValued(a)) {
            // typed values write themselves as YAML (their toString, through the type's factory)
            return yamlNode(value instanceof String text ? text
                    : EcoreUtil.convertToString(a.getEAttributeType(), value));
        }
        if (value instanceof Number n) {
            return number(n);
        }
        if (value instanceof Boolean b) {
            return new ScalarNode(Tag.BOOL, b.toString(), null, null, DumperOptions.ScalarStyle.PLAIN);
        }
        if (value instanceof org.eclipse.emf.common.util.Enumerator e) {
            return text(e.getName());
        }
        return text(EcoreUtil.convertToString(a.getEAttributeType(), value));
    }

    private static Node number(Number n) {
        boolean whole = n instanceof Integer || n instanceof Long;
        String s = whole ? n.toString() : numberText(n.doubleValue());
        return new ScalarNode(s.matches("-?\\d+") ? Tag.INT : Tag.FLOAT, s, null, null, DumperOptions.ScalarStyle.PLAIN);
    }

    private static Node number(double d) {
        return number((Number) d);
    }

    private static String numberText(double d) {
        if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            return Long.toString((long) d);
        }
        return Double.toString(d);
    }

    /** The YAML value a string setting holds, with its collections on one line. */
    private static Node yamlNode(String text) {
        try {
            Node n = YamlInput.compose(text, null);
            return n == null ? text("") : flow(n);
        } catch (YamlInput.Refused e) {
            return text(text);
        }
    }

    private static ScalarNode text(String s) {
        return new ScalarNode(Tag.STR, s, null, null, s.contains("\n") ? DumperOptions.ScalarStyle.LITERAL
                : DumperOptions.ScalarStyle.PLAIN);
    }

    private static NodeTuple entry(String key, Node value) {
        return new NodeTuple(text(key), value);
    }

    private static MappingNode block(List<NodeTuple> entries) {
        return new MappingNode(Tag.MAP, entries, DumperOptions.FlowStyle.BLOCK);
    }
}
