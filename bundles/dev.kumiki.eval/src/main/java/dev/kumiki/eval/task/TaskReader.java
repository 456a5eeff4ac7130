package dev.kumiki.eval.task;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

import dev.kumiki.eval.task.TaskConfig.GenerationKwargs;
import dev.kumiki.eval.task.TaskConfig.OutputType;
import dev.kumiki.tensor.io.Names;
import dev.kumiki.tensor.io.YamlInput;

/**
 * Reads a task YAML file (lm-evaluation-harness's keys, see {@code docs/evaluation.md}) into a {@link TaskConfig}
 * with Kumiki's checked YAML reader: every key must be known — an unknown one is refused at its line with the nearest
 * known key suggested — and every value must have the right type. {@code include} bases a file on others (their keys
 * first, this file's keys win), relative to the including file.
 */
public final class TaskReader {
    /** The keys a task file may have. */
    public static final Set<String> KEYS = Set.of("task", "task_alias", "tag", "group", "include", "dataset_path",
            "dataset_name", "dataset_kwargs", "training_split", "validation_split", "test_split", "fewshot_split",
            "doc_to_text", "doc_to_target", "doc_to_choice", "description", "num_fewshot", "fewshot_delimiter",
            "target_delimiter", "fewshot_config", "output_type", "generation_kwargs", "repeats", "filter_list",
            "metric_list", "metadata");
    /** lm-eval keys that need Python code or Hugging Face downloads, which Kumiki refuses by name. */
    private static final Map<String, String> UNSUPPORTED = Map.of(
            "process_docs", "it names a Python function; prepare the data files instead",
            "process_results", "it names a Python function; use metric_list and filter_list",
            "custom_dataset", "it names a Python function; give dataset_path and dataset_kwargs.data_files",
            "use_prompt", "promptsource prompts are not available offline; write doc_to_text",
            "doc_to_image", "Kumiki evaluates text models only",
            "doc_to_audio", "Kumiki evaluates text models only",
            "gen_prefix", "not supported yet; put the prefix at the end of doc_to_text",
            "should_decontaminate", "decontamination is not supported",
            "doc_to_decontamination_query", "decontamination is not supported",
            "unsafe_code", "Kumiki runs no code from tasks");
    private static final Set<String> DATASET_KWARGS = Set.of("data_files");
    private static final Set<String> GENERATION = Set.of("until", "max_gen_toks", "do_sample", "temperature", "top_k",
            "top_p", "seed");
    private static final Set<String> METRIC = Set.of("metric", "aggregation", "higher_is_better", "ignore_case",
            "ignore_punctuation", "ignore_numbers", "regexes_to_ignore", "only_japanese");
    private static final Set<String> AGGREGATIONS = Set.of("mean", "median", "perplexity", "weighted_perplexity",
            "bits_per_byte");
    private static final Set<String> FILTER_PIPELINE = Set.of("name", "filter");
    private static final Set<String> FEWSHOT = Set.of("sampler", "split", "doc_to_text", "doc_to_target",
            "doc_to_choice", "fewshot_delimiter", "target_delimiter");
    private static final Map<String, Set<String>> FILTERS = Map.of(
            "regex", Set.of("function", "regex_pattern", "group_select", "fallback"),
            "take_first", Set.of("function"),
            "take_first_k", Set.of("function", "k"),
            "remove_whitespace", Set.of("function"),
            "lowercase", Set.of("function"),
            "uppercase", Set.of("function"),
            "map", Set.of("function", "mapping_dict", "default_value"),
            "majority_vote", Set.of("function"));
    /** The most files one task may include, directly or through others. */
    private static final int MAX_INCLUDES = 16;

    private TaskReader() {
    }

    /** A key of the merged mapping, with the file it was written in. */
    private record Entry(ScalarNode key, Node value, Path file) {
    }

