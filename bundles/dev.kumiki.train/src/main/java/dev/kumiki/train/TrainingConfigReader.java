package dev.kumiki.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.kumiki.merge.config.MergeConfigReader;
import dev.kumiki.tensor.io.OutputFolder;
import dev.kumiki.tensor.io.YamlInput;
import dev.kumiki.train.data.DatasetFormat;

/**
 * Reads the settings file of {@code kumiki train CONFIG.yml} into a {@link TrainingJob}. The keys are the names the
 * Train node's settings have, those of Hugging Face's {@code TrainingArguments}, LLaMA-Factory and PEFT:
 * {@snippet lang = yaml :
 * mode: lora                 # scratch, full or lora (LLaMA-Factory's finetuning_type; lora by default)
 * model: ../models/base      # the model folder to fine-tune (full, lora)
 * dataset: data/ja.jsonl
 * format: auto               # text, prompt_completion, messages or auto
 * output: out/ja-lora        # a PEFT adapter folder for lora, else a model folder
 * max_steps: 200
 * learning_rate: 2e-4
 * val_size: 0.1
 * eval_steps: 20
 * lora:
 *   r: 8
 *   lora_alpha: 16
 *   target_modules: [q_proj, v_proj]
 * }
 * For {@code mode: scratch}, {@code config} names the config.json (or its folder) of the new model, {@code tokenizer}
 * an optional folder with a tokenizer.json, and {@code vocab_size} the size of the tokenizer trained when there is
 * none (config.json's {@code vocab_size} by default). Paths are relative to the settings file's folder. Keys left out
 * take the defaults of {@link #defaults}. An unknown key, a value of the wrong type or out of range is refused with a
 * {@link TrainingException} naming the file, the line and the key, and the nearest known key for a misspelt one.
 */
public final class TrainingConfigReader {
    /** The top-level keys, in the order the documentation lists them. */
    public static final List<String> KEYS = List.of("mode", "model", "config", "tokenizer", "vocab_size", "dataset",
            "format", "output", "checkpoints", "max_steps", "batch_size", "gradient_accumulation_steps", "cutoff_len",
            "learning_rate", "min_lr_ratio", "warmup_steps", "weight_decay", "adam_beta1", "adam_beta2",
            "adam_epsilon", "max_grad_norm", "seed", "eval_steps", "save_steps", "val_size", "packing", "lora");
    /** The keys of the {@code lora:} block (PEFT's LoraConfig names). */
    public static final List<String> LORA_KEYS = List.of("r", "lora_alpha", "lora_dropout", "target_modules",
            "use_rslora");

    /**
     * Keys of Hugging Face, LLaMA-Factory or PEFT files that Kumiki names differently or does not take, with what to
     * write instead: a user copying a LLaMA-Factory file learns the Kumiki name at once.
     */
    private static final Map<String, String> OTHER_NAMES = Map.ofEntries(
            Map.entry("per_device_train_batch_size", "write batch_size"),
            Map.entry("finetuning_type", "write mode (scratch, full or lora)"),
            Map.entry("stage", "Kumiki trains causal language models only; leave it out"),
            Map.entry("model_name_or_path", "write model (a local model folder)"),
            Map.entry("output_dir", "write output"),
            Map.entry("lora_rank", "write r in the lora: block"),
            Map.entry("lora_target", "write target_modules in the lora: block"),
            Map.entry("num_train_epochs", "Kumiki counts optimizer steps: write max_steps"),
            Map.entry("lr_scheduler_type", "Kumiki's schedule is linear warm-up then cosine down to "
                    + "learning_rate × min_lr_ratio; leave it out"),
            Map.entry("warmup_ratio", "write warmup_steps (a number of steps)"),
            Map.entry("max_seq_length", "write cutoff_len"),
            Map.entry("max_length", "write cutoff_len"),
            Map.entry("eval_strategy", "write eval_steps (0: validation at the end only)"),
            Map.entry("save_strategy", "write save_steps (0: a checkpoint at the end only)"));

    private static final Set<String> MODES = Set.of("scratch", "full", "lora");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final Path dir;

    private TrainingConfigReader(Path file) {
        this.file = file;
        Path parent = file.toAbsolutePath().normalize().getParent();
        this.dir = parent == null ? Path.of("").toAbsolutePath() : parent;
    }

