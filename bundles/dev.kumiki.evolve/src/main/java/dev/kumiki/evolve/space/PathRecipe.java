package dev.kumiki.evolve.space;

import java.io.IOException;
import java.math.BigDecimal;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

import com.fasterxml.jackson.core.io.JsonStringEncoder;

import dev.kumiki.eval.report.AtomicFiles;
import dev.kumiki.llm.runtime.LayerPath;
import dev.kumiki.llm.runtime.RuntimeOptions;
import dev.kumiki.llm.runtime.Transformer;
import dev.kumiki.llm.runtime.TransformerLanguageModel;
import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.TensorInfo;
import dev.kumiki.tensor.io.ModelFolder;
import dev.kumiki.tensor.io.ModelWriter;
import dev.kumiki.tensor.io.OutputFolder;
import dev.kumiki.tensor.io.YamlInput;
import dev.kumiki.tensor.kernel.Kernels;

/**
 * A layer path written down: Kumiki's YAML for a data-flow merge (the data-flow and hybrid spaces' best recipe), read
 * back by {@code kumiki merge} and the runtime. The hidden state runs through the steps in order; the first model
 * supplies the embeddings, the final norm and the output head.
 * {@snippet lang=yaml :
 * # Kumiki layer path (data-flow merge): ...
 * kind: layer-path
 * models:
 *   - name: ja
 *     folder: models/ja           # relative to this file's folder, or absolute
 *   - name: math
 *     folder: /models/math
 * steps:                          # in order; scale multiplies the hidden state before the layer (default 1)
 *   - {model: ja, layer: 0}
 *   - {model: math, layer: 2, scale: 0.875}
 *   - {model: ja, layer: 1}
 * }
 * A model is either a {@code folder} (a Hugging Face model folder) or a {@code merge}: the mergekit YAML of a merge
 * computed in memory (the hybrid space's parameter-space result), held as text.
 *
 * @param models the models the steps name, at least one, names unique; the first supplies embeddings and head
 * @param steps  at least one
 */
public record PathRecipe(List<Model> models, List<Step> steps) {