    /** Reads {@code file}. */
    public static TaskConfig read(Path file) throws TaskException {
        Map<String, Entry> keys = new LinkedHashMap<>();
        load(file.toAbsolutePath().normalize(), keys, new HashSet<>(), 0);
        return new Reader(file).config(keys);
    }

    /** Reads YAML {@code text} as if it were {@code file} (whose folder resolves relative paths and includes). */
    public static TaskConfig parse(Path file, String text) throws TaskException {
        Map<String, Entry> keys = new LinkedHashMap<>();
        Set<Path> seen = new HashSet<>();
        seen.add(file.toAbsolutePath().normalize());
        merge(file, compose(file, text), keys, seen, 0);
        return new Reader(file).config(keys);
    }

    private static void load(Path file, Map<String, Entry> into, Set<Path> seen, int depth) throws TaskException {
        if (!seen.add(file)) {
            throw new TaskException(file + ": is included by itself (an include cycle); remove one of the includes");
        }
        String text;
        try {
            text = YamlInput.readFile(file, "task file");
        } catch (IOException e) {
            throw new TaskException(message(e));
        }
        merge(file, compose(file, text), into, seen, depth);
    }

    private static MappingNode compose(Path file, String text) throws TaskException {
        Node root;
        try {
            root = YamlInput.compose(text, null, YamlInput.Wording.WITH_HINTS);
        } catch (YamlInput.Refused e) {
            throw new TaskException(e.at(file) + ": " + e.getMessage());
        }
        if (!(root instanceof MappingNode m)) {
            throw new TaskException(file + ": a task file is a YAML mapping (task, dataset_path, doc_to_text, …); "
                    + "this file " + (root == null ? "is empty" : "is not a mapping"));
        }
        return m;
    }

    /** Adds {@code node}'s keys to {@code into}: included files' keys first, then this file's, which win. */
    private static void merge(Path file, MappingNode node, Map<String, Entry> into, Set<Path> seen, int depth)
            throws TaskException {
        Map<String, Entry> own = new LinkedHashMap<>();
        for (NodeTuple t : node.getValue()) {
            if (!(t.getKeyNode() instanceof ScalarNode k)) {
                throw new TaskException(at(file, t.getKeyNode()) + ": keys of a task file are plain names");
            }
            own.put(k.getValue(), new Entry(k, t.getValueNode(), file));
        }
        Entry include = own.remove("include");
        if (include != null) {
            List<Node> list = include.value() instanceof SequenceNode s ? s.getValue() : List.of(include.value());
            for (Node n : list) {
                if (!(n instanceof ScalarNode s) || s.getValue().isBlank()) {
                    throw new TaskException(at(file, n) + ": include names a YAML file (or a list of them)");
                }
                if (depth + 1 > MAX_INCLUDES) {
                    throw new TaskException(at(file, n) + ": includes nest more than " + MAX_INCLUDES + " deep");
                }
                Path inc = file.resolveSibling(s.getValue()).toAbsolutePath().normalize();
                if (!Files.exists(inc)) {
                    throw new TaskException(at(file, n) + ": the included file " + inc + " does not exist");
                }
                load(inc, into, seen, depth + 1);
            }
        }
        into.putAll(own);
    }

    static String at(Path file, Node n) {
        Mark m = n.getStartMark();
        return file + ":" + (m.getLine() + 1) + ":" + (m.getColumn() + 1);
    }

    static String message(IOException e) {
        return e instanceof java.nio.file.FileSystemException f && f.getReason() != null
                ? f.getFile() + ": " + f.getReason()
                : e instanceof java.nio.file.NoSuchFileException n ? n.getFile() + ": there is no such file"
                        : String.valueOf(e.getMessage());
    }

    /** Turns the merged keys into a configuration; knows which file each node came from. */
    private static final class Reader {
        private final Path taskFile;
        private final List<String> tags = new ArrayList<>();
        private Path file;

        Reader(Path taskFile) {
            this.taskFile = taskFile;
            this.file = taskFile;
        }

        private String at(Node n) {
            return TaskReader.at(file, n);
        }