    /**
     * The settings a key left out takes: Hugging Face's {@code TrainingArguments} defaults where it has the setting
     * (learning_rate 5e-5, batch_size 8, gradient_accumulation_steps 1, warmup_steps 0, weight_decay 0, AdamW betas
     * 0.9 and 0.999, epsilon 1e-8, max_grad_norm 1, seed 42, save_steps 500), LLaMA-Factory's for its own (cutoff_len
     * 2048, val_size 0, packing off), and max_steps 1000, min_lr_ratio 0 (cosine down to zero), eval_steps 0
     * (validation at the end only); with PEFT's {@link LoraSettings#defaults()} for lora.
     */
    public static TrainingSettings defaults(TrainingMode mode) {
        return new TrainingSettings(mode, 1000, 8, 1, 2048, 5e-5, 0, 0, 0, 0.9, 0.999, 1e-8, 1.0, 42, 0, 500, 0,
                false, mode == TrainingMode.LORA ? Optional.of(LoraSettings.defaults()) : Optional.empty());
    }

    /**
     * Reads the settings file {@code file}.
     *
     * @throws IOException       when the file cannot be read (missing, a folder, not UTF-8), naming it
     * @throws TrainingException when its content is wrong, naming the file, line and key
     */
    public static TrainingJob read(Path file) throws IOException, TrainingException {
        return parse(file, YamlInput.readFile(file, "training settings file"));
    }

    /** Reads {@code text} as if it were the content of {@code file} (paths are relative to its folder). */
    public static TrainingJob parse(Path file, String text) throws TrainingException {
        Node root;
        try {
            root = YamlInput.compose(text, null, YamlInput.Wording.WITH_HINTS);
        } catch (YamlInput.Refused e) {
            throw new TrainingException(e.at(file) + ": " + e.getMessage());
        }
        if (!(root instanceof MappingNode top)) {
            throw new TrainingException(file + ": training settings are a YAML mapping of keys (mode, model or config, "
                    + "dataset, output, max_steps, …); this file " + (root == null ? "is empty" : "is not a mapping"));
        }
        return new TrainingConfigReader(file).job(top);
    }

