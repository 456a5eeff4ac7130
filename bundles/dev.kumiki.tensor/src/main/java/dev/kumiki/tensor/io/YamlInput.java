package dev.kumiki.tensor.io;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
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
 * The one way Kumiki reads YAML (pipeline files, mergekit recipes, evaluation tasks): SnakeYAML's own limits
 * (characters, nesting depth, aliases of collections, recursive keys) and what {@link Yaml#compose} leaves unchecked
 * because it only builds the node graph — duplicate keys, aliases that refer to a value containing them, and alias
 * chains that expand to a huge document. A file that breaks one of these rules is refused with a {@link Refused} at
 * its line and column, so nothing later walks an endless or enormous graph (which used to end in a
 * StackOverflowError). Files are read with {@link #readFile}, which refuses folders and special files as
 * {@link InputFiles} does.
 */
public final class YamlInput {
    /** The most characters (code points) a YAML file may have; pipelines and recipes are a few kilobytes. */
    public static final int MAX_CODE_POINTS = 1 << 20;
    /** The deepest nesting of lists and mappings, aliases included. */
    public static final int MAX_DEPTH = 50;
    /** The most aliases of lists and mappings (SnakeYAML's own default). */
    public static final int MAX_COLLECTION_ALIASES = 50;
    /** The most values (scalars, lists, mappings) a document may have once its aliases are expanded. */
    public static final int MAX_VALUES = 100_000;

    private YamlInput() {
    }

    /** A file, or YAML text, that is refused; line and column count from 1, 0 when the problem is the whole text. */
    public static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;
        private final int line;
        private final int column;

        Refused(int line, int column, String message) {
            super(message);
            this.line = line;
            this.column = column;
        }

        Refused(Mark mark, String message) {
            this(mark == null ? 0 : mark.getLine() + 1, mark == null ? 0 : mark.getColumn() + 1, message);
        }

        /** The line of the problem, from 1; 0 when the problem is the whole text. */
        public int line() {
            return line;
        }

        /** The column of the problem, from 1; 0 when the problem is the whole text. */
        public int column() {
            return column;
        }

        /** {@code FILE:LINE:COLUMN} where the problem is, or just {@code FILE} when it is the whole text. */
        public String at(Object file) {
            return file + (line == 0 ? "" : ":" + line + ":" + column);
        }
    }

    /**
     * How much a refusal says. {@link #WITH_HINTS} (mergekit recipes; the one to use for new kinds of files) adds
     * where an unfinished list or mapping started and what to do about a duplicate key, and calls a too-long text
     * "more than N characters"; {@link #PLAIN} (pipeline files, whose messages users and tests already know) leaves
     * the hints out and says how long the text is.
     */
    public enum Wording {
        /** Without hints. */
        PLAIN,
        /** With hints. */
        WITH_HINTS
    }

    /**
     * Names a duplicated key for the message "NAME is used twice (lines A and B)": {@code path} is the keys leading
     * to the mapping ({@code [nodes, save]}), {@code key} the duplicated one.
     */
    @FunctionalInterface
    public interface KeyNamer {
        /** The name of {@code key} under {@code path}, as it starts the message. */
        String name(List<String> path, String key);

        /** {@code key 'dtype' of nodes.save}. */
        KeyNamer KEYS = (path, key) -> "key '" + key + "'" + (path.isEmpty() ? "" : " of " + String.join(".", path));
    }

    /** SnakeYAML's loader options with Kumiki's limits. */
    public static LoaderOptions options() {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setAllowRecursiveKeys(false);
        options.setMaxAliasesForCollections(MAX_COLLECTION_ALIASES);
        options.setNestingDepthLimit(MAX_DEPTH);
        options.setCodePointLimit(MAX_CODE_POINTS);
        return options;
    }

    /**
     * The node graph of {@code text} (null for an empty document), checked as described in the class comment, with
     * {@link Wording#PLAIN} messages.
     *
     * @param namer names a duplicated key in messages; null for {@link KeyNamer#KEYS}
     * @throws Refused when the text is not YAML or breaks a rule, at its line and column where there is one
     */
    public static Node compose(String text, KeyNamer namer) throws Refused {
        return compose(text, namer, Wording.PLAIN);
    }

    /**
     * The node graph of {@code text} (null for an empty document), checked as described in the class comment.
     *
     * @param namer   names a duplicated key in messages; null for {@link KeyNamer#KEYS}
     * @param wording how much the messages say
     * @throws Refused when the text is not YAML or breaks a rule, at its line and column where there is one
     */
    public static Node compose(String text, KeyNamer namer, Wording wording) throws Refused {
        boolean hints = wording == Wording.WITH_HINTS;
        if (text.length() > MAX_CODE_POINTS && text.codePointCount(0, text.length()) > MAX_CODE_POINTS) {
            // refused before parsing: a long document costs time even when it is refused at the end
            throw new Refused(0, 0, hints ? tooLong() : tooLong(text.codePointCount(0, text.length())));
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
            String started = hints && c != null && c != m ? " (started at line " + (c.getLine() + 1) + ", column "
                    + (c.getColumn() + 1) + ")" : "";
            throw new Refused(m, "not valid YAML: " + (e.getContext() == null ? "" : e.getContext() + started + ", ")
                    + e.getProblem());
        } catch (YAMLException e) {
            throw new Refused(stream.getMark(), limitMessage(e.getMessage(), hints));
        }
        if (root != null) {
            new Check(namer == null ? KeyNamer.KEYS : namer, hints).walk(root, new ArrayList<>(), 1);
        }
        return root;
    }


    /**
     * Reads a text file expected to hold YAML: it must be a regular file (not a folder, named pipe or device, which
     * would block or never end), UTF-8 and at most {@link #MAX_CODE_POINTS} bytes.
     *
     * @param what what the file should be, for messages ({@code pipeline file})
     * @throws IOException naming the file and what is wrong
     */
    public static String readFile(Path file, String what) throws IOException {
        long size = InputFiles.requireFile(file, what, "there is no such " + what, "is a folder; give a " + what);
        if (size > 4L * MAX_CODE_POINTS) { // UTF-8 takes at most 4 bytes per code point
            throw new FileSystemException(file.toString(), null, "is " + size + " bytes, too long for a "
                    + what + " (Kumiki reads YAML of at most " + MAX_CODE_POINTS + " characters, 1 MiB); is this the "
                    + "right file?");
        }
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (CharacterCodingException e) {
            throw new FileSystemException(file.toString(), null, "is not UTF-8 text; a " + what + " is UTF-8 YAML");
        }
    }

    private static String tooLong(long length) {
        return "the YAML is too long: " + length + " characters, Kumiki reads at most " + MAX_CODE_POINTS
                + " (1 MiB); is this the right file?";
    }

    private static String tooLong() {
        return "the YAML is too long: more than " + MAX_CODE_POINTS + " characters (1 MiB); is this the right file?";
    }

    /** SnakeYAML's messages for its limits, said the way Kumiki says things. */
    private static String limitMessage(String message, boolean hints) {
        String m = message == null ? "" : message;
        if (m.contains("code points")) {
            return hints ? tooLong() : tooLong(MAX_CODE_POINTS + 1L).replace(MAX_CODE_POINTS + 1L + " characters",
                    "more than " + MAX_CODE_POINTS + " characters");
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
        final KeyNamer namer;
        final boolean hints;
        /** Values below each finished node, counting aliased ones each time they are used. */
        final Map<Node, long[]> done = new IdentityHashMap<>();
        final Set<Node> open = java.util.Collections.newSetFromMap(new IdentityHashMap<>());

        Check(KeyNamer namer, boolean hints) {
            this.namer = namer;
            this.hints = hints;
        }

        /**
         * Returns {values, height} of {@code node}, which is {@code depth} levels down: the values below it and itself,
         * and the levels of lists and mappings it holds (0 for a scalar).
         */
        long[] walk(Node node, List<String> path, int depth) throws Refused {
            long[] known = done.get(node);
            if (known != null) {
                if (depth + known[1] - 1 > MAX_DEPTH) {
                    throw new Refused(node.getStartMark(), "through aliases, lists and mappings are nested more than "
                            + MAX_DEPTH + " levels deep; Kumiki reads at most " + MAX_DEPTH);
                }
                return known;
            }
            if (!open.add(node)) {
                throw new Refused(node.getStartMark(), "the value " + (node.getAnchor() == null ? ""
                        : "'&" + node.getAnchor() + "' ") + "contains an alias to itself (a recursive alias); "
                        + "write the value out instead");
            }
            if (depth > MAX_DEPTH && !(node instanceof ScalarNode)) {
                throw new Refused(node.getStartMark(), "through aliases, lists and mappings are nested more than "
                        + MAX_DEPTH + " levels deep; Kumiki reads at most " + MAX_DEPTH);
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
                            throw new Refused(k.getStartMark(), namer.name(List.copyOf(path), k.getValue())
                                    + " is used twice (lines " + (first.getStartMark().getLine() + 1) + " and "
                                    + (k.getStartMark().getLine() + 1) + ")"
                                    + (hints ? "; YAML keeps only one of them, so remove the other" : ""));
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

        static long add(long a, long b, Node where) throws Refused {
            long sum = a + b;
            if (sum > MAX_VALUES) {
                throw new Refused(where.getStartMark(), "with its aliases expanded, the document has more than "
                        + MAX_VALUES + " values; Kumiki reads at most " + MAX_VALUES + " (an alias bomb?)");
            }
            return sum;
        }
    }
}