        private TaskException unknown(ScalarNode key, Set<String> known, String context) {
            String name = key.getValue();
            String why = UNSUPPORTED.get(name);
            if (why != null && known == KEYS) {
                return new TaskException(at(key) + ": '" + name + "' (an lm-evaluation-harness key) is not supported "
                        + "by Kumiki: " + why);
            }
            return new TaskException(at(key) + ": unknown key '" + name + "' in " + context
                    + Names.nearest(name, known).map(s -> "; did you mean '" + s + "'?").orElse("")
                    + " (known keys: " + String.join(", ", known.stream().sorted().toList()) + ")");
        }

        TaskConfig config(Map<String, Entry> keys) throws TaskException {
            Map<String, Node> m = new LinkedHashMap<>();
            Map<String, Path> files = new LinkedHashMap<>();
            Map<String, String> locations = new LinkedHashMap<>();
            for (Entry e : keys.values()) {
                file = e.file();
                if (!KEYS.contains(e.key().getValue())) {
                    throw unknown(e.key(), KEYS, "a task");
                }
                m.put(e.key().getValue(), e.value());
                files.put(e.key().getValue(), e.file());
                locations.put(e.key().getValue(), at(e.value()));
            }
            file = taskFile;
            if (!m.containsKey("task")) {
                throw new TaskException(taskFile + ": 'task' is missing; a task file starts with task: NAME");
            }
            String name = with(files, "task", () -> nonEmpty(m.get("task"), "task"));
            TaskConfig.Builder b = TaskConfig.builder(name).setFile(taskFile).setLocations(locations);
            for (Map.Entry<String, Node> e : m.entrySet()) {
                file = files.get(e.getKey());
                apply(b, e.getKey(), e.getValue(), name);
            }
            if (m.containsKey("generation_kwargs")) {
                String delimiter = m.containsKey("fewshot_delimiter")
                        ? with(files, "fewshot_delimiter", () -> string(m.get("fewshot_delimiter"), "")) : "\n\n";
                file = files.get("generation_kwargs");
                b.setGeneration(generation(m.get("generation_kwargs"), delimiter));
            }
            file = taskFile;
            if (!m.containsKey("dataset_path")) {
                throw new TaskException(taskFile + ": task " + name + " has no dataset_path; give the folder or file "
                        + "of its data (JSONL, CSV or TSV), relative to the task file");
            }
            for (String required : List.of("doc_to_text", "doc_to_target")) {
                if (!m.containsKey(required)) {
                    throw new TaskException(taskFile + ": task " + name + " has no " + required
                            + (required.equals("doc_to_text") ? " (a field name or a Jinja template such as "
                                    + "\"Question: {{question}}\\nAnswer:\")" : " (a field name, a Jinja template or "
                                            + "a choice index)"));
                }
            }
            try {
                return b.build();
            } catch (IllegalArgumentException e) {
                throw new TaskException(taskFile + ": " + e.getMessage());
            }
        }

        private interface Parse<T> {
            T get() throws TaskException;
        }

        private <T> T with(Map<String, Path> files, String key, Parse<T> p) throws TaskException {
            file = files.get(key);
            try {
                return p.get();
            } finally {
                file = taskFile;
            }
        }