    private TrainingJob job(MappingNode top) throws TrainingException {
        Map<String, Node> m = mapping(top, KEYS, "the training settings");
        TrainingMode mode = TrainingMode.LORA;
        if (m.containsKey("mode")) {
            String name = string(m, "mode");
            if (!MODES.contains(name)) {
                throw new TrainingException(at(m.get("mode")) + ": mode must be scratch, full or lora; found '" + name
                        + "'" + suggestion(name, MODES));
            }
            mode = TrainingMode.valueOf(name.toUpperCase(Locale.ROOT));
        }
        String modeText = "mode is " + mode.userName() + (m.containsKey("mode") ? "" : " (the default)");

        Optional<Path> model = Optional.empty();
        Optional<Path> config = Optional.empty();
        Optional<Path> tokenizer = Optional.empty();
        int vocabulary = 0;
        if (mode == TrainingMode.SCRATCH) {
            if (m.containsKey("model")) {
                throw new TrainingException(at(m.get("model")) + ": model is given but mode is scratch, which trains "
                        + "a new model from config; remove model, or write mode: full or mode: lora to fine-tune it");
            }
            if (!m.containsKey("config")) {
                throw new TrainingException(file + ": config is missing: mode scratch trains a new model defined by "
                        + "a Hugging Face config.json (e.g. config: tiny/config.json)");
            }
            Path c = path(m, "config");
            if (Files.isDirectory(c)) {
                c = c.resolve("config.json");
            }
            if (!Files.isRegularFile(c)) {
                throw new TrainingException(at(m.get("config")) + ": config: there is no file " + c + relative(m,
                        "config") + "; give the config.json of the model to train (or the folder holding it)");
            }
            config = Optional.of(c);
            OptionalVocabulary fromConfig = vocabulary(c, m.get("config"));
            if (m.containsKey("tokenizer")) {
                Path t = path(m, "tokenizer");
                if (!Files.isRegularFile(t.resolve("tokenizer.json"))) {
                    throw new TrainingException(at(m.get("tokenizer")) + ": tokenizer: " + t + relative(m, "tokenizer")
                            + " is not a folder with a tokenizer.json; give one, or leave tokenizer out to train a "
                            + "byte-level BPE of vocab_size tokens on the dataset");
                }
                tokenizer = Optional.of(t);
                if (m.containsKey("vocab_size")) {
                    throw new TrainingException(at(m.get("vocab_size")) + ": vocab_size is the size of the tokenizer "
                            + "trained when no tokenizer is given; with tokenizer given, leave it out");
                }
            } else if (m.containsKey("vocab_size")) {
                vocabulary = integer(m, "vocab_size", 260, 1 << 20, "at least 260 (256 bytes and a few special "
                        + "tokens)");
                if (fromConfig.size > 0 && fromConfig.size != vocabulary) {
                    throw new TrainingException(at(m.get("vocab_size")) + ": vocab_size is " + vocabulary + " but "
                            + config.get() + " says vocab_size " + fromConfig.size + "; the tokenizer and the model "
                            + "must agree: change one of them");
                }
            } else {
                if (fromConfig.size <= 0) {
                    throw new TrainingException(at(m.get("config")) + ": " + config.get() + " has no vocab_size; write "
                            + "vocab_size (the size of the tokenizer to train) here and in config.json");
                }
                vocabulary = fromConfig.size;
            }
        } else {
            for (String key : List.of("config", "tokenizer", "vocab_size")) {
                if (m.containsKey(key)) {
                    throw new TrainingException(at(m.get(key)) + ": " + key + " is for mode scratch (a new model); "
                            + modeText + ", which fine-tunes the model given as model and uses its tokenizer: remove "
                            + key + (m.containsKey("mode") ? "" : ", or write mode: scratch"));
                }
            }
            if (!m.containsKey("model")) {
                throw new TrainingException(file + ": model is missing: " + modeText + ", which fine-tunes a model "
                        + "folder (model: path/to/model); for a new model from a config.json write mode: scratch and "
                        + "config");
            }
            Path p = path(m, "model");
            if (!Files.isRegularFile(p.resolve("config.json"))) {
                throw new TrainingException(at(m.get("model")) + ": model: " + p + relative(m, "model") + " is not a "
                        + "Hugging Face model folder (it has no config.json); give a local model folder, Kumiki "
                        + "downloads nothing");
            }
            model = Optional.of(p);
        }

        if (!m.containsKey("dataset")) {
            throw new TrainingException(file + ": dataset is missing: the JSONL file to train on (dataset: "
                    + "data/train.jsonl)");
        }
        Path dataset = path(m, "dataset");
        if (!Files.isRegularFile(dataset)) {
            throw new TrainingException(at(m.get("dataset")) + ": dataset: there is no file " + dataset
                    + relative(m, "dataset") + "; give a JSONL file (one JSON object a line)");
        }
        DatasetFormat format = DatasetFormat.AUTO;
        if (m.containsKey("format")) {
            String f = string(m, "format");
            Set<String> names = java.util.Arrays.stream(DatasetFormat.values()).map(DatasetFormat::userName)
                    .collect(Collectors.toCollection(java.util.TreeSet::new));
            if (!names.contains(f)) {
                throw new TrainingException(at(m.get("format")) + ": format must be one of " + String.join(", ",
                        names) + "; found '" + f + "'" + suggestion(f, names));
            }
            format = DatasetFormat.valueOf(f.toUpperCase(Locale.ROOT));
        }
        if (!m.containsKey("output")) {
            throw new TrainingException(file + ": output is missing: the folder to write the "
                    + (mode == TrainingMode.LORA ? "adapter" : "model") + " to (output: out/"
                    + (mode == TrainingMode.LORA ? "adapter" : "model") + ")");
        }
        Path output = path(m, "output");
        List<Path> inputs = new ArrayList<>();
        inputs.add(dataset);
        model.ifPresent(inputs::add);
        config.ifPresent(c -> inputs.add(c.getParent()));
        tokenizer.ifPresent(inputs::add);
        Optional<String> problem = OutputFolder.problem(output, inputs);
        if (problem.isPresent()) {
            throw new TrainingException(at(m.get("output")) + ": output: " + problem.get());
        }
        Path checkpoints = m.containsKey("checkpoints") ? path(m, "checkpoints")
                : output.resolveSibling(output.getFileName() + ".checkpoints");
        if (checkpoints.toAbsolutePath().normalize().equals(output.toAbsolutePath().normalize())) {
            throw new TrainingException(at(m.get("checkpoints")) + ": checkpoints is the output folder; give "
                    + "checkpoints a folder of their own");
        }
        for (Path in : inputs) {
            if (checkpoints.toAbsolutePath().normalize().equals(in.toAbsolutePath().normalize())) {
                throw new TrainingException(at(m.get("checkpoints")) + ": checkpoints is an input (" + in + "); give "
                        + "checkpoints a folder of their own");
            }
        }

        TrainingSettings d = defaults(mode);
        int maxSteps = integer(m, "max_steps", 1, Integer.MAX_VALUE, d.maxSteps());
        int warmup = integer(m, "warmup_steps", 0, Integer.MAX_VALUE, d.warmupSteps());
        if (warmup > maxSteps) {
            throw new TrainingException(at(m.get("warmup_steps")) + ": warmup_steps (" + warmup + ") is more than "
                    + "max_steps (" + maxSteps + "); the learning rate would never reach its peak");
        }
        Optional<LoraSettings> lora = Optional.empty();
        if (mode == TrainingMode.LORA) {
            lora = Optional.of(lora(m.get("lora")));
        } else if (m.containsKey("lora")) {
            throw new TrainingException(at(m.get("lora")) + ": a lora: block is given but " + modeText + "; write "
                    + "mode: lora to train an adapter, or remove the block");
        }
        TrainingSettings settings = new TrainingSettings(mode, maxSteps,
                integer(m, "batch_size", 1, 1 << 16, d.batchSize()),
                integer(m, "gradient_accumulation_steps", 1, 1 << 16, d.gradientAccumulation()),
                integer(m, "cutoff_len", 2, 1 << 20, d.cutoffLength()),
                number(m, "learning_rate", 0, false, 1, true, d.learningRate()),
                number(m, "min_lr_ratio", 0, true, 1, true, d.minLearningRateRatio()),
                warmup,
                number(m, "weight_decay", 0, true, Double.MAX_VALUE, true, d.weightDecay()),
                number(m, "adam_beta1", 0, true, 1, false, d.beta1()),
                number(m, "adam_beta2", 0, true, 1, false, d.beta2()),
                number(m, "adam_epsilon", 0, false, 1, true, d.epsilon()),
                number(m, "max_grad_norm", 0, true, Double.MAX_VALUE, true, d.maxGradNorm()),
                longInteger(m, "seed", d.seed()),
                integer(m, "eval_steps", 0, Integer.MAX_VALUE, d.evalSteps()),
                integer(m, "save_steps", 0, Integer.MAX_VALUE, d.saveSteps()),
                number(m, "val_size", 0, true, 1, false, d.validationSize()),
                bool(m, "packing", d.packing()),
                lora);
        if (settings.evalSteps() > 0 && settings.validationSize() == 0 && m.containsKey("eval_steps")) {
            throw new TrainingException(at(m.get("eval_steps")) + ": eval_steps is " + settings.evalSteps()
                    + " but val_size is 0, so there is nothing to validate on; give val_size (e.g. 0.1) or leave "
                    + "eval_steps out");
        }
        return new TrainingJob(settings, model, config, tokenizer, vocabulary, dataset, format, output, checkpoints);
    }

