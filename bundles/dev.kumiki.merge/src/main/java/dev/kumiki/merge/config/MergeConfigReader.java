package dev.kumiki.merge.config;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

import dev.kumiki.merge.MergeMethod;
import dev.kumiki.merge.MergeMethods;
import dev.kumiki.merge.lora.LoraReference;
import dev.kumiki.tensor.io.InputFiles;
import dev.kumiki.tensor.io.YamlInput;

/**
 * Reads mergekit YAML into a {@link MergeConfig}, refusing what it cannot honour with {@code FILE:LINE:COLUMN}
 * messages, and reporting keys it does not know (with the nearest known one) as warnings.
 */
public final class MergeConfigReader {
    private static final Set<String> TOP = Set.of("merge_method", "base_model", "models", "slices", "parameters",
            "dtype", "out_dtype", "tokenizer_source", "tokenizer", "chat_template", "modules", "name");
    private static final Set<String> MODEL_KEYS = Set.of("model", "parameters");
    private static final Set<String> SLICE_KEYS = Set.of("sources", "base_model", "parameters", "residual_weight");
    private static final Set<String> SOURCE_KEYS = Set.of("model", "layer_range", "parameters");

    private final Path file;
    private final Consumer<String> warnings;

    private MergeConfigReader(Path file, Consumer<String> warnings) {
        this.file = file;
        this.warnings = warnings;
    }

    /** Reads {@code file}; warnings (unknown keys) go to {@code warnings}. */
    public static MergeConfig read(Path file, Consumer<String> warnings) throws IOException, ConfigException {
        // a folder, a named pipe or a device is refused before it is opened; recipes are small
        return parse(file, InputFiles.readString(file, "mergekit YAML file", 4L * YamlInput.MAX_CODE_POINTS), warnings);
    }

    /** Reads YAML {@code text} as if it were {@code file}. */
    public static MergeConfig parse(Path file, String text, Consumer<String> warnings) throws ConfigException {
        Node root;
        try {
            root = YamlInput.compose(text, null, YamlInput.Wording.WITH_HINTS);
        } catch (YamlInput.Refused e) {
            throw new ConfigException(e.at(file) + ": " + e.getMessage());
        }
        if (!(root instanceof MappingNode top)) {
            throw new ConfigException(file + ": a merge configuration is a YAML mapping with merge_method and models "
                    + "or slices; this file " + (root == null ? "is empty" : "is not a mapping"));
        }
        return new MergeConfigReader(file, warnings).config(top, text);
    }

    private String at(Node n) {
        Mark m = n.getStartMark();
        return file + ":" + (m.getLine() + 1) + ":" + (m.getColumn() + 1);
    }

    private Map<String, Node> mapping(MappingNode node, Set<String> known, String context) throws ConfigException {
        Map<String, Node> map = new LinkedHashMap<>();
        for (NodeTuple t : node.getValue()) {
            if (!(t.getKeyNode() instanceof ScalarNode key)) {
                throw new ConfigException(at(t.getKeyNode()) + ": keys of " + context + " must be plain names");
            }
            if (!known.contains(key.getValue())) {
                warnings.accept(at(key) + ": unknown key '" + key.getValue() + "' in " + context + " is ignored"
                        + nearest(key.getValue(), known).map(s -> " (did you mean '" + s + "'?)").orElse(""));
                continue;
            }
            map.put(key.getValue(), t.getValueNode());
        }
        return map;
    }

