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

import dev.kumiki.tensor.io.InputFiles;

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
        Node root = YamlInput.compose(file, text);
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
        Map<String, String> where = new LinkedHashMap<>();
        m.forEach((k, v) -> where.put(k, at(v)));
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
                slices.add(outputSlice(n));
            }
            if (slices.isEmpty()) {
                throw new ConfigException(at(m.get("slices")) + ": 'slices' is empty; list the output slices");
            }
        }
        return new MergeConfig(file, string(method, "merge_method"), optionalModel(m.get("base_model"), "base_model"),
                models, slices, parameters(m.get("parameters")), optionalString(m.get("dtype"), "dtype"),
                optionalString(m.get("out_dtype"), "out_dtype"),
                optionalModel(m.get("tokenizer_source"), "tokenizer_source"),
                optionalString(m.get("chat_template"), "chat_template"), where, text);
    }

    private MergeConfig.InputModel inputModel(Node n) throws ConfigException {
        if (n instanceof ScalarNode s) {
            return new MergeConfig.InputModel(model(s, "model"), Map.of(), at(n));
        }
        Map<String, Node> m = mapping(mappingNode(n, "an entry of models"), MODEL_KEYS, "a model entry");
        Node model = m.get("model");
        if (model == null) {
            throw new ConfigException(at(n) + ": a models entry needs 'model: PATH'");
        }
        return new MergeConfig.InputModel(model(model, "model"), parameters(m.get("parameters")), at(n));
    }

    private MergeConfig.OutputSlice outputSlice(Node n) throws ConfigException {
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
            list.add(new MergeConfig.InputSlice(model(model, "model"), from, to, parameters(src.get("parameters")),
                    at(s)));
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
        return new MergeConfig.OutputSlice(list, optionalModel(m.get("base_model"), "base_model"),
                parameters(m.get("parameters")), at(n));
    }

    private Map<String, ParameterSetting> parameters(Node n) throws ConfigException {
        if (n == null || isNull(n)) {
            return Map.of();
        }
        Map<String, ParameterSetting> map = new LinkedHashMap<>();
        for (NodeTuple t : mappingNode(n, "parameters").getValue()) {
            String name = string(t.getKeyNode(), "a parameter name");
            map.put(name, setting(t.getValueNode(), name));
        }
        return map;
    }

    private ParameterSetting setting(Node n, String name) throws ConfigException {
        if (n instanceof ScalarNode s) {
            return new ParameterSetting.Scalar(scalar(s, name), at(n));
        }
        if (n instanceof MappingNode map) {
            return new ParameterSetting.Filtered(List.of(rule(map, name)), at(n));
        }
        List<Node> items = sequence(n, name);
        if (items.isEmpty()) {
            throw new ConfigException(at(n) + ": parameter '" + name + "' is an empty list");
        }
        if (items.stream().allMatch(i -> i instanceof MappingNode)) {
            List<ParameterSetting.Filtered.Rule> rules = new ArrayList<>();
            for (Node i : items) {
                rules.add(rule((MappingNode) i, name));
            }
            return new ParameterSetting.Filtered(rules, at(n));
        }
        List<Object> values = new ArrayList<>();
        for (Node i : items) {
            if (!(i instanceof ScalarNode s)) {
                throw new ConfigException(at(i) + ": parameter '" + name + "' mixes list forms; use numbers (a "
                        + "gradient) or {filter, value} entries");
            }
            values.add(scalar(s, name));
        }
        if (values.stream().allMatch(v -> v instanceof Double)) {
            return new ParameterSetting.Gradient(values.stream().map(v -> (Double) v).toList(), at(n));
        }
        return new ParameterSetting.Choices(values, at(n));
    }

    private ParameterSetting.Filtered.Rule rule(MappingNode map, String name) throws ConfigException {
        Map<String, Node> m = mapping(map, Set.of("filter", "value"), "a {filter, value} entry of '" + name + "'");
        Node value = m.get("value");
        if (value == null) {
            throw new ConfigException(at(map) + ": a {filter, value} entry of '" + name + "' needs a value");
        }
        Node filter = m.get("filter");
        return new ParameterSetting.Filtered.Rule(filter == null || isNull(filter) ? null : string(filter, "filter"),
                setting(value, name));
    }

    private Object scalar(ScalarNode s, String name) throws ConfigException {
        Tag tag = s.getTag();
        String v = s.getValue();
        try {
            if (tag.equals(Tag.INT) || tag.equals(Tag.FLOAT)) {
                return Double.parseDouble(v.replace("_", ""));
            }
        } catch (NumberFormatException e) {
            throw new ConfigException(at(s) + ": '" + v + "' is not a number (parameter '" + name + "')");
        }
        if (tag.equals(Tag.BOOL)) {
            return switch (v.toLowerCase(java.util.Locale.ROOT)) {
                case "true", "yes", "on", "y" -> Boolean.TRUE;
                default -> Boolean.FALSE;
            };
        }
        if (tag.equals(Tag.NULL)) {
            throw new ConfigException(at(s) + ": parameter '" + name + "' has no value");
        }
        return v;
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

    /** A model reference: a folder path; {@code model+lora} and mapping forms are refused for now. */
    private String model(Node n, String what) throws ConfigException {
        if (n instanceof MappingNode) {
            throw new ConfigException(at(n) + ": '" + what + "' as a mapping (model with lora or override) is not "
                    + "supported yet; give the model folder's path");
        }
        String v = string(n, what);
        if (v.contains("+") && !v.startsWith("+")) {
            throw new ConfigException(at(n) + ": '" + v + "' applies a LoRA adapter (model+lora), which is not "
                    + "supported yet; merge the adapter into the model first and give that folder");
        }
        return v;
    }
}