    private LoraSettings lora(Node node) throws TrainingException {
        LoraSettings d = LoraSettings.defaults();
        if (node == null) {
            return d;
        }
        if (!(node instanceof MappingNode block)) {
            throw new TrainingException(at(node) + ": lora must be a block of keys (" + String.join(", ", LORA_KEYS)
                    + "), e.g.\nlora:\n  r: 8\n  lora_alpha: 16");
        }
        Map<String, Node> m = mapping(block, LORA_KEYS, "the lora: block");
        List<String> targets = d.targetModules();
        if (m.containsKey("target_modules")) {
            Node t = m.get("target_modules");
            if (t instanceof ScalarNode s && !isNull(s)) {
                targets = List.of(nonEmpty(s, "target_modules"));
            } else if (t instanceof SequenceNode seq && !seq.getValue().isEmpty()) {
                targets = new ArrayList<>();
                for (Node item : seq.getValue()) {
                    if (!(item instanceof ScalarNode s) || isNull(s)) {
                        throw new TrainingException(at(item) + ": target_modules lists module names (q_proj, v_proj, "
                                + "…); this item is not a name");
                    }
                    String name = nonEmpty(s, "target_modules");
                    if (targets.contains(name)) {
                        throw new TrainingException(at(item) + ": target_modules names " + name + " twice");
                    }
                    targets.add(name);
                }
            } else {
                throw new TrainingException(at(t) + ": target_modules must name at least one module, e.g. "
                        + "[q_proj, v_proj]");
            }
        }
        int rank = integer(m, "r", 1, 1 << 16, d.rank());
        return new LoraSettings(rank,
                number(m, "lora_alpha", 0, false, Double.MAX_VALUE, true, d.alpha()),
                number(m, "lora_dropout", 0, true, 1, false, d.dropout()),
                targets, bool(m, "use_rslora", d.rslora()));
    }

