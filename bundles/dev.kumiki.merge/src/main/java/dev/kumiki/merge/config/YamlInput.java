package dev.kumiki.merge.config;

import java.io.StringReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.composer.Composer;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.parser.ParserImpl;
import org.yaml.snakeyaml.reader.StreamReader;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * The one way this library reads YAML (mergekit recipes): SnakeYAML's own limits (characters, nesting depth,
 * aliases of collections, recursive keys) and what {@link Yaml#compose} leaves unchecked because it only builds the
 * node graph — duplicate keys, aliases that refer to a value containing them, and alias chains that expand to a huge
 * document. Problems are {@link ConfigException}s at {@code FILE:LINE:COLUMN}. (The pipeline model has its own copy
 * of these rules; the libraries do not depend on it.)
 */
final class YamlInput {
    /** The most characters (code points) a recipe may have; mergekit recipes are a few hundred bytes. */
    static final int MAX_CODE_POINTS = 1 << 20;
    /** The deepest nesting of lists and mappings, aliases included. */
    static final int MAX_DEPTH = 50;
    /** The most aliases of lists and mappings (SnakeYAML's own default). */
    static final int MAX_COLLECTION_ALIASES = 50;
    /** The most values a document may have once its aliases are expanded. */
    static final int MAX_VALUES = 100_000;

    private YamlInput() {
    }

    static LoaderOptions options() {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setAllowRecursiveKeys(false);
        options.setMaxAliasesForCollections(MAX_COLLECTION_ALIASES);
        options.setNestingDepthLimit(MAX_DEPTH);
        options.setCodePointLimit(MAX_CODE_POINTS);
        return options;
    }

    /** The node graph of {@code text} (null when empty), checked; {@code file} names it in messages. */
    static Node compose(Path file, String text) throws ConfigException {
        if (text.length() > MAX_CODE_POINTS && text.codePointCount(0, text.length()) > MAX_CODE_POINTS) {
            throw new ConfigException(file + ": " + tooLong());
        }
        // composed as Yaml.compose does, keeping the reader: SnakeYAML's limits (aliases, nesting) are reported
        // without a place, and the reader's position is where it stopped
        LoaderOptions options = options();
        StreamReader stream = new StreamReader(new StringReader(text));
        Node root;
        try {
            root = new Composer(new ParserImpl(stream, options), new Resolver(), options).getSingleNode();
        } catch (MarkedYAMLException e) {
            Mark m = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            Mark c = e.getContextMark();
            String what = (e.getContext() == null ? "" : e.getContext()
                    + (c != null && c != m ? " (started at line " + (c.getLine() + 1) + ", column " + (c.getColumn() + 1)
                            + ")" : "") + ", ") + e.getProblem();
            throw new ConfigException(at(file, m) + ": not valid YAML: " + what);
        } catch (YAMLException e) {
            throw new ConfigException(at(file, stream.getMark()) + ": " + limitMessage(e.getMessage()));
        }
        if (root != null) {
            new Check(file).walk(root, new ArrayList<>(), 1);
        }
        return root;
    }

    static String at(Path file, Mark m) {
        return file + (m == null ? "" : ":" + (m.getLine() + 1) + ":" + (m.getColumn() + 1));
    }

    private static String tooLong() {
        return "the YAML is too long: more than " + MAX_CODE_POINTS + " characters (1 MiB); is this the right file?";
    }

    private static String limitMessage(String message) {
        String m = message == null ? "" : message;
        if (m.contains("code points")) {
            return tooLong();
        }
        if (m.contains("Nesting Depth")) {
            return "lists and mappings are nested more than " + MAX_DEPTH + " levels deep; Kumiki reads at most "
                    + MAX_DEPTH;
        }
        if (m.contains("aliases")) {
            return "more than " + MAX_COLLECTION_ALIASES + " aliases (*name) of lists or mappings; Kumiki reads at "
                    + "most " + MAX_COLLECTION_ALIASES + " (this guards against documents that expand enormously)";
        }
        return "not valid YAML: " + m;
    }

    /** The checks compose leaves out, done once per node of the graph (aliases share nodes). */
    private static final class Check {
        final Path file;
        final Map<Node, long[]> done = new IdentityHashMap<>();
        final Set<Node> open = java.util.Collections.newSetFromMap(new IdentityHashMap<>());

        Check(Path file) {
            this.file = file;
        }

        ConfigException refused(Node n, String message) {
            return new ConfigException(at(file, n.getStartMark()) + ": " + message);
        }

        /** {values, height}: the values below {@code node} and itself, the levels of collections it holds. */
        long[] walk(Node node, List<String> path, int depth) throws ConfigException {
            long[] known = done.get(node);
            if (known != null) {
                if (depth + known[1] - 1 > MAX_DEPTH) {
                    throw refused(node, "through aliases, lists and mappings are nested more than " + MAX_DEPTH
                            + " levels deep; Kumiki reads at most " + MAX_DEPTH);
                }
                return known;
            }
            if (!open.add(node)) {
                throw refused(node, "the value " + (node.getAnchor() == null ? "" : "'&" + node.getAnchor() + "' ")
                        + "contains an alias to itself (a recursive alias); write the value out instead");
            }
            if (depth > MAX_DEPTH && !(node instanceof ScalarNode)) {
                throw refused(node, "through aliases, lists and mappings are nested more than " + MAX_DEPTH
                        + " levels deep; Kumiki reads at most " + MAX_DEPTH);
            }
            long values = 1;
            long height = 0;
            if (node instanceof SequenceNode seq) {
                for (Node item : seq.getValue()) {
                    long[] w = walk(item, path, depth + 1);
                    values = add(values, w[0], item);
                    height = Math.max(height, w[1]);
                }
            } else if (node instanceof MappingNode map) {
                Map<String, Node> keys = new HashMap<>();
                for (NodeTuple t : map.getValue()) {
                    if (t.getKeyNode() instanceof ScalarNode k) {
                        Node first = keys.putIfAbsent(k.getValue(), k);
                        if (first != null) {
                            throw refused(k, "key '" + k.getValue() + "'" + (path.isEmpty() ? ""
                                    : " of " + String.join(".", path)) + " is used twice (lines "
                                    + (first.getStartMark().getLine() + 1) + " and " + (k.getStartMark().getLine() + 1)
                                    + "); YAML keeps only one of them, so remove the other");
                        }
                    }
                    long[] kw = walk(t.getKeyNode(), path, depth + 1);
                    path.add(t.getKeyNode() instanceof ScalarNode k ? k.getValue() : "?");
                    long[] vw = walk(t.getValueNode(), path, depth + 1);
                    path.remove(path.size() - 1);
                    values = add(add(values, kw[0], t.getKeyNode()), vw[0], t.getValueNode());
                    height = Math.max(height, Math.max(kw[1], vw[1]));
                }
            }
            open.remove(node);
            long[] result = {values, node instanceof ScalarNode ? 0 : height + 1};
            done.put(node, result);
            return result;
        }

        long add(long a, long b, Node where) throws ConfigException {
            long sum = a + b;
            if (sum > MAX_VALUES) {
                throw refused(where, "with its aliases expanded, the document has more than " + MAX_VALUES
                        + " values; Kumiki reads at most " + MAX_VALUES + " (an alias bomb?)");
            }
            return sum;
        }
    }
}