        private void apply(TaskConfig.Builder b, String key, Node v, String task) throws TaskException {
            switch (key) {
                case "task" -> { }
                case "task_alias" -> b.setAlias(nonEmpty(v, key));
                case "tag", "group" -> {
                    tags.addAll(stringOrList(v, key));
                    b.setTags(tags);
                }
                case "dataset_path" -> {
                    String p = nonEmpty(v, key);
                    // lm-eval's local form names a datasets builder ("json", "csv") and puts files in data_files
                    Path base = file.toAbsolutePath().getParent();
                    b.setDatasetPath(Set.of("json", "csv", "text").contains(p) ? base : base.resolve(p).normalize());
                }
                case "dataset_name" -> b.setDatasetName(nonEmpty(v, key));
                case "dataset_kwargs" -> {
                    Map<String, Node> kw = mapping(v, DATASET_KWARGS, key);
                    Node df = kw.get("data_files");
                    if (df != null) {
                        b.setDataFiles(dataFiles(df));
                    }
                }
                case "training_split" -> b.setTrainingSplit(nonEmpty(v, key));
                case "validation_split" -> b.setValidationSplit(nonEmpty(v, key));
                case "test_split" -> b.setTestSplit(nonEmpty(v, key));
                case "fewshot_split" -> b.setFewshotSplit(nonEmpty(v, key));
                case "doc_to_text" -> b.setDocToText(template(v, key, false));
                case "doc_to_target" -> b.setDocToTarget(template(v, key, true));
                case "doc_to_choice" -> b.setDocToChoice(template(v, key, true));
                case "description" -> b.setDescription(string(v, key));
                case "num_fewshot" -> b.setNumFewshot(integer(v, key, 0, 1000));
                case "fewshot_delimiter" -> b.setFewshotDelimiter(string(v, key));
                case "target_delimiter" -> b.setTargetDelimiter(string(v, key));
                case "fewshot_config" -> fewshotConfig(b, v);
                case "output_type" -> {
                    String s = nonEmpty(v, key);
                    OutputType t = OutputType.byName(s);
                    if (t == null) {
                        Set<String> names = Set.of("multiple_choice", "generate_until", "loglikelihood",
                                "loglikelihood_rolling");
                        throw new TaskException(at(v) + ": unknown output_type '" + s + "'"
                                + Names.nearest(s, names).map(n -> "; did you mean '" + n + "'?").orElse("")
                                + " (one of multiple_choice, generate_until, loglikelihood, loglikelihood_rolling)");
                    }
                    b.setOutputType(t);
                }
                case "generation_kwargs" -> { } // read last: until defaults to the few-shot delimiter
                case "repeats" -> b.setRepeats(integer(v, key, 1, 1000));
                case "filter_list" -> b.setFilterList(filterList(v));
                case "metric_list" -> b.setMetricList(metricList(v));
                case "metadata" -> {
                    if (!(v instanceof MappingNode)) {
                        throw new TaskException(at(v) + ": metadata is a mapping, e.g. metadata: {version: 1.0}");
                    }
                    @SuppressWarnings("unchecked")
                    Map<String, Object> md = (Map<String, Object>) plain(v);
                    b.setMetadata(md);
                    Object version = md.get("version");
                    if (version != null) {
                        if (!(version instanceof Number n)) {
                            throw new TaskException(at(v) + ": metadata.version is a number, e.g. 1.0");
                        }
                        b.setVersion(n.doubleValue());
                    }
                }
                default -> throw new IllegalStateException(key);
            }
        }

        GenerationKwargs generation(Node v, String fewshotDelimiter) throws TaskException {
            Map<String, Node> g = mapping(v, GENERATION, "generation_kwargs");
            List<String> until = g.containsKey("until") ? stringOrList(g.get("until"), "generation_kwargs.until")
                    : List.of(fewshotDelimiter);
            for (String s : until) {
                if (s.isEmpty()) {
                    throw new TaskException(at(g.get("until")) + ": generation_kwargs.until has an empty stop string");
                }
            }
            int max = g.containsKey("max_gen_toks") ? integer(g.get("max_gen_toks"), "max_gen_toks", 1, 1 << 20)
                    : GenerationKwargs.DEFAULT_MAX_GEN_TOKS;
            boolean doSample = g.containsKey("do_sample") && bool(g.get("do_sample"), "do_sample");
            double temperature = g.containsKey("temperature") ? number(g.get("temperature"), "temperature")
                    : doSample ? 1.0 : 0.0;
            if (temperature < 0) {
                throw new TaskException(at(g.get("temperature")) + ": temperature must be 0 or more");
            }
            if (doSample && temperature == 0) {
                throw new TaskException(at(g.get("do_sample")) + ": do_sample: true needs a temperature above 0 "
                        + "(or do_sample: false for greedy decoding)");
            }
            int topK = g.containsKey("top_k") ? integer(g.get("top_k"), "top_k", 0, Integer.MAX_VALUE) : 0;
            double topP = g.containsKey("top_p") ? number(g.get("top_p"), "top_p") : 1.0;
            if (!(topP > 0 && topP <= 1)) {
                throw new TaskException(at(g.get("top_p")) + ": top_p must be in (0, 1], not " + topP);
            }
            long seed = g.containsKey("seed") ? integer(g.get("seed"), "seed", 0, Integer.MAX_VALUE)
                    : GenerationKwargs.DEFAULT_SEED;
            return new GenerationKwargs(until, max, doSample, temperature, topK, topP, seed);
        }