    // --- values ---------------------------------------------------------------------------------------------------

    private record OptionalVocabulary(int size) {
    }

    /** config.json's vocab_size, or 0 when it has none; a config.json that is not JSON is refused here. */
    private OptionalVocabulary vocabulary(Path configJson, Node where) throws TrainingException {
        try {
            JsonNode c = JSON.readTree(configJson.toFile());
            return new OptionalVocabulary(c != null && c.path("vocab_size").canConvertToInt()
                    ? c.path("vocab_size").asInt() : 0);
        } catch (IOException e) {
            throw new TrainingException(at(where) + ": config: " + configJson + " cannot be read as JSON ("
                    + firstLine(e.getMessage()) + ")");
        }
    }

    private Map<String, Node> mapping(MappingNode node, List<String> known, String context) throws TrainingException {
        Set<String> names = Set.copyOf(known);
        Map<String, Node> map = new LinkedHashMap<>();
        for (NodeTuple t : node.getValue()) {
            if (!(t.getKeyNode() instanceof ScalarNode key)) {
                throw new TrainingException(at(t.getKeyNode()) + ": keys of " + context + " are plain names");
            }
            String k = key.getValue();
            if (!names.contains(k)) {
                String other = OTHER_NAMES.get(k);
                if (other != null && known == KEYS) {
                    throw new TrainingException(at(key) + ": " + k + " is not a Kumiki setting: " + other);
                }
                if (known == KEYS && LORA_KEYS.contains(k)) {
                    throw new TrainingException(at(key) + ": " + k + " belongs in the lora: block: write it indented under "
                            + "lora:");
                }
                throw new TrainingException(at(key) + ": unknown key '" + k + "' in " + context
                        + suggestion(k, names) + " (known keys: " + String.join(", ", known) + ")");
            }
            map.put(k, t.getValueNode());
        }
        return map;
    }

    private static String suggestion(String word, Set<String> known) {
        return MergeConfigReader.nearest(word, known).map(s -> "; did you mean '" + s + "'?").orElse("");
    }

    private String at(Node n) {
        Mark m = n.getStartMark();
        return file + ":" + (m.getLine() + 1) + ":" + (m.getColumn() + 1);
    }

    private static boolean isNull(ScalarNode s) {
        return s.getTag().equals(Tag.NULL);
    }

    private ScalarNode scalar(Map<String, Node> m, String key, String expected) throws TrainingException {
        Node n = m.get(key);
        if (!(n instanceof ScalarNode s)) {
            throw new TrainingException(at(n) + ": " + key + " must be " + expected + "; found a "
                    + (n instanceof SequenceNode ? "list" : "block of keys"));
        }
        if (isNull(s)) {
            throw new TrainingException(at(n) + ": " + key + " has no value; give " + expected + " or leave the key "
                    + "out");
        }
        return s;
    }

    private String nonEmpty(ScalarNode s, String key) throws TrainingException {
        if (s.getValue().isBlank()) {
            throw new TrainingException(at(s) + ": " + key + " is empty");
        }
        return s.getValue().strip();
    }

    private String string(Map<String, Node> m, String key) throws TrainingException {
        return nonEmpty(scalar(m, key, "a name"), key);
    }

