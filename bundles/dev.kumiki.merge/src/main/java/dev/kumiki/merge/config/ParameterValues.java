package dev.kumiki.merge.config;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/** Reads {@link ParameterValue}s from YAML nodes: mergekit files, and values typed into the pipeline editor. */
final class ParameterValues {
    private ParameterValues() {
    }

    /** A YAML problem inside a value, with the node it is at. */
    static final class Problem extends Exception {
        private static final long serialVersionUID = 1L;
        final transient Node node;

        Problem(Node node, String message) {
            super(message);
            this.node = node;
        }
    }

    static ParameterValue parse(String yaml) {
        Node node;
        try {
            LoaderOptions options = new LoaderOptions();
            options.setAllowDuplicateKeys(false);
            node = new Yaml(options).compose(new StringReader(yaml));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("'" + yaml + "' is not a YAML value: " + e.getMessage());
        }
        if (node == null) {
            throw new IllegalArgumentException("a parameter needs a value: a number, a list of numbers (a gradient "
                    + "over the layers), true/false, or [{filter: NAME, value: V}, …]");
        }
        try {
            return of(node, "the parameter");
        } catch (Problem e) {
            throw new IllegalArgumentException(e.getMessage());
        }
    }

    /** The value a YAML node writes; {@code name} (the parameter's) goes into messages. */
    static ParameterValue of(Node n, String name) throws Problem {
        if (n instanceof ScalarNode s) {
            return scalar(s, name);
        }
        if (n instanceof MappingNode map) {
            return new ParameterValue.Filtered(List.of(rule(map, name)));
        }
        List<Node> items = ((SequenceNode) n).getValue();
        if (items.isEmpty()) {
            throw new Problem(n, "parameter '" + name + "' is an empty list");
        }
        if (items.stream().allMatch(i -> i instanceof MappingNode)) {
            List<ParameterValue.Filtered.Rule> rules = new ArrayList<>();
            for (Node i : items) {
                rules.add(rule((MappingNode) i, name));
            }
            return new ParameterValue.Filtered(rules);
        }
        List<ParameterValue> values = new ArrayList<>();
        for (Node i : items) {
            if (!(i instanceof ScalarNode s)) {
                throw new Problem(i, "parameter '" + name + "' mixes list forms; use numbers (a gradient) or "
                        + "{filter, value} entries");
            }
            values.add(scalar(s, name));
        }
        if (values.stream().allMatch(v -> v instanceof ParameterValue.Number)) {
            return new ParameterValue.Gradient(values.stream().map(v -> ((ParameterValue.Number) v).value()).toList());
        }
        return new ParameterValue.Choices(values);
    }

    private static ParameterValue.Filtered.Rule rule(MappingNode map, String name) throws Problem {
        Node filter = null;
        Node value = null;
        for (NodeTuple t : map.getValue()) {
            String key = t.getKeyNode() instanceof ScalarNode k ? k.getValue() : "";
            switch (key) {
                case "filter" -> filter = t.getValueNode();
                case "value" -> value = t.getValueNode();
                default -> throw new Problem(t.getKeyNode(), "a {filter, value} entry of '" + name + "' has only "
                        + "'filter' and 'value', found '" + key + "'");
            }
        }
        if (value == null) {
            throw new Problem(map, "a {filter, value} entry of '" + name + "' needs a value");
        }
        Optional<String> f = Optional.empty();
        if (filter != null && !(filter instanceof ScalarNode fs && fs.getTag().equals(Tag.NULL))) {
            if (!(filter instanceof ScalarNode fs)) {
                throw new Problem(filter, "the filter of '" + name + "' is a part of tensor names, like mlp");
            }
            f = Optional.of(fs.getValue());
        }
        ParameterValue v = of(value, name);
        if (v instanceof ParameterValue.Filtered) {
            throw new Problem(value, "the value of a {filter, value} entry of '" + name + "' is a number, a list of "
                    + "numbers or true/false, not more filters");
        }
        return new ParameterValue.Filtered.Rule(f, v);
    }

    private static ParameterValue scalar(ScalarNode s, String name) throws Problem {
        Tag tag = s.getTag();
        String v = s.getValue();
        if (tag.equals(Tag.INT) || tag.equals(Tag.FLOAT)) {
            double d;
            try {
                d = Double.parseDouble(v.replace("_", ""));
            } catch (NumberFormatException e) {
                throw new Problem(s, "'" + v + "' is not a number (parameter '" + name + "')");
            }
            if (!Double.isFinite(d)) {
                throw new Problem(s, "parameter '" + name + "' must be a finite number, found " + v);
            }
            return new ParameterValue.Number(d);
        }
        if (tag.equals(Tag.BOOL)) {
            return new ParameterValue.Flag(switch (v.toLowerCase(Locale.ROOT)) {
                case "true", "yes", "on", "y" -> true;
                default -> false;
            });
        }
        if (tag.equals(Tag.NULL)) {
            throw new Problem(s, "parameter '" + name + "' has no value");
        }
        return new ParameterValue.Text(v);
    }

    /** A string as a YAML flow scalar: plain when YAML reads it back as the same string, else quoted. */
    static String flow(String s) {
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.FLOW);
        options.setWidth(Integer.MAX_VALUE);
        return new Yaml(options).dump(s).trim();
    }

    /** Converts problems inside values to {@link ConfigException}s at the place {@code at} gives for a node. */
    static ParameterValue of(Node n, String name, Function<Node, String> at) throws ConfigException {
        try {
            return of(n, name);
        } catch (Problem e) {
            throw new ConfigException(at.apply(e.node) + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(at.apply(n) + ": " + e.getMessage());
        }
    }
}