        private void fewshotConfig(TaskConfig.Builder b, Node v) throws TaskException {
            Map<String, Node> f = mapping(v, FEWSHOT, "fewshot_config");
            for (Map.Entry<String, Node> e : f.entrySet()) {
                Node n = e.getValue();
                switch (e.getKey()) {
                    case "sampler" -> {
                        String s = nonEmpty(n, "sampler");
                        if (!s.equals("default") && !s.equals("first_n")) {
                            throw new TaskException(at(n) + ": fewshot_config.sampler is default (seeded random "
                                    + "examples) or first_n (the first ones), not '" + s + "'");
                        }
                        b.setFewshotSampler(s);
                    }
                    case "split" -> b.setFewshotSplit(nonEmpty(n, "split"));
                    case "doc_to_text" -> b.setFewshotDocToText(template(n, "doc_to_text", false));
                    case "doc_to_target" -> b.setFewshotDocToTarget(template(n, "doc_to_target", true));
                    case "doc_to_choice" -> b.setFewshotDocToChoice(template(n, "doc_to_choice", true));
                    case "fewshot_delimiter" -> b.setFewshotConfigFewshotDelimiter(string(n, "fewshot_delimiter"));
                    case "target_delimiter" -> b.setFewshotConfigTargetDelimiter(string(n, "target_delimiter"));
                    default -> throw new IllegalStateException(e.getKey());
                }
            }
        }

        private Map<String, String> dataFiles(Node df) throws TaskException {
            Map<String, String> files = new LinkedHashMap<>();
            if (df instanceof MappingNode map) {
                for (NodeTuple t : map.getValue()) {
                    String split = nonEmpty(t.getKeyNode(), "a split name");
                    files.put(split, nonEmpty(t.getValueNode(), "data_files." + split));
                }
            } else if (df instanceof ScalarNode) {
                // datasets' load_dataset calls a lone file the train split
                files.put("train", nonEmpty(df, "data_files"));
            } else {
                throw new TaskException(at(df) + ": data_files maps split names to files, e.g. "
                        + "data_files: {train: train.jsonl, test: test.jsonl}");
            }
            return files;
        }

        private DocTemplate template(Node v, String key, boolean numbersAndLists) throws TaskException {
            if (v instanceof ScalarNode s && s.getTag().equals(Tag.INT) && numbersAndLists) {
                return new DocTemplate.Index(integer(v, key, 0, Integer.MAX_VALUE));
            }
            if (v instanceof SequenceNode && numbersAndLists) {
                return new DocTemplate.Choices(stringOrList(v, key));
            }
            if (v instanceof MappingNode && key.equals("doc_to_choice")) {
                // lm-eval takes a mapping's values as the choices
                List<String> values = new ArrayList<>();
                for (NodeTuple t : ((MappingNode) v).getValue()) {
                    values.add(scalarText(t.getValueNode(), key));
                }
                return new DocTemplate.Choices(values);
            }
            if (v instanceof ScalarNode s && !s.getTag().equals(Tag.NULL)) {
                return new DocTemplate.Text(s.getValue());
            }
            throw new TaskException(at(v) + ": " + key + " is a field name or a Jinja template"
                    + (numbersAndLists ? ", a number or a list" : "") + "; found " + kind(v));
        }