    /** The value of the top-level {@code kind} key that marks a layer-path file. */
    public static final String KIND = "layer-path";

    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.\\-]*");

    /**
     * A model of a path.
     *
     * @param name   how the steps name it
     * @param folder its Hugging Face folder, or empty for a merge computed in memory
     * @param merge  the mergekit YAML of a merge computed in memory, or empty for a folder
     */
    public record Model(String name, Optional<Path> folder, Optional<String> merge) {
        public Model {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(folder, "folder");
            Objects.requireNonNull(merge, "merge");
            if (name.isBlank()) {
                throw new IllegalArgumentException("a path's model needs a name");
            }
            if (folder.isPresent() == merge.isPresent()) {
                throw new IllegalArgumentException("model '" + name + "' of a path needs either a folder or a merge"
                        + " recipe, " + (folder.isPresent() ? "found both" : "found neither"));
            }
        }

        /** A model in a folder. */
        public static Model folder(String name, Path folder) {
            return new Model(name, Optional.of(folder), Optional.empty());
        }

        /** A merge computed in memory from its mergekit YAML. */
        public static Model merge(String name, String mergekitYaml) {
            return new Model(name, Optional.empty(), Optional.of(mergekitYaml));
        }
    }

    /**
     * One step.
     *
     * @param model the model's name
     * @param layer the layer's index in that model
     * @param scale what the hidden state is multiplied by before the layer
     */
    public record Step(String model, int layer, double scale) {
        public Step {
            Objects.requireNonNull(model, "model");
            if (layer < 0) {
                throw new IllegalArgumentException("step through model '" + model + "': layer must be >= 0, found "
                        + layer);
            }
            if (!Double.isFinite(scale)) {
                throw new IllegalArgumentException("step through layer " + layer + " of '" + model + "': scale must "
                        + "be a finite number, found " + scale);
            }
        }
    }

    public PathRecipe {
        models = List.copyOf(models);
        steps = List.copyOf(steps);
        if (models.isEmpty()) {
            throw new IllegalArgumentException("a layer path needs at least one model");
        }
        if (steps.isEmpty()) {
            throw new IllegalArgumentException("a layer path needs at least one step");
        }
        Set<String> names = new LinkedHashSet<>();
        for (Model m : models) {
            if (!names.add(m.name())) {
                throw new IllegalArgumentException("model name '" + m.name() + "' is used twice; each model of a "
                        + "path needs its own name");
            }
        }
        for (int i = 0; i < steps.size(); i++) {
            if (!names.contains(steps.get(i).model())) {
                throw new IllegalArgumentException("step " + (i + 1) + " names model '" + steps.get(i).model()
                        + "', which is not among the models (" + String.join(", ", names) + ")");
            }
        }
    }

    /** The recipe of {@code path} through {@code models} (indices of the path's steps into that list). */
    public static PathRecipe of(List<Model> models, LayerPath path) {
        if (models.size() != path.models()) {
            throw new IllegalArgumentException("the path runs through " + path.models() + " models, "
                    + models.size() + " were named");
        }
        List<Step> steps = new ArrayList<>();
        for (LayerPath.Step s : path.steps()) {
            steps.add(new Step(models.get(s.model()).name(), s.layer(), s.scale()));
        }
        return new PathRecipe(models, steps);
    }

    /** The path with model indices into {@link #models()}, for {@code Transformer.path}. */
    public LayerPath toLayerPath() {
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < models.size(); i++) {
            index.put(models.get(i).name(), i);
        }
        List<LayerPath.Step> s = new ArrayList<>();
        for (Step step : steps) {
            s.add(new LayerPath.Step(index.get(step.model()), step.layer(), step.scale()));
        }
        return new LayerPath(models.size(), s);
    }

    /** The documented YAML: canonical (the same recipe always gives the same text), a comment first. */
    public String toYaml() {
        StringBuilder y = new StringBuilder();
        y.append("# Kumiki layer path (data-flow merge, see docs/evolution.md): the hidden state runs through the steps")
                .append(" in order;\n# the first model supplies the embeddings, the final norm and the output head.")
                .append(" scale multiplies the\n# hidden state before the step's layer (1 when absent).")
                .append(" Run it with `kumiki merge` or the runtime.\n");
        y.append("kind: ").append(KIND).append('\n');
        y.append("models:\n");
        for (Model m : models) {
            y.append("  - name: ").append(scalar(m.name())).append('\n');
            if (m.folder().isPresent()) {
                y.append("    folder: ").append(quoted(m.folder().get().toString())).append('\n');
            } else {
                y.append("    merge: |\n");
                for (String line : m.merge().get().strip().split("\n", -1)) {
                    y.append(line.isEmpty() ? "" : "      " + line.stripTrailing()).append('\n');
                }
            }
        }
        y.append("steps:\n");
        for (Step s : steps) {
            y.append("  - {model: ").append(scalar(s.model())).append(", layer: ").append(s.layer());
            if (s.scale() != 1) {
                y.append(", scale: ").append(number(s.scale()));
            }
            y.append("}\n");
        }
        return y.toString();
    }

    /**
     * Runs the path from its model folders, in memory (nothing is written): the models are opened now and closed with
     * the returned model; the first model's tokenizer encodes text.
     *
     * @throws IOException naming the file when a model cannot be opened, or the model when it is a merge computed in
     *         memory (a hybrid's path: open it through its {@link HybridSpace})
     * @throws IllegalArgumentException naming the model and config key when models' layers cannot share a path, or
     *         the step and model when a step names a layer its model does not have
     */
    public TransformerLanguageModel open(RuntimeOptions options) throws IOException {
        List<PathModels.Source> sources = new ArrayList<>();
        for (Model m : models) {
            if (m.folder().isEmpty()) {
                throw new InvalidPathRecipeException("model '" + m.name() + "' is a merge computed in memory (a "
                        + "hybrid search's path); save the merge (kumiki merge) and name its folder, or run the "
                        + "path from the hybrid search");
            }
            sources.add(PathModels.Folder.of(m.name(), m.folder().get()));
        }
        PathModels shared = new PathModels(sources);
        try {
            Transformer path = Transformer.path(shared.transformers(options), toLayerPath(), options, shared);
            return TransformerLanguageModel.of(path, shared.tokenizer());
        } catch (IOException | RuntimeException e) {
            shared.close();
            throw e;
        }
    }

    /**
     * Checks the recipe against its models' config.json files without reading weights: every model a folder with a
     * config the runtime runs, layers that can share a path with the first model's, every step's layer present.
     *
     * @throws IOException naming the file when a config.json cannot be read or is not a model the runtime runs, or
     *         the model when it is a merge computed in memory
     * @throws IllegalArgumentException naming the model and the key, or the step and the layer
     */
    public void check() throws IOException {
        List<PathModels.Source> sources = new ArrayList<>();
        for (Model m : models) {
            if (m.folder().isEmpty()) {
                throw new InvalidPathRecipeException("model '" + m.name() + "' is a merge computed in memory (a "
                        + "hybrid search's path); save the merge (kumiki merge) and name its folder, or run the "
                        + "path from the hybrid search");
            }
            sources.add(PathModels.Folder.of(m.name(), m.folder().get()));
        }
        new PathModels(sources).close(); // checks that the layers can share a path; opens nothing
        LayerPath path = toLayerPath();
        for (int i = 0; i < path.length(); i++) {
            LayerPath.Step st = path.steps().get(i);
            int layers = sources.get(st.model()).config().layers();
            if (st.layer() >= layers) {
                throw new IllegalArgumentException("step " + i + " of the path takes layer " + st.layer() + " of "
                        + models.get(st.model()).name() + ", which has " + layers + " layers (num_hidden_layers; "
                        + "indices 0 to " + (layers - 1) + ")");
            }
        }
    }

    /** The file {@link #save} writes the recipe into, beside the model (as mergekit writes mergekit_config.yml). */
    public static final String SAVED_RECIPE = "layer_path.yml";

    /**
     * Writes the path as an ordinary model folder that any Llama-family runtime runs: the first model's embeddings,
     * final norm, head, config.json ({@code num_hidden_layers} the path's length) and tokenizer files, and each step's
     * layer renumbered. A scale cannot be a weight of the residual stream, but RMSNorm does not see a common factor:
     * with S the product of the scales up to a step, the step's o_proj (and its bias) and down_proj are divided by S,
     * which computes the scaled hidden state divided by S, and the final norm removes S. The result equals the path
     * exactly where every scale is 1, and otherwise up to {@code rms_norm_eps} and the rounding of the divided
     * weights to their dtype. The folder is written aside and swapped in when complete.
     *
     * @throws IOException naming the model or the file when a model cannot be read or the output cannot be written
     * @throws IllegalArgumentException as {@link #open} for models that cannot share a path or a missing layer, and
     *         naming the folder when {@code out} cannot receive a model (it must be new, empty or a model Kumiki
     *         wrote, and none of the inputs)
     */
    public void save(Path out, Kernels kernels) throws IOException {
        save(out, kernels, ModelWriter.DEFAULT_SHARD_BYTES, Optional.empty());
    }

    /**
     * {@link #save(Path, Kernels)} in shards of at most {@code shardBytes}, and in {@code dtype} when given (else in
     * each tensor's stored type).
     *
     * @return the tensors written and their bytes
     */
    public Saved save(Path out, Kernels kernels, long shardBytes, Optional<DType> dtype) throws IOException {
        check();
        List<ModelFolder> folders = new ArrayList<>();
        try {
            for (Model m : models) {
                folders.add(ModelFolder.open(m.folder().get()));
            }
            List<PathTensor> planned = tensors(folders, dtype);
            ModelFolder first = folders.get(0);
            List<Path> inputs = folders.stream().map(ModelFolder::dir).toList();
            long bytes = 0;
            try (OutputFolder output = OutputFolder.begin(out, inputs)) {
                Path staging = output.staging();
                try (ModelWriter w = ModelWriter.create(staging, planned.stream().map(PathTensor::info).toList(),
                        shardBytes, Map.of("format", "pt"))) {
                    for (PathTensor p : planned) {
                        MemorySegment data = folders.get(p.model()).tensor(p.name()).data();
                        TensorInfo stored = folders.get(p.model()).info(p.name()).orElseThrow();
                        if (p.divisor() != 1 || stored.dtype() != p.info().dtype()) {
                            float[] v = values(p, folders, kernels);
                            data = MemorySegment.ofArray(new byte[Math.toIntExact(p.info().byteSize())]);
                            kernels.store(v, 0, v.length, data, p.info().dtype(), 0);
                        }
                        w.write(p.info().name(), 0, data);
                        bytes += p.info().byteSize();
                    }
                    w.commit();
                }
                com.fasterxml.jackson.databind.node.ObjectNode config = (com.fasterxml.jackson.databind.node.ObjectNode)
                        new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                                first.dir().resolve(ModelFolder.CONFIG).toFile());
                config.put("num_hidden_layers", toLayerPath().length());
                config.remove("layer_types"); // one entry per layer of the first model: no longer true
                dtype.ifPresent(d -> config.put("torch_dtype", switch (d) {
                    case BF16 -> "bfloat16";
                    case F16 -> "float16";
                    default -> "float32";
                }));
                Files.writeString(staging.resolve(ModelFolder.CONFIG), new com.fasterxml.jackson.databind.ObjectMapper()
                        .writerWithDefaultPrettyPrinter().writeValueAsString(config) + "\n");
                try (var files = Files.list(first.dir())) {
                    for (Path file : files.toList()) {
                        String name = file.getFileName().toString();
                        boolean weights = name.endsWith(".safetensors") || name.equals(ModelFolder.INDEX)
                                || name.equals(ModelFolder.CONFIG) || name.startsWith(".");
                        if (!weights && Files.isRegularFile(file) && (name.startsWith("tokenizer")
                                || name.equals("special_tokens_map.json") || name.equals("chat_template.jinja")
                                || name.equals("generation_config.json") || name.endsWith(".model")
                                || name.equals("vocab.json") || name.equals("merges.txt"))) {
                            Files.copy(file, staging.resolve(name));
                        }
                    }
                }
                Files.writeString(staging.resolve(SAVED_RECIPE), toYaml());
                output.commit();
            }
            return new Saved(planned.size(), bytes);
        } finally {
            folders.forEach(ModelFolder::close);
        }
    }

    /** What {@link #save(Path, Kernels, long, Optional)} wrote. */
    public record Saved(int tensors, long bytes) {
    }

    /**
     * One tensor of the path as a model folder: its name, type and shape there, the model (index into
     * {@link #models()}) and tensor it comes from, and the divisor of its values (the product of the scales up to its
     * step, for a step's o_proj and down_proj; 1 elsewhere).
     */
    public record PathTensor(TensorInfo info, int model, String name, double divisor) {
    }

    /**
     * The tensors of the path as a model folder, in order — the first model's embeddings, each step's layer
     * renumbered, the first model's final norm and head — read from {@code folders} (the models' folders, in
     * order), in {@code dtype} when given.
     */
    public List<PathTensor> tensors(List<ModelFolder> folders, Optional<DType> dtype) {
        LayerPath path = toLayerPath();
        List<PathTensor> planned = new ArrayList<>();
        ModelFolder first = folders.get(0);
        java.util.function.Function<TensorInfo, TensorInfo> typed = t -> dtype.filter(d -> t.dtype().isFloatingPoint())
                .map(d -> new TensorInfo(t.name(), d, t.shape())).orElse(t);
        for (String n : first.names()) {
            if (!n.startsWith("model.layers.") && n.startsWith("model.embed")) {
                planned.add(new PathTensor(typed.apply(first.info(n).orElseThrow()), 0, n, 1));
            }
        }
        double cumulative = 1;
        for (int i = 0; i < path.length(); i++) {
            LayerPath.Step st = path.steps().get(i);
            cumulative *= st.scale();
            ModelFolder f = folders.get(st.model());
            String prefix = "model.layers." + st.layer() + ".";
            for (String n : f.names()) {
                if (n.startsWith(prefix)) {
                    String rest = n.substring(prefix.length());
                    boolean residual = rest.startsWith("self_attn.o_proj.") || rest.startsWith("mlp.down_proj.");
                    TensorInfo in = f.info(n).orElseThrow();
                    planned.add(new PathTensor(typed.apply(new TensorInfo("model.layers." + i + "." + rest,
                            in.dtype(), in.shape())), st.model(), n, residual ? cumulative : 1));
                }
            }
        }
        for (String n : first.names()) {
            if (!n.startsWith("model.layers.") && !n.startsWith("model.embed")) {
                planned.add(new PathTensor(typed.apply(first.info(n).orElseThrow()), 0, n, 1));
            }
        }
        return planned;
    }

    /**
     * The values of {@code t} as float32, divided by its divisor and rounded to its type, as the saved model holds
     * them.
     */
    public static float[] values(PathTensor t, List<ModelFolder> folders, Kernels kernels) throws IOException {
        ModelFolder f = folders.get(t.model());
        TensorInfo stored = f.info(t.name()).orElseThrow();
        int n = Math.toIntExact(stored.shape().elements());
        float[] v = new float[n];
        kernels.load(f.tensor(t.name()).data(), stored.dtype(), 0, v, 0, n);
        if (t.divisor() != 1) {
            float inv = (float) (1 / t.divisor());
            for (int k = 0; k < n; k++) {
                v[k] *= inv;
            }
        }
        if (t.divisor() != 1 || stored.dtype() != t.info().dtype()) {
            // what the file will hold: rounded to the written type
            MemorySegment rounded = MemorySegment.ofArray(new byte[Math.toIntExact(t.info().byteSize())]);
            kernels.store(v, 0, n, rounded, t.info().dtype(), 0);
            kernels.load(rounded, t.info().dtype(), 0, v, 0, n);
        }
        return v;
    }

    /** Writes {@link #toYaml()} to {@code file} atomically (a temporary name, then a rename). */
    public void write(Path file) throws IOException {
        AtomicFiles.writeString(file, toYaml());
    }

    /** A number as written: no exponent, no trailing zeros. */
    static String number(double v) {
        return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }

    private static String scalar(String s) {
        return PLAIN.matcher(s).matches() && !List.of("true", "false", "null", "yes", "no", "on", "off", "y", "n")
                .contains(s.toLowerCase(java.util.Locale.ROOT)) ? s : quoted(s);
    }

    private static String quoted(String s) {
        // a JSON string is a YAML double-quoted scalar
        return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(s)) + "\"";
    }

    /** A layer-path file that cannot be used: the message names the file, the line and what to change. */
    public static final class InvalidPathRecipeException extends IOException {
        private static final long serialVersionUID = 1L;

        InvalidPathRecipeException(String message) {
            super(message);
        }
    }

    /**
     * Whether {@code file} is a layer-path file (a YAML mapping whose {@code kind} is {@value #KIND}), as opposed to a
     * mergekit recipe; false for anything that cannot be read.
     */
    public static boolean isPathRecipe(Path file) {
        try {
            Node root = YamlInput.compose(YamlInput.readFile(file, "recipe"), null, YamlInput.Wording.WITH_HINTS);
            if (root instanceof MappingNode map) {
                for (NodeTuple t : map.getValue()) {
                    if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals("kind")) {
                        return t.getValueNode() instanceof ScalarNode v && v.getValue().equals(KIND);
                    }
                }
            }
            return false;
        } catch (IOException | YamlInput.Refused | RuntimeException e) {
            return false;
        }
    }

    /**
     * Reads a layer-path file; relative folders are resolved against the file's folder.
     *
     * @throws InvalidPathRecipeException naming {@code FILE:LINE:COLUMN}, the key, what was expected and found
     * @throws IOException when the file cannot be read
     */
    public static PathRecipe read(Path file) throws IOException {
        String text = YamlInput.readFile(file, "layer-path file");
        Path dir = file.toAbsolutePath().getParent();
        return parse(text, dir, file.toString());
    }

    /**
     * Reads layer-path YAML.
     *
     * @param dir    where relative folders are resolved from
     * @param source the text's origin for messages (a file name)
     * @throws InvalidPathRecipeException naming {@code source:LINE:COLUMN}, the key, what was expected and found
     */
    public static PathRecipe parse(String text, Path dir, String source) throws InvalidPathRecipeException {
        Node root;
        try {
            root = YamlInput.compose(text, null, YamlInput.Wording.WITH_HINTS);
        } catch (YamlInput.Refused e) {
            throw new InvalidPathRecipeException(e.at(source) + ": " + e.getMessage());
        }
        return new Parser(source, dir).recipe(root);
    }

    /** Walks the node graph, every problem reported at its line. */
    private record Parser(String source, Path dir) {

        InvalidPathRecipeException error(Node at, String problem) {
            String where = at == null ? source : source + ":" + (at.getStartMark().getLine() + 1) + ":"
                    + (at.getStartMark().getColumn() + 1);
            return new InvalidPathRecipeException(where + ": " + problem);
        }

        Map<String, Node> mapping(Node n, String what, List<String> known) throws InvalidPathRecipeException {
            if (!(n instanceof MappingNode map)) {
                throw error(n, what + " must be a mapping (key: value lines), found " + describe(n));
            }
            Map<String, Node> out = new java.util.LinkedHashMap<>();
            for (NodeTuple t : map.getValue()) {
                if (!(t.getKeyNode() instanceof ScalarNode k)) {
                    throw error(t.getKeyNode(), "keys of " + what + " must be plain words");
                }
                if (!known.contains(k.getValue())) {
                    throw error(k, what + " has no key '" + k.getValue() + "'"
                            + dev.kumiki.tensor.io.Names.nearest(k.getValue(), known)
                                    .map(s -> " (did you mean '" + s + "'?)").orElse("")
                            + "; its keys are " + String.join(", ", known));
                }
                out.put(k.getValue(), t.getValueNode());
            }
            return out;
        }

        Node required(Map<String, Node> map, String key, Node parent, String what) throws InvalidPathRecipeException {
            Node n = map.get(key);
            if (n == null) {
                throw error(parent, what + " has no '" + key + "'");
            }
            return n;
        }

        String text(Node n, String what) throws InvalidPathRecipeException {
            if (!(n instanceof ScalarNode s) || s.getValue().isBlank()) {
                throw error(n, what + " must be a non-empty text, found " + describe(n));
            }
            return s.getValue();
        }

        static String describe(Node n) {
            if (n instanceof ScalarNode s) {
                return "'" + s.getValue() + "'";
            }
            return n instanceof SequenceNode ? "a list" : n instanceof MappingNode ? "a mapping" : "nothing";
        }

        PathRecipe recipe(Node root) throws InvalidPathRecipeException {
            if (root == null) {
                throw error(null, "is empty; a layer path has kind: " + KIND + ", models and steps");
            }
            Map<String, Node> top = mapping(root, "a layer-path file", List.of("kind", "models", "steps"));
            Node kind = top.get("kind");
            if (kind == null) {
                throw error(root, "has no 'kind: " + KIND + "'; is this a mergekit recipe rather than a layer path?");
            }
            if (!(kind instanceof ScalarNode k) || !k.getValue().equals(KIND)) {
                throw error(kind, "kind must be '" + KIND + "', found " + describe(kind));
            }
            Node modelsNode = required(top, "models", root, "a layer-path file");
            if (!(modelsNode instanceof SequenceNode modelList) || modelList.getValue().isEmpty()) {
                throw error(modelsNode, "models must be a list of at least one {name, folder} entry, found "
                        + describe(modelsNode));
            }
            List<Model> models = new ArrayList<>();
            Map<String, Node> seen = new java.util.LinkedHashMap<>();
            for (Node m : modelList.getValue()) {
                Map<String, Node> e = mapping(m, "a model entry", List.of("name", "folder", "merge"));
                String name = text(required(e, "name", m, "a model entry"), "name");
                if (seen.containsKey(name)) {
                    throw error(e.get("name"), "model name '" + name + "' is used twice (first at line "
                            + (seen.get(name).getStartMark().getLine() + 1) + "); each model needs its own name");
                }
                seen.put(name, e.get("name"));
                Node folder = e.get("folder");
                Node merge = e.get("merge");
                if ((folder == null) == (merge == null)) {
                    throw error(m, "model '" + name + "' needs either 'folder' (a model folder) or 'merge' (a "
                            + "mergekit recipe computed in memory), " + (folder == null ? "found neither" : "found both"));
                }
                if (folder != null) {
                    Path p = Path.of(text(folder, "folder of model '" + name + "'"));
                    models.add(Model.folder(name, dir == null || p.isAbsolute() ? p : dir.resolve(p).normalize()));
                } else {
                    models.add(Model.merge(name, text(merge, "merge of model '" + name + "'")));
                }
            }
            Node stepsNode = required(top, "steps", root, "a layer-path file");
            if (!(stepsNode instanceof SequenceNode stepList) || stepList.getValue().isEmpty()) {
                throw error(stepsNode, "steps must be a list of at least one {model, layer, scale} entry, found "
                        + describe(stepsNode));
            }
            List<Step> steps = new ArrayList<>();
            for (Node s : stepList.getValue()) {
                Map<String, Node> e = mapping(s, "a step", List.of("model", "layer", "scale"));
                Node modelNode = required(e, "model", s, "a step");
                String model = text(modelNode, "model of a step");
                if (!seen.containsKey(model)) {
                    throw error(modelNode, "step names model '" + model + "', which is not among the models ("
                            + String.join(", ", seen.keySet()) + ")"
                            + dev.kumiki.tensor.io.Names.nearest(model, seen.keySet())
                                    .map(n -> "; did you mean '" + n + "'?").orElse(""));
                }
                Node layerNode = required(e, "layer", s, "a step");
                int layer;
                try {
                    layer = Integer.parseInt(text(layerNode, "layer"));
                } catch (NumberFormatException x) {
                    layer = -1;
                }
                if (layer < 0) {
                    throw error(layerNode, "layer must be a whole number >= 0 (the layer's index in model '" + model
                            + "'), found " + describe(layerNode));
                }
                double scale = 1;
                Node scaleNode = e.get("scale");
                if (scaleNode != null) {
                    try {
                        scale = Double.parseDouble(text(scaleNode, "scale"));
                    } catch (NumberFormatException x) {
                        scale = Double.NaN;
                    }
                    if (!Double.isFinite(scale)) {
                        throw error(scaleNode, "scale must be a number (what the hidden state is multiplied by "
                                + "before the layer), found " + describe(scaleNode));
                    }
                }
                steps.add(new Step(model, layer, scale));
            }
            return new PathRecipe(models, steps);
        }
    }
}