    /** The known word closest to {@code word} by edit distance, if it is close. */
    public static Optional<String> nearest(String word, Set<String> known) {
        return known.stream().map(k -> Map.entry(k, distance(word, k)))
                .filter(e -> e.getValue() <= Math.max(2, word.length() / 3))
                .min(Comparator.comparingInt((Map.Entry<String, Integer> e) -> e.getValue()).thenComparing(Map.Entry::getKey))
                .map(Map.Entry::getKey);
    }

    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private MergeConfig config(MappingNode top, String text) throws ConfigException {
        Map<String, Node> m = mapping(top, TOP, "the merge configuration");
        Map<String, Location> where = new LinkedHashMap<>();
        m.forEach((k, v) -> where.put(k, Location.key(k).at(at(v))));
        if (m.containsKey("modules")) {
            throw new ConfigException(at(m.get("modules")) + ": 'modules' (multi-module merges) is not supported yet; "
                    + "merge each module with its own configuration");
        }
        if (m.containsKey("tokenizer")) {
            throw new ConfigException(at(m.get("tokenizer")) + ": the 'tokenizer' block is not supported yet; use "
                    + "tokenizer_source: base, union or a model");
        }
        Node method = m.get("merge_method");
        if (method == null) {
            throw new ConfigException(file + ": merge_method is missing (e.g. merge_method: slerp)");
        }
        boolean hasModels = m.containsKey("models");
        boolean hasSlices = m.containsKey("slices");
        if (hasModels == hasSlices) {
            throw new ConfigException(file + ": give exactly one of 'models' (merge whole models) or 'slices' "
                    + "(build layers from layer ranges); this file has " + (hasModels ? "both" : "neither"));
        }
        String methodName = string(method, "merge_method");
        MergeMethod mergeMethod = MergeMethods.byName(methodName).orElseThrow(() -> new ConfigException(at(method)
                + ": unknown merge_method '" + methodName + "'" + nearest(methodName, MergeMethods.names())
                        .map(s -> "; did you mean '" + s + "'?").orElse("") + " (Kumiki has "
                + String.join(", ", MergeMethods.names()) + ")"));
        List<MergeConfig.InputModel> models = new ArrayList<>();
        if (hasModels) {
            for (Node n : sequence(m.get("models"), "models")) {
                models.add(inputModel(n));
            }
            if (models.isEmpty()) {
                throw new ConfigException(at(m.get("models")) + ": 'models' is empty; list the models to merge");
            }
        }
        List<MergeConfig.OutputSlice> slices = new ArrayList<>();
        if (hasSlices) {
            for (Node n : sequence(m.get("slices"), "slices")) {
                slices.add(outputSlice(n, slices.size()));
            }
            if (slices.isEmpty()) {
                throw new ConfigException(at(m.get("slices")) + ": 'slices' is empty; list the output slices");
            }
        }
        return new MergeConfig(Optional.of(file), mergeMethod, optionalModel(m.get("base_model"), "base_model"),
                models, slices, parameters(m.get("parameters"), Location.key("parameters")),
                optionalString(m.get("dtype"), "dtype"), optionalString(m.get("out_dtype"), "out_dtype"),
                optionalModel(m.get("tokenizer_source"), "tokenizer_source"),
                optionalString(m.get("chat_template"), "chat_template"), where, Map.of(), text);
    }

    private MergeConfig.InputModel inputModel(Node n) throws ConfigException {
        if (n instanceof ScalarNode s) {
            String name = model(s, "model");
            return new MergeConfig.InputModel(name, Map.of(), Location.model(name).at(at(n)));
        }
        Map<String, Node> m = mapping(mappingNode(n, "an entry of models"), MODEL_KEYS, "a model entry");
        Node model = m.get("model");
        if (model == null) {
            throw new ConfigException(at(n) + ": a models entry needs 'model: PATH'");
        }
        String name = model(model, "model");
        Location location = Location.model(name).at(at(n));
        return new MergeConfig.InputModel(name, parameters(m.get("parameters"), location), location);
    }

    private MergeConfig.OutputSlice outputSlice(Node n, int index) throws ConfigException {
        Map<String, Node> m = mapping(mappingNode(n, "an entry of slices"), SLICE_KEYS, "a slice");
        if (m.containsKey("residual_weight")) {
            throw new ConfigException(at(m.get("residual_weight")) + ": residual_weight is not supported yet");
        }
        Node sources = m.get("sources");
        if (sources == null) {
            throw new ConfigException(at(n) + ": a slice needs 'sources' (model and layer_range of each input)");
        }
        List<MergeConfig.InputSlice> list = new ArrayList<>();
        for (Node s : sequence(sources, "sources")) {
            Map<String, Node> src = mapping(mappingNode(s, "a slice source"), SOURCE_KEYS, "a slice source");
            Node model = src.get("model");
            Node range = src.get("layer_range");
            if (model == null || range == null) {
                throw new ConfigException(at(s) + ": a slice source needs 'model: PATH' and 'layer_range: [FROM, TO]'");
            }
            List<Node> bounds = sequence(range, "layer_range");
            if (bounds.size() != 2) {
                throw new ConfigException(at(range) + ": layer_range is [FROM, TO] (TO exclusive), found "
                        + bounds.size() + " values");
            }
            int from = integer(bounds.get(0), "layer_range");
            int to = integer(bounds.get(1), "layer_range");
            if (from < 0 || to <= from) {
                throw new ConfigException(at(range) + ": layer_range [" + from + ", " + to + "] must have 0 <= FROM < TO");
            }
            String name = model(model, "model");
            Location location = Location.source(index, list.size(), name).at(at(s));
            list.add(new MergeConfig.InputSlice(name, from, to, parameters(src.get("parameters"), location),
                    location));
        }
        if (list.isEmpty()) {
            throw new ConfigException(at(sources) + ": a slice needs at least one source");
        }
        int layers = list.get(0).layers();
        for (MergeConfig.InputSlice s : list) {
            if (s.layers() != layers) {
                throw new ConfigException(s.where() + ": all sources of a slice must have as many layers; the first has "
                        + layers + ", this one " + s.layers() + " ([" + s.from() + ", " + s.to() + "])");
            }
        }
        Location location = Location.slice(index).at(at(n));
        return new MergeConfig.OutputSlice(list, optionalModel(m.get("base_model"), "base_model"),
                parameters(m.get("parameters"), location), location);
    }