        private List<FilterPipeline> filterList(Node v) throws TaskException {
            if (!(v instanceof SequenceNode seq)) {
                throw new TaskException(at(v) + ": filter_list is a list of {name, filter: [{function: …}, …]}");
            }
            List<FilterPipeline> pipelines = new ArrayList<>();
            Set<String> names = new HashSet<>();
            for (Node p : seq.getValue()) {
                Map<String, Node> m = mapping(p, FILTER_PIPELINE, "a filter_list entry");
                if (!m.containsKey("name") || !m.containsKey("filter")) {
                    throw new TaskException(at(p) + ": a filter_list entry needs name and filter (a list of "
                            + "{function: regex, …})");
                }
                String name = nonEmpty(m.get("name"), "name");
                if (!names.add(name)) {
                    throw new TaskException(at(m.get("name")) + ": the filter name '" + name + "' is used twice");
                }
                if (!(m.get("filter") instanceof SequenceNode steps)) {
                    throw new TaskException(at(m.get("filter")) + ": filter is a list of {function: …} entries");
                }
                List<FilterPipeline.Step> list = new ArrayList<>();
                for (Node s : steps.getValue()) {
                    list.add(filterStep(s));
                }
                pipelines.add(new FilterPipeline(name, list));
            }
            return pipelines;
        }

        private FilterPipeline.Step filterStep(Node s) throws TaskException {
            if (!(s instanceof MappingNode map)) {
                throw new TaskException(at(s) + ": a filter is a mapping such as {function: take_first}");
            }
            Node fn = null;
            for (NodeTuple t : map.getValue()) {
                if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals("function")) {
                    fn = t.getValueNode();
                }
            }
            if (fn == null) {
                throw new TaskException(at(s) + ": a filter needs function: (one of "
                        + String.join(", ", FILTERS.keySet().stream().sorted().toList()) + ")");
            }
            String name = nonEmpty(fn, "function");
            Set<String> known = FILTERS.get(name);
            if (known == null) {
                var registered = Filters.registered(name);
                if (registered.isPresent()) {
                    mapping(s, Set.of("function"), "filter " + name);
                    return new FilterPipeline.Each(name, registered.get());
                }
                throw new TaskException(at(fn) + ": unknown filter function '" + name + "'"
                        + Names.nearest(name, Filters.names()).map(n -> "; did you mean '" + n + "'?").orElse("")
                        + " (Kumiki has " + String.join(", ", Filters.names()) + ")");
            }
            Map<String, Node> m = mapping(s, known, "filter " + name);
            return switch (name) {
                case "regex" -> {
                    String pattern = m.containsKey("regex_pattern") ? string(m.get("regex_pattern"), "regex_pattern")
                            : FilterPipeline.Regex.DEFAULT_PATTERN;
                    regex(pattern, m.get("regex_pattern"));
                    yield new FilterPipeline.Regex(pattern, m.containsKey("group_select")
                            ? integer(m.get("group_select"), "group_select", -1000, 1000) : 0,
                            m.containsKey("fallback") ? string(m.get("fallback"), "fallback")
                                    : FilterPipeline.Regex.DEFAULT_FALLBACK);
                }
                case "take_first" -> new FilterPipeline.TakeFirst();
                case "take_first_k" -> {
                    if (!m.containsKey("k")) {
                        throw new TaskException(at(s) + ": take_first_k needs k");
                    }
                    yield new FilterPipeline.TakeFirstK(integer(m.get("k"), "k", 1, 100_000));
                }
                case "remove_whitespace" -> new FilterPipeline.RemoveWhitespace();
                case "lowercase" -> new FilterPipeline.Lowercase();
                case "uppercase" -> new FilterPipeline.Uppercase();
                case "map" -> {
                    Node md = m.get("mapping_dict");
                    if (!(md instanceof MappingNode mm)) {
                        throw new TaskException(at(md == null ? s : md) + ": map needs mapping_dict: {from: to, …}");
                    }
                    Map<String, String> mapping = new LinkedHashMap<>();
                    for (NodeTuple t : mm.getValue()) {
                        mapping.put(scalarText(t.getKeyNode(), "mapping_dict"), scalarText(t.getValueNode(),
                                "mapping_dict"));
                    }
                    yield new FilterPipeline.MapValues(mapping, m.containsKey("default_value")
                            ? scalarText(m.get("default_value"), "default_value") : null);
                }
                case "majority_vote" -> new FilterPipeline.MajorityVote();
                default -> throw new IllegalStateException(name);
            };
        }