    private Path path(Map<String, Node> m, String key) throws TrainingException {
        String text = nonEmpty(scalar(m, key, "a path"), key);
        try {
            Path p = Path.of(text);
            return (p.isAbsolute() ? p : dir.resolve(p)).normalize();
        } catch (java.nio.file.InvalidPathException e) {
            throw new TrainingException(at(m.get(key)) + ": " + key + ": '" + text + "' is not a path ("
                    + e.getReason() + ")");
        }
    }

    /** " (relative to the settings file's folder DIR)" for a relative path, else "". */
    private String relative(Map<String, Node> m, String key) {
        String text = ((ScalarNode) m.get(key)).getValue().strip();
        return Path.of(text).isAbsolute() ? "" : " (relative to the settings file's folder " + dir + ")";
    }

    private int integer(Map<String, Node> m, String key, int min, int max, int fallback) throws TrainingException {
        return m.containsKey(key) ? integer(m, key, min, max, "at least " + min + (max == Integer.MAX_VALUE ? ""
                : " and at most " + max)) : fallback;
    }

    private int integer(Map<String, Node> m, String key, int min, int max, String range) throws TrainingException {
        ScalarNode s = scalar(m, key, "a whole number " + range);
        long v = wholeNumber(s, key, "a whole number " + range);
        if (v < min || v > max) {
            throw new TrainingException(at(s) + ": " + key + " must be " + range + "; found " + s.getValue());
        }
        return (int) v;
    }

    private long longInteger(Map<String, Node> m, String key, long fallback) throws TrainingException {
        if (!m.containsKey(key)) {
            return fallback;
        }
        ScalarNode s = scalar(m, key, "a whole number of 0 or more");
        long v = wholeNumber(s, key, "a whole number of 0 or more");
        if (v < 0) {
            throw new TrainingException(at(s) + ": " + key + " must be 0 or more; found " + s.getValue());
        }
        return v;
    }

    private long wholeNumber(ScalarNode s, String key, String expected) throws TrainingException {
        String text = s.getValue().strip().replace("_", "");
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            try {
                double d = Double.parseDouble(text);
                if (d == Math.rint(d) && Math.abs(d) < 9e15 && !text.contains(".")) {
                    return (long) d; // 1e3
                }
            } catch (NumberFormatException notANumber) {
                // the message below
            }
            throw new TrainingException(at(s) + ": " + key + " must be " + expected + "; found " + quoted(s));
        }
    }

    private double number(Map<String, Node> m, String key, double min, boolean minIncluded, double max,
            boolean maxIncluded, double fallback) throws TrainingException {
        if (!m.containsKey(key)) {
            return fallback;
        }
        String range = (minIncluded ? "at least " : "above ") + format(min) + (max == Double.MAX_VALUE ? ""
                : (maxIncluded ? " and at most " : " and below ") + format(max));
        ScalarNode s = scalar(m, key, "a number " + range);
        double v;
        try {
            // YAML 1.1 reads 5e-5 (no dot) as text; Hugging Face users write it so
            v = Double.parseDouble(s.getValue().strip().replace("_", ""));
        } catch (NumberFormatException e) {
            throw new TrainingException(at(s) + ": " + key + " must be a number " + range + "; found " + quoted(s));
        }
        if (!Double.isFinite(v) || (minIncluded ? v < min : v <= min) || (maxIncluded ? v > max : v >= max)) {
            throw new TrainingException(at(s) + ": " + key + " must be " + range + "; found " + s.getValue());
        }
        return v;
    }

    private boolean bool(Map<String, Node> m, String key, boolean fallback) throws TrainingException {
        if (!m.containsKey(key)) {
            return fallback;
        }
        ScalarNode s = scalar(m, key, "true or false");
        if (s.getTag().equals(Tag.BOOL)) {
            String v = s.getValue().toLowerCase(Locale.ROOT);
            return v.equals("true") || v.equals("yes") || v.equals("on") || v.equals("y");
        }
        throw new TrainingException(at(s) + ": " + key + " must be true or false; found " + quoted(s));
    }

    private static String quoted(ScalarNode s) {
        return "'" + s.getValue() + "'";
    }

    private static String format(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