    private Map<String, ParameterSetting> parameters(Node n, Location place) throws ConfigException {
        if (n == null || isNull(n)) {
            return Map.of();
        }
        Map<String, ParameterSetting> map = new LinkedHashMap<>();
        for (NodeTuple t : mappingNode(n, "parameters").getValue()) {
            String name = string(t.getKeyNode(), "a parameter name");
            map.put(name, new ParameterSetting(ParameterValues.of(t.getValueNode(), name, this::at),
                    place.parameter(name).at(at(t.getValueNode()))));
        }
        return map;
    }

    private static boolean isNull(Node n) {
        return n instanceof ScalarNode s && s.getTag().equals(Tag.NULL);
    }

    private List<Node> sequence(Node n, String what) throws ConfigException {
        if (!(n instanceof SequenceNode seq)) {
            throw new ConfigException(at(n) + ": '" + what + "' must be a list");
        }
        return seq.getValue();
    }

    private MappingNode mappingNode(Node n, String what) throws ConfigException {
        if (!(n instanceof MappingNode map)) {
            throw new ConfigException(at(n) + ": " + what + " must be a mapping of keys to values");
        }
        return map;
    }

    private String string(Node n, String what) throws ConfigException {
        if (!(n instanceof ScalarNode s) || isNull(n)) {
            throw new ConfigException(at(n) + ": '" + what + "' must be a single value");
        }
        return s.getValue();
    }

    private int integer(Node n, String what) throws ConfigException {
        String v = string(n, what);
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new ConfigException(at(n) + ": '" + what + "' needs whole numbers, found '" + v + "'");
        }
    }

    private Optional<String> optionalString(Node n, String what) throws ConfigException {
        return n == null || isNull(n) ? Optional.empty() : Optional.of(string(n, what));
    }

    private Optional<String> optionalModel(Node n, String what) throws ConfigException {
        return n == null || isNull(n) ? Optional.empty() : Optional.of(model(n, what));
    }

    private static final Set<String> REFERENCE_KEYS = Set.of("model", "lora", "override_architecture");
    private static final Set<String> PATH_KEYS = Set.of("path", "revision");

    /**
     * A model reference as mergekit reads one: a folder path, {@code model+lora} (the model with a PEFT adapter
     * applied), or the mapping {@code {model: PATH, lora: PATH}} (each path also as {@code {path: PATH}}), which
     * becomes {@code model+lora}.
     */
    private String model(Node n, String what) throws ConfigException {
        if (n instanceof MappingNode map) {
            Map<String, Node> m = mapping(map, REFERENCE_KEYS, "a model reference");
            if (m.containsKey("override_architecture")) {
                throw new ConfigException(at(m.get("override_architecture")) + ": override_architecture is not "
                        + "supported; Kumiki merges models as their config.json describes them");
            }
            Node model = m.get("model");
            if (model == null) {
                throw new ConfigException(at(n) + ": '" + what + "' as a mapping needs 'model: PATH' (and "
                        + "optionally 'lora: ADAPTER_PATH')");
            }
            String path = path(model, what + ".model");
            Node lora = m.get("lora");
            String reference = lora == null || isNull(lora) ? path : path + "+" + path(lora, what + ".lora");
            return checked(n, reference);
        }
        return checked(n, string(n, what));
    }

    /** A path of a reference mapping: a plain value or mergekit's {@code {path: PATH}}. */
    private String path(Node n, String what) throws ConfigException {
        if (n instanceof MappingNode map) {
            Map<String, Node> m = mapping(map, PATH_KEYS, "a model path");
            if (m.containsKey("revision")) {
                throw new ConfigException(at(m.get("revision")) + ": revision names a Hugging Face Hub revision; "
                        + "Kumiki reads local folders only and does not download models");
            }
            Node path = m.get("path");
            if (path == null) {
                throw new ConfigException(at(n) + ": '" + what + "' needs 'path: FOLDER'");
            }
            n = path;
        }
        String v = string(n, what);
        if (v.contains("+")) {
            throw new ConfigException(at(n) + ": '" + v + "' contains '+', which in a mapping reference is not "
                    + "allowed; give the model in 'model' and the adapter in 'lora'");
        }
        return v;
    }

    private String checked(Node n, String reference) throws ConfigException {
        try {
            LoraReference.parse(reference);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(at(n) + ": " + e.getMessage());
        }
        return reference;
    }
}