        private List<MetricSpec> metricList(Node v) throws TaskException {
            if (!(v instanceof SequenceNode seq)) {
                throw new TaskException(at(v) + ": metric_list is a list of {metric: NAME, aggregation: mean, "
                        + "higher_is_better: true}");
            }
            List<MetricSpec> list = new ArrayList<>();
            Set<String> seen = new HashSet<>();
            for (Node e : seq.getValue()) {
                Map<String, Node> m = mapping(e, METRIC, "a metric_list entry");
                if (!m.containsKey("metric")) {
                    throw new TaskException(at(e) + ": a metric_list entry needs metric: NAME");
                }
                String metric = nonEmpty(m.get("metric"), "metric");
                if (!seen.add(metric)) {
                    throw new TaskException(at(m.get("metric")) + ": the metric '" + metric + "' is listed twice");
                }
                String agg = null;
                if (m.containsKey("aggregation")) {
                    agg = nonEmpty(m.get("aggregation"), "aggregation");
                    if (!AGGREGATIONS.contains(agg)) {
                        String a = agg;
                        throw new TaskException(at(m.get("aggregation")) + ": unknown aggregation '" + agg + "'"
                                + Names.nearest(a, AGGREGATIONS).map(n -> "; did you mean '" + n + "'?").orElse("")
                                + " (Kumiki has " + String.join(", ", AGGREGATIONS.stream().sorted().toList()) + ")");
                    }
                }
                List<String> regexes = m.containsKey("regexes_to_ignore")
                        ? stringOrList(m.get("regexes_to_ignore"), "regexes_to_ignore") : List.of();
                for (String r : regexes) {
                    regex(r, m.get("regexes_to_ignore"));
                }
                list.add(new MetricSpec(metric, agg,
                        m.containsKey("higher_is_better") ? bool(m.get("higher_is_better"), "higher_is_better") : null,
                        flag(m, "ignore_case"), flag(m, "ignore_punctuation"), flag(m, "ignore_numbers"), regexes,
                        flag(m, "only_japanese")));
            }
            return list;
        }

        private void regex(String pattern, Node where) throws TaskException {
            try {
                Pattern.compile(pattern);
            } catch (PatternSyntaxException e) {
                throw new TaskException(at(where) + ": not a valid regular expression: " + e.getDescription()
                        + " in " + pattern);
            }
        }

        private boolean flag(Map<String, Node> m, String key) throws TaskException {
            return m.containsKey(key) && bool(m.get(key), key);
        }

        private Map<String, Node> mapping(Node v, Set<String> known, String context) throws TaskException {
            if (!(v instanceof MappingNode map)) {
                throw new TaskException(at(v) + ": " + context + " is a mapping; found " + kind(v));
            }
            Map<String, Node> m = new LinkedHashMap<>();
            for (NodeTuple t : map.getValue()) {
                if (!(t.getKeyNode() instanceof ScalarNode k)) {
                    throw new TaskException(at(t.getKeyNode()) + ": keys of " + context + " are plain names");
                }
                if (!known.contains(k.getValue())) {
                    throw unknown(k, known, context);
                }
                m.put(k.getValue(), t.getValueNode());
            }
            return m;
        }

        private static String kind(Node v) {
            return v instanceof MappingNode ? "a mapping" : v instanceof SequenceNode ? "a list"
                    : v instanceof ScalarNode s && s.getTag().equals(Tag.NULL) ? "nothing" : "'"
                            + ((ScalarNode) v).getValue() + "'";
        }

        private String scalarText(Node v, String key) throws TaskException {
            if (v instanceof ScalarNode s && !s.getTag().equals(Tag.NULL)) {
                return s.getValue();
            }
            throw new TaskException(at(v) + ": " + key + " is a text; found " + kind(v));
        }

        private String string(Node v, String key) throws TaskException {
            if (v instanceof ScalarNode s && s.getTag().equals(Tag.NULL)) {
                return "";
            }
            return scalarText(v, key);
        }

        private String nonEmpty(Node v, String key) throws TaskException {
            String s = scalarText(v, key);
            if (s.isBlank()) {
                throw new TaskException(at(v) + ": " + key + " is empty");
            }
            return s;
        }

        private List<String> stringOrList(Node v, String key) throws TaskException {
            if (v instanceof SequenceNode seq) {
                List<String> list = new ArrayList<>();
                for (Node n : seq.getValue()) {
                    list.add(scalarText(n, key));
                }
                return list;
            }
            return List.of(scalarText(v, key));
        }

        private int integer(Node v, String key, int min, int max) throws TaskException {
            if (v instanceof ScalarNode s && s.getTag().equals(Tag.INT)) {
                try {
                    long n = Long.parseLong(s.getValue().replace("_", ""));
                    if (n >= min && n <= max) {
                        return (int) n;
                    }
                } catch (NumberFormatException e) {
                    // falls through to the message
                }
                throw new TaskException(at(v) + ": " + key + " must be a whole number from " + min + " to " + max
                        + ", not " + s.getValue());
            }
            throw new TaskException(at(v) + ": " + key + " is a whole number; found " + kind(v));
        }

        private double number(Node v, String key) throws TaskException {
            if (v instanceof ScalarNode s && (s.getTag().equals(Tag.INT) || s.getTag().equals(Tag.FLOAT))) {
                try {
                    return Double.parseDouble(s.getValue().replace("_", ""));
                } catch (NumberFormatException e) {
                    // falls through
                }
            }
            throw new TaskException(at(v) + ": " + key + " is a number; found " + kind(v));
        }

        private boolean bool(Node v, String key) throws TaskException {
            if (v instanceof ScalarNode s && s.getTag().equals(Tag.BOOL)) {
                return Set.of("true", "yes", "on", "y").contains(s.getValue().toLowerCase(java.util.Locale.ROOT));
            }
            throw new TaskException(at(v) + ": " + key + " is true or false; found " + kind(v));
        }

        /** The plain Java value of a node: String, Long, Double, Boolean, null, List or Map. */
        private Object plain(Node v) throws TaskException {
            if (v instanceof MappingNode map) {
                Map<String, Object> m = new LinkedHashMap<>();
                for (NodeTuple t : map.getValue()) {
                    m.put(scalarText(t.getKeyNode(), "a key"), plain(t.getValueNode()));
                }
                return m;
            }
            if (v instanceof SequenceNode seq) {
                List<Object> l = new ArrayList<>();
                for (Node n : seq.getValue()) {
                    l.add(plain(n));
                }
                return l;
            }
            ScalarNode s = (ScalarNode) v;
            Tag t = s.getTag();
            if (t.equals(Tag.NULL)) {
                return null;
            }
            if (t.equals(Tag.BOOL)) {
                return bool(v, "a value");
            }
            if (t.equals(Tag.INT)) {
                try {
                    return Long.parseLong(s.getValue().replace("_", ""));
                } catch (NumberFormatException e) {
                    return s.getValue();
                }
            }
            if (t.equals(Tag.FLOAT)) {
                try {
                    return Double.parseDouble(s.getValue().replace("_", ""));
                } catch (NumberFormatException e) {
                    return s.getValue();
                }
            }
            return s.getValue();
        }
    }
}
