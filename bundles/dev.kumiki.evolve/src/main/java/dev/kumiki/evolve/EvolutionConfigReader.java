package dev.kumiki.evolve;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

import dev.kumiki.eval.tasks.ShippedTasks;
import dev.kumiki.evolve.EvolutionConfig.Bounds;
import dev.kumiki.evolve.EvolutionConfig.Budget;
import dev.kumiki.evolve.EvolutionConfig.Dfs;
import dev.kumiki.evolve.EvolutionConfig.FitnessSettings;
import dev.kumiki.evolve.EvolutionConfig.Hybrid;
import dev.kumiki.evolve.EvolutionConfig.NamedModel;
import dev.kumiki.evolve.EvolutionConfig.OptimizerSettings;
import dev.kumiki.evolve.EvolutionConfig.Ps;
import dev.kumiki.evolve.EvolutionConfig.Space;
import dev.kumiki.evolve.EvolutionConfig.TaskSpec;
import dev.kumiki.merge.MergeMethod;
import dev.kumiki.merge.MergeMethods;
import dev.kumiki.merge.ParameterDef;
import dev.kumiki.tensor.io.Names;
import dev.kumiki.tensor.io.YamlInput;

/**
 * Reads the settings file of {@code kumiki evolve CONFIG.yml} into an {@link EvolutionConfig}. The keys are the names
 * the EvolveMerge node's settings have, those of mergekit-evolve's genome, Optuna's CMA-ES sampler and Jenetics:
 * {@snippet lang = yaml :
 * models:                    # name → model folder; names are what recipes call the models
 *   ja: ../models/ja
 *   math: ../models/math
 * base: ../models/base       # a folder, or the name of one of the models
 * space: ps                  # ps (merge parameters), dfs (a path of layers) or hybrid
 * ps:
 *   method: dare_ties        # mergekit's merge_method
 *   parameters: [weight, density]
 *   layer_groups: 2          # contiguous groups of layers, each with parameters of its own (1: all layers)
 *   smooth: false            # true: the groups' values are points of a gradient over the layers (mergekit-evolve)
 *   bounds: {weight: [0, 1], density: [0.1, 1]}
 *   normalize: true          # left out: mergekit-evolve's default for the method
 *   allow_negative_weights: false
 * optimizer:
 *   name: cma-es             # cma-es, ga or nsga2
 *   population: 0            # 0: CMA-ES's 4 + floor(3 ln n), 16 for the GA and NSGA-II
 *   sigma: 0.1667            # the paper's 1/6
 * budget:
 *   generations: 20
 *   time_limit: 2h           # s, m, h; a number alone is seconds
 * fitness:
 *   tasks:
 *     - arith_ja             # a shipped task by name
 *     - {name: tasks/mine.yaml, weight: 2, metric: exact_match}
 *   search_split: train      # left out: each task's validation split, or its training split when it has none
 *   test_split: test         # left out: each task's evaluated split
 *   subsample: 32            # documents per task and generation; 0: all
 * seed: 42
 * output: out/evolve         # checkpoint, best recipe, history, Pareto front
 * }
 * A {@code dfs:} block takes {@code repeats} (the paper's r, 3), {@code scale_bounds} ([0.5, 1.5]), {@code max_length}
 * (0: no limit) and {@code scales} ({@code matrix}, the paper's; {@code per-layer}; {@code none}); a hybrid takes
 * {@code hybrid: {recipe: best.yml}} (a fixed merge) or a {@code ps:} block (a searched one) with the {@code dfs:}
 * block. Paths are relative to the settings file's folder. An unknown key, a value of the wrong type or out of range
 * is refused with an {@link EvolutionException} naming the file, the line and the key, and the nearest known key for
 * a misspelt one; keys of mergekit-evolve and Optuna that Kumiki names otherwise say what to write instead.
 */
public final class EvolutionConfigReader {
    /** The top-level keys, in the order the documentation lists them. */
    public static final List<String> KEYS = List.of("models", "base", "space", "ps", "dfs", "hybrid", "optimizer",
            "budget", "fitness", "seed", "output");
    /** The keys of the {@code ps:} block. */
    public static final List<String> PS_KEYS = List.of("method", "parameters", "layer_groups", "smooth", "bounds",
            "normalize", "allow_negative_weights");
    /** The keys of the {@code dfs:} block. */
    public static final List<String> DFS_KEYS = List.of("repeats", "scale_bounds", "max_length", "scales");
    /** The ways scales between layers are searched. */
    public static final List<String> SCALE_MODES = List.of("matrix", "per-layer", "none");
    /** The keys of the {@code hybrid:} block. */
    public static final List<String> HYBRID_KEYS = List.of("recipe");
    /** The keys of the {@code optimizer:} block. */
    public static final List<String> OPTIMIZER_KEYS = List.of("name", "population", "sigma");
    /** The keys of the {@code budget:} block. */
    public static final List<String> BUDGET_KEYS = List.of("generations", "time_limit");
    /** The keys of the {@code fitness:} block. */
    public static final List<String> FITNESS_KEYS = List.of("tasks", "metric", "search_split", "test_split",
            "subsample", "num_fewshot");
    /** The keys of a task given as a block in {@code fitness.tasks}. */
    public static final List<String> TASK_KEYS = List.of("name", "weight", "metric");
    /** The spaces. */
    public static final List<String> SPACES = List.of("ps", "dfs", "hybrid");

    /** The defaults of keys left out. */
    public static final int GENERATIONS = 20;
    public static final double SIGMA = 1.0 / 6;
    public static final long SEED = 42;
    public static final int REPEATS = 3;
    public static final Bounds SCALE_BOUNDS = new Bounds(0.5, 1.5);

    private static final Map<String, List<String>> BLOCKS = Map.of("ps", PS_KEYS, "dfs", DFS_KEYS, "hybrid",
            HYBRID_KEYS, "optimizer", OPTIMIZER_KEYS, "budget", BUDGET_KEYS, "fitness", FITNESS_KEYS);

    /**
     * Keys of mergekit-evolve, Optuna or Jenetics that Kumiki names differently or places elsewhere, with what to
     * write instead.
     */
    private static final Map<String, String> OTHER_NAMES = Map.ofEntries(
            Map.entry("genome", "mergekit-evolve's genome: block is Kumiki's ps: block (method, parameters, "
                    + "layer_groups, smooth, bounds, normalize, allow_negative_weights), with models and base at the top"),
            Map.entry("merge_method", "write method in the ps: block"),
            Map.entry("layer_granularity", "mergekit-evolve's layer_granularity counts layers per group; Kumiki "
                    + "counts groups: write layer_groups (8 layers in groups of 2: layer_groups: 4)"),
            Map.entry("base_model", "write base"),
            Map.entry("max_fevals", "Kumiki counts generations: write generations in the budget: block (evaluations "
                    + "are generations × population)"),
            Map.entry("n_trials", "Kumiki counts generations: write generations in the budget: block"),
            Map.entry("timeout", "write time_limit in the budget: block (e.g. 2h)"),
            Map.entry("popsize", "write population in the optimizer: block"),
            Map.entry("population_size", "write population in the optimizer: block"),
            Map.entry("sigma0", "write sigma in the optimizer: block"),
            Map.entry("strategy", "write name in the optimizer: block (cma-es, ga or nsga2)"),
            Map.entry("sampler", "write name in the optimizer: block (cma-es, ga or nsga2)"),
            Map.entry("max_generations", "write generations in the budget: block"),
            Map.entry("weights", "give each task's weight in fitness.tasks: - {name: TASK, weight: 2}"),
            Map.entry("random_seed", "write seed"),
            Map.entry("storage", "write output (the search's folder)"),
            Map.entry("output_dir", "write output"));

    private final Path file;
    private final Path dir;

    private EvolutionConfigReader(Path file) {
        this.file = file;
        Path parent = file.toAbsolutePath().normalize().getParent();
        this.dir = parent == null ? Path.of("").toAbsolutePath() : parent;
    }

    /**
     * Reads the settings file {@code file}.
     *
     * @throws IOException        when the file cannot be read (missing, a folder, not UTF-8), naming it
     * @throws EvolutionException when its content is wrong, naming the file, line and key
     */
    public static EvolutionConfig read(Path file) throws IOException, EvolutionException {
        return parse(file, YamlInput.readFile(file, "evolution settings file"));
    }

    /** Reads {@code text} as if it were the content of {@code file} (paths are relative to its folder). */
    public static EvolutionConfig parse(Path file, String text) throws EvolutionException {
        Node root;
        try {
            root = YamlInput.compose(text, null, YamlInput.Wording.WITH_HINTS);
        } catch (YamlInput.Refused e) {
            throw new EvolutionException(e.at(file) + ": " + e.getMessage());
        }
        if (!(root instanceof MappingNode top)) {
            throw new EvolutionException(file + ": evolution settings are a YAML mapping of keys (models, base, "
                    + "space, ps, optimizer, budget, fitness, output, …); this file " + (root == null ? "is empty"
                            : "is not a mapping"));
        }
        return new EvolutionConfigReader(file).config(top);
    }

    /** The per-model parameters of {@code method} a search can vary: the numeric ones. */
    public static List<String> searchable(MergeMethod method) {
        return method.modelParameters().stream().filter(p -> p.defaultValue().map(v -> !(v instanceof Boolean))
                .orElse(true)).map(ParameterDef::name).toList();
    }

    private EvolutionConfig config(MappingNode top) throws EvolutionException {
        Map<String, Node> m = mapping(top, KEYS, "the evolution settings");

        // models
        if (!m.containsKey("models")) {
            throw new EvolutionException(file + ": models is missing: name the models to merge, e.g.\nmodels:\n  ja: "
                    + "../models/ja\n  math: ../models/math");
        }
        Node modelsNode = m.get("models");
        if (!(modelsNode instanceof MappingNode modelsMap) || modelsMap.getValue().isEmpty()) {
            throw new EvolutionException(at(modelsNode) + ": models must be a block of name: folder lines, e.g.\n"
                    + "models:\n  ja: ../models/ja\n  math: ../models/math");
        }
        Map<String, Path> models = new LinkedHashMap<>();
        for (NodeTuple t : modelsMap.getValue()) {
            String name = ((ScalarNode) t.getKeyNode()).getValue();
            if (!(t.getValueNode() instanceof ScalarNode s) || isNull(s)) {
                throw new EvolutionException(at(t.getValueNode()) + ": models: " + name + " must be a model folder");
            }
            models.put(name, modelFolder(s, "models: " + name));
        }

        // base
        Optional<NamedModel> base = Optional.empty();
        if (m.containsKey("base")) {
            ScalarNode s = scalar(m, "base", "a model folder or the name of one of the models");
            String text = nonEmpty(s, "base");
            if (models.containsKey(text)) {
                base = Optional.of(new NamedModel(text, models.remove(text)));
            } else {
                base = Optional.of(new NamedModel(models.containsKey("base") ? "base_model" : "base",
                        modelFolder(s, "base")));
            }
        }
        if (models.isEmpty()) {
            throw new EvolutionException(at(modelsNode) + ": models names only the base; give the models to merge "
                    + "with it");
        }

        // space
        String kind = "ps";
        if (m.containsKey("space")) {
            kind = string(m, "space");
            if (!SPACES.contains(kind)) {
                throw new EvolutionException(at(m.get("space")) + ": space must be ps, dfs or hybrid; found '" + kind
                        + "'" + suggestion(kind, SPACES));
            }
        }
        for (String block : List.of("ps", "dfs", "hybrid")) {
            boolean used = switch (kind) {
                case "ps" -> block.equals("ps");
                case "dfs" -> block.equals("dfs");
                default -> true;
            };
            if (m.containsKey(block) && !used) {
                throw new EvolutionException(at(m.get(block)) + ": a " + block + ": block is given but space is "
                        + kind + (m.containsKey("space") ? "" : " (the default)") + "; write space: " + block
                        + (block.equals("hybrid") ? "" : " (or hybrid)") + ", or remove the block");
            }
        }
        Space space = switch (kind) {
            case "ps" -> ps(block(m, "ps"), base, models);
            case "dfs" -> dfs(block(m, "dfs"), models);
            default -> hybrid(m, base, models);
        };

        // optimizer
        OptimizerSettings optimizer = optimizer(m.get("optimizer"));
        Budget budget = budget(m.get("budget"));
        FitnessSettings fitness = fitness(m.get("fitness"), optimizer);
        long seed = SEED;
        if (m.containsKey("seed")) {
            ScalarNode s = scalar(m, "seed", "a whole number of 0 or more");
            seed = wholeNumber(s, "seed", "a whole number of 0 or more");
            if (seed < 0) {
                throw new EvolutionException(at(s) + ": seed must be 0 or more; found " + s.getValue());
            }
        }

        if (!m.containsKey("output")) {
            throw new EvolutionException(file + ": output is missing: the folder the search writes its checkpoint, "
                    + "best recipe, history and Pareto front to (output: out/evolve)");
        }
        Path output = path(scalar(m, "output", "a folder"), "output");
        List<Path> inputs = new ArrayList<>(models.values());
        base.ifPresent(b -> inputs.add(b.folder()));
        if (space instanceof Hybrid h) {
            h.recipe().ifPresent(inputs::add);
        }
        for (TaskSpec t : fitness.tasks()) {
            if (t.isFile()) {
                inputs.add(Path.of(t.name()));
            }
        }
        Optional<String> problem = outputProblem(output, inputs);
        if (problem.isPresent()) {
            throw new EvolutionException(at(m.get("output")) + ": output: " + problem.get());
        }
        return new EvolutionConfig(models, base, space, optimizer, budget, fitness, seed, output);
    }

    /**
     * Why the search's folder {@code out} cannot be written: it is an input, holds one or lies inside one, or is a
     * file. A search never writes into its inputs.
     */
    public static Optional<String> outputProblem(Path out, List<Path> inputs) {
        Path target = out.toAbsolutePath().normalize();
        for (Path in : inputs) {
            Path input = in.toAbsolutePath().normalize();
            if (target.equals(input) || input.startsWith(target) || target.startsWith(input)) {
                return Optional.of("the search's folder " + out + (target.equals(input) ? " is" : input.startsWith(
                        target) ? " contains" : " is inside") + " an input (" + in + "); give the search a folder of "
                                + "its own");
            }
        }
        if (Files.exists(target) && !Files.isDirectory(target)) {
            return Optional.of(out + " is an existing file; the search writes a folder: give another path");
        }
        return Optional.empty();
    }

    // --- blocks -------------------------------------------------------------------------------------------------

    private Ps ps(Optional<MappingNode> node, Optional<NamedModel> base, Map<String, Path> models)
            throws EvolutionException {
        Map<String, Node> m = node.isPresent() ? mapping(node.get(), PS_KEYS, "the ps: block") : Map.of();
        String method = "ties";
        if (m.containsKey("method")) {
            method = string(m, "method");
        }
        Optional<MergeMethod> found = MergeMethods.byName(method);
        if (found.isEmpty()) {
            throw new EvolutionException(at(m.get("method")) + ": method must be one of mergekit's merge methods ("
                    + String.join(", ", new TreeSet<>(MergeMethods.names())) + "); found '" + method + "'"
                    + suggestion(method, MergeMethods.names()));
        }
        MergeMethod mm = found.get();
        String where = m.containsKey("method") ? at(m.get("method")) : node.map(this::at).orElse(file.toString());
        List<String> searchable = searchable(mm);
        if (searchable.isEmpty()) {
            throw new EvolutionException(where + ": method " + method + " has no per-model parameter to search; "
                    + "choose a method with weights (linear, task_arithmetic, ties, dare_ties, …)");
        }
        if (mm.baseUse() == MergeMethod.BaseUse.REQUIRED && base.isEmpty()) {
            throw new EvolutionException(where + ": method " + method + " works on differences from a base model, "
                    + "and no base is given; write base: FOLDER (or the name of one of the models)");
        }
        if (mm.baseUse() == MergeMethod.BaseUse.NONE && base.isPresent()) {
            throw new EvolutionException(where + ": method " + method + " takes no base model, and base is given; "
                    + "remove base or choose a method that uses one (task_arithmetic, ties, dare_ties, …)");
        }
        if (models.size() + (base.isPresent() ? 1 : 0) < 2) {
            throw new EvolutionException(where + ": a merge needs two models or more; models names "
                    + String.join(", ", models.keySet()) + (base.isPresent() ? " and the base" : ""));
        }
        // task arithmetic keeps the whole task vector whatever its density: nothing to search there
        List<String> parameters = method.equals("task_arithmetic") ? List.of("weight") : searchable;
        if (m.containsKey("parameters")) {
            parameters = new ArrayList<>();
            for (Node item : list(m, "parameters", "the per-model parameters to search, e.g. [weight, density]")) {
                String p = itemName(item, "parameters");
                if (!searchable.contains(p)) {
                    throw new EvolutionException(at(item) + ": parameters: " + method + " has no per-model parameter "
                            + "'" + p + "'" + suggestion(p, searchable) + "; it has " + String.join(", ", searchable));
                }
                if (parameters.contains(p)) {
                    throw new EvolutionException(at(item) + ": parameters names " + p + " twice");
                }
                parameters.add(p);
            }
        }
        int groups = integer(m, "layer_groups", 1, 1 << 16, 1);
        boolean smooth = bool(m, "smooth", false);
        if (smooth && groups < 2) {
            throw new EvolutionException(at(m.get("smooth")) + ": smooth interpolates the values of two or more layer "
                    + "groups over the layers, and layer_groups is " + groups + "; write layer_groups: 2 or more, or "
                    + "leave smooth out");
        }
        boolean negative = bool(m, "allow_negative_weights", false);
        Map<String, Bounds> bounds = new LinkedHashMap<>();
        if (m.containsKey("bounds")) {
            if (!(m.get("bounds") instanceof MappingNode b)) {
                throw new EvolutionException(at(m.get("bounds")) + ": bounds must be a block of parameter: [min, max] "
                        + "lines, e.g. bounds: {weight: [0, 1], density: [0.1, 1]}");
            }
            for (NodeTuple t : b.getValue()) {
                String p = ((ScalarNode) t.getKeyNode()).getValue();
                if (!parameters.contains(p)) {
                    throw new EvolutionException(at(t.getKeyNode()) + ": bounds are given for '" + p + "', which is "
                            + "not searched" + suggestion(p, parameters) + "; the parameters searched are "
                            + String.join(", ", parameters));
                }
                Bounds bb = bounds(t.getValueNode(), "bounds: " + p, false);
                ParameterDef def = mm.modelParameters().stream().filter(d -> d.name().equals(p)).findFirst()
                        .orElseThrow();
                double lowest = p.equals("weight") && negative ? Double.NEGATIVE_INFINITY
                        : def.min().orElse(Double.NEGATIVE_INFINITY);
                if (p.equals("weight") && !negative && bb.min() < 0) {
                    throw new EvolutionException(at(t.getValueNode()) + ": bounds: weight goes below 0 but "
                            + "allow_negative_weights is false; raise the lower bound to 0 or write "
                            + "allow_negative_weights: true");
                }
                if (bb.min() < lowest || bb.max() > def.max().orElse(Double.POSITIVE_INFINITY)) {
                    throw new EvolutionException(at(t.getValueNode()) + ": bounds: " + p + " takes values in ["
                            + format(def.min().orElse(Double.NEGATIVE_INFINITY)) + ", "
                            + format(def.max().orElse(Double.POSITIVE_INFINITY)) + "]; found [" + format(bb.min()) + ", "
                            + format(bb.max()) + "]");
                }
                bounds.put(p, bb);
            }
        }
        Optional<Boolean> normalize = m.containsKey("normalize") ? Optional.of(bool(m, "normalize", false))
                : Optional.empty();
        return new Ps(method, parameters, groups, bounds, normalize, negative, smooth);
    }

    private Dfs dfs(Optional<MappingNode> node, Map<String, Path> models) throws EvolutionException {
        Dfs dfs = dfsSettings(node);
        if (models.size() < 2) {
            throw new EvolutionException(node.map(this::at).orElse(file.toString()) + ": a path of layers runs "
                    + "through two models or more; models names only " + String.join(", ", models.keySet()));
        }
        return dfs;
    }

    private Hybrid hybrid(Map<String, Node> top, Optional<NamedModel> base, Map<String, Path> models)
            throws EvolutionException {
        Optional<MappingNode> h = block(top, "hybrid");
        Map<String, Node> m = h.isPresent() ? mapping(h.get(), HYBRID_KEYS, "the hybrid: block") : Map.of();
        Optional<Path> recipe = Optional.empty();
        if (m.containsKey("recipe")) {
            ScalarNode s = scalar(m, "recipe", "a mergekit YAML file");
            Path p = path(s, "recipe");
            if (!Files.isRegularFile(p)) {
                throw new EvolutionException(at(s) + ": recipe: there is no file " + p + relative(s) + "; give the "
                        + "mergekit YAML of the merge the path runs through (e.g. the best.yml of a PS search)");
            }
            recipe = Optional.of(p);
        }
        if (recipe.isPresent() && top.containsKey("ps")) {
            throw new EvolutionException(at(top.get("ps")) + ": a hybrid takes either a fixed merge (hybrid: recipe) "
                    + "or a searched one (a ps: block), not both; remove one");
        }
        if (recipe.isEmpty() && !top.containsKey("ps")) {
            throw new EvolutionException(h.map(this::at).orElse(file.toString()) + ": space hybrid runs a path over a "
                    + "merge: give its recipe (hybrid: {recipe: best.yml}) or a ps: block to search it");
        }
        Optional<Ps> ps = recipe.isPresent() ? Optional.empty() : Optional.of(ps(block(top, "ps"), base, models));
        Dfs dfs = dfsSettings(block(top, "dfs"));
        return new Hybrid(recipe, ps, dfs);
    }

    private Dfs dfsSettings(Optional<MappingNode> node) throws EvolutionException {
        Map<String, Node> m = node.isPresent() ? mapping(node.get(), DFS_KEYS, "the dfs: block") : Map.of();
        String scales = "matrix";
        if (m.containsKey("scales")) {
            scales = string(m, "scales");
            if (!SCALE_MODES.contains(scales)) {
                throw new EvolutionException(at(m.get("scales")) + ": scales must be matrix (the paper's M × M "
                        + "scales), per-layer or none; found '" + scales + "'" + suggestion(scales, SCALE_MODES));
            }
        }
        return new Dfs(integer(m, "repeats", 1, 64, REPEATS), m.containsKey("scale_bounds")
                ? bounds(m.get("scale_bounds"), "scale_bounds", true) : SCALE_BOUNDS,
                integer(m, "max_length", 0, 1 << 20, 0), scales);
    }

    private OptimizerSettings optimizer(Node node) throws EvolutionException {
        if (node == null) {
            return new OptimizerSettings("cma-es", 0, SIGMA);
        }
        Map<String, Node> m;
        if (node instanceof ScalarNode s && !isNull(s)) {
            m = Map.of("name", s); // optimizer: ga
        } else if (node instanceof MappingNode b) {
            m = mapping(b, OPTIMIZER_KEYS, "the optimizer: block");
        } else {
            throw new EvolutionException(at(node) + ": optimizer must be a name (cma-es, ga or nsga2) or a block of "
                    + "keys (" + String.join(", ", OPTIMIZER_KEYS) + ")");
        }
        String name = "cma-es";
        if (m.containsKey("name")) {
            name = string(m, "name").toLowerCase(Locale.ROOT);
            if (name.equals("cmaes") || name.equals("cma")) {
                name = "cma-es";
            }
            if (!OptimizerSettings.NAMES.contains(name)) {
                throw new EvolutionException(at(m.get("name")) + ": the optimizer must be cma-es, ga or nsga2; found '"
                        + ((ScalarNode) m.get("name")).getValue() + "'" + suggestion(name, OptimizerSettings.NAMES));
            }
        }
        int population = integer(m, "population", 0, 1 << 16, 0);
        if (population == 1 || (population > 0 && population < 4 && !name.equals("ga"))) {
            throw new EvolutionException(at(m.get("population")) + ": population " + population + " is too small for "
                    + name + "; give 4 or more (0: the optimiser's default)");
        }
        double sigma = number(m, "sigma", 0, false, 1, true, SIGMA);
        return new OptimizerSettings(name, population, sigma);
    }

    private Budget budget(Node node) throws EvolutionException {
        if (node == null) {
            return new Budget(GENERATIONS, Optional.empty());
        }
        if (!(node instanceof MappingNode b)) {
            throw new EvolutionException(at(node) + ": budget must be a block of keys, e.g.\nbudget:\n  generations: "
                    + "20\n  time_limit: 2h");
        }
        Map<String, Node> m = mapping(b, BUDGET_KEYS, "the budget: block");
        int generations = integer(m, "generations", 1, 1_000_000, GENERATIONS);
        Optional<Duration> limit = Optional.empty();
        if (m.containsKey("time_limit")) {
            ScalarNode s = scalar(m, "time_limit", "a duration such as 90s, 30m or 2h");
            limit = Optional.of(duration(s));
        }
        return new Budget(generations, limit);
    }

    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(s|sec|m|min|h|d)?");

    private Duration duration(ScalarNode s) throws EvolutionException {
        Matcher matcher = DURATION.matcher(s.getValue().strip().toLowerCase(Locale.ROOT));
        if (!matcher.matches()) {
            throw new EvolutionException(at(s) + ": time_limit must be a duration such as 90s, 30m or 2h (a number "
                    + "alone is seconds); found '" + s.getValue() + "'");
        }
        double v = Double.parseDouble(matcher.group(1));
        String unit = matcher.group(2) == null ? "s" : matcher.group(2);
        double seconds = v * switch (unit) {
            case "m", "min" -> 60;
            case "h" -> 3600;
            case "d" -> 86400;
            default -> 1;
        };
        if (seconds < 1) {
            throw new EvolutionException(at(s) + ": time_limit must be at least 1 second; found '" + s.getValue()
                    + "'");
        }
        return Duration.ofMillis(Math.round(seconds * 1000));
    }

    private FitnessSettings fitness(Node node, OptimizerSettings optimizer) throws EvolutionException {
        if (node == null) {
            throw new EvolutionException(file + ": fitness is missing: the tasks candidates are scored on, e.g.\n"
                    + "fitness:\n  tasks: [arith_ja]");
        }
        if (!(node instanceof MappingNode b)) {
            throw new EvolutionException(at(node) + ": fitness must be a block of keys (" + String.join(", ",
                    FITNESS_KEYS) + "), e.g.\nfitness:\n  tasks: [arith_ja]");
        }
        Map<String, Node> m = mapping(b, FITNESS_KEYS, "the fitness: block");
        if (!m.containsKey("tasks")) {
            throw new EvolutionException(at(node) + ": fitness: tasks is missing: name a shipped task ("
                    + String.join(", ", shipped()) + ") or a task YAML file");
        }
        Optional<String> metric = m.containsKey("metric") ? Optional.of(string(m, "metric")) : Optional.empty();
        List<TaskSpec> tasks = new ArrayList<>();
        boolean weighted = false;
        Node tasksNode = m.get("tasks");
        List<Node> items = tasksNode instanceof ScalarNode s && !isNull(s) ? List.of(s)
                : list(m, "tasks", "a list of tasks");
        for (Node item : items) {
            TaskSpec t;
            if (item instanceof MappingNode tb) {
                Map<String, Node> tm = mapping(tb, TASK_KEYS, "a task of fitness.tasks");
                if (!tm.containsKey("name")) {
                    throw new EvolutionException(at(item) + ": a task block needs a name: a shipped task or a task "
                            + "YAML file");
                }
                String name = task(scalar(tm, "name", "a task name or file"));
                weighted |= tm.containsKey("weight");
                double weight = number(tm, "weight", 0, false, Double.MAX_VALUE, true, 1);
                Optional<String> own = tm.containsKey("metric") ? Optional.of(string(tm, "metric")) : metric;
                t = new TaskSpec(name, weight, own);
            } else if (item instanceof ScalarNode s && !isNull(s)) {
                t = new TaskSpec(task(s), 1, metric);
            } else {
                throw new EvolutionException(at(item) + ": a task is a name (arith_ja), a YAML file (tasks/mine.yaml)"
                        + " or a block {name: …, weight: …, metric: …}");
            }
            if (tasks.stream().anyMatch(x -> x.name().equals(t.name()))) {
                throw new EvolutionException(at(item) + ": fitness.tasks names " + t.name() + " twice");
            }
            tasks.add(t);
        }
        if (optimizer.multiObjective()) {
            if (tasks.size() < 2) {
                throw new EvolutionException(at(tasksNode) + ": nsga2 searches a Pareto front of two objectives or "
                        + "more, one per task, and fitness names one task; add a task, or use cma-es or ga");
            }
            if (weighted) {
                throw new EvolutionException(at(tasksNode) + ": nsga2 keeps each task an objective of its own, so "
                        + "task weights have no meaning; remove them, or use cma-es or ga for one weighted score");
            }
        }
        Optional<String> searchSplit = m.containsKey("search_split") ? Optional.of(string(m, "search_split"))
                : Optional.empty();
        Optional<String> testSplit = m.containsKey("test_split") ? Optional.of(string(m, "test_split"))
                : Optional.empty();
        if (searchSplit.isPresent() && searchSplit.equals(testSplit)) {
            throw new EvolutionException(at(m.get("test_split")) + ": search_split and test_split are both '"
                    + testSplit.get() + "'; the test split must be held out from the search: give two different "
                    + "splits");
        }
        int subsample = integer(m, "subsample", 0, Integer.MAX_VALUE, 0);
        // as lm-eval's --num_fewshot: every task gets that many solved examples instead of its own number
        Optional<Integer> numFewshot = m.containsKey("num_fewshot")
                ? Optional.of(integer(m, "num_fewshot", 0, Integer.MAX_VALUE, 0)) : Optional.empty();
        return new FitnessSettings(tasks, searchSplit, testSplit, subsample, numFewshot);
    }

    private static List<String> shipped() {
        return ShippedTasks.list().stream().map(ShippedTasks.Task::name).toList();
    }

    /** A shipped task's name, or the absolute path of a task file that exists. */
    private String task(ScalarNode s) throws EvolutionException {
        String name = nonEmpty(s, "task");
        TaskSpec probe = new TaskSpec(name, 1, Optional.empty());
        if (probe.isFile()) {
            Path p = path(s, "task");
            if (!Files.isRegularFile(p)) {
                throw new EvolutionException(at(s) + ": there is no task file " + p + relative(s) + "; give a task "
                        + "YAML file, or the name of a shipped task (" + String.join(", ", shipped()) + ")");
            }
            return p.toString();
        }
        List<String> shipped = shipped();
        if (!shipped.contains(name)) {
            throw new EvolutionException(at(s) + ": there is no task '" + name + "'" + Names.suggestion(name, shipped)
                    + "; the shipped tasks are " + String.join(", ", shipped) + " (kumiki tasks lists them), and a "
                    + "task YAML file is named by its path ending in .yaml");
        }
        return name;
    }

    // --- values ---------------------------------------------------------------------------------------------------

    private Optional<MappingNode> block(Map<String, Node> m, String key) throws EvolutionException {
        Node n = m.get(key);
        if (n == null || (n instanceof ScalarNode s && isNull(s))) {
            return Optional.empty();
        }
        if (!(n instanceof MappingNode b)) {
            throw new EvolutionException(at(n) + ": " + key + " must be a block of keys (" + String.join(", ",
                    BLOCKS.get(key)) + ")");
        }
        return Optional.of(b);
    }

    private Path modelFolder(ScalarNode s, String key) throws EvolutionException {
        Path p = path(s, key);
        if (!Files.isRegularFile(p.resolve("config.json"))) {
            throw new EvolutionException(at(s) + ": " + key + ": " + p + relative(s) + " is not a Hugging Face model "
                    + "folder (it has no config.json); give a local model folder, Kumiki downloads nothing");
        }
        return p;
    }

    private Bounds bounds(Node n, String key, boolean single) throws EvolutionException {
        if (!(n instanceof SequenceNode seq) || seq.getValue().size() != 2) {
            throw new EvolutionException(at(n) + ": " + key + " must be [min, max], two numbers");
        }
        double[] v = new double[2];
        for (int i = 0; i < 2; i++) {
            Node item = seq.getValue().get(i);
            if (!(item instanceof ScalarNode s)) {
                throw new EvolutionException(at(item) + ": " + key + " must be [min, max], two numbers");
            }
            try {
                v[i] = Double.parseDouble(s.getValue().strip().replace("_", ""));
            } catch (NumberFormatException e) {
                throw new EvolutionException(at(s) + ": " + key + " must be [min, max], two numbers; found '"
                        + s.getValue() + "'");
            }
            if (!Double.isFinite(v[i])) {
                throw new EvolutionException(at(s) + ": " + key + " must be finite; found '" + s.getValue() + "'");
            }
        }
        if (v[0] > v[1]) {
            throw new EvolutionException(at(n) + ": " + key + " [" + format(v[0]) + ", " + format(v[1]) + "] is empty: "
                    + "the minimum is above the maximum; write [" + format(v[1]) + ", " + format(v[0]) + "]");
        }
        if (v[0] == v[1] && !single) {
            throw new EvolutionException(at(n) + ": " + key + " [" + format(v[0]) + ", " + format(v[1]) + "] holds a "
                    + "single value, so there is nothing to search; widen it, or leave the parameter out of the search");
        }
        return new Bounds(v[0], v[1]);
    }

    private Map<String, Node> mapping(MappingNode node, List<String> known, String context)
            throws EvolutionException {
        Set<String> names = Set.copyOf(known);
        Map<String, Node> map = new LinkedHashMap<>();
        for (NodeTuple t : node.getValue()) {
            if (!(t.getKeyNode() instanceof ScalarNode key)) {
                throw new EvolutionException(at(t.getKeyNode()) + ": keys of " + context + " are plain names");
            }
            String k = key.getValue();
            if (!names.contains(k)) {
                String other = OTHER_NAMES.get(k);
                if (other != null) {
                    throw new EvolutionException(at(key) + ": " + k + " is not a Kumiki setting: " + other);
                }
                if (known == KEYS) {
                    for (Map.Entry<String, List<String>> b : BLOCKS.entrySet()) {
                        if (b.getValue().contains(k)) {
                            throw new EvolutionException(at(key) + ": " + k + " belongs in the " + b.getKey()
                                    + ": block: write it indented under " + b.getKey() + ":");
                        }
                    }
                }
                throw new EvolutionException(at(key) + ": unknown key '" + k + "' in " + context
                        + suggestion(k, names) + " (known keys: " + String.join(", ", known) + ")");
            }
            map.put(k, t.getValueNode());
        }
        return map;
    }

    private static String suggestion(String word, java.util.Collection<String> known) {
        return Names.nearest(word, known).map(s -> "; did you mean '" + s + "'?").orElse("");
    }

    private String at(Node n) {
        Mark m = n.getStartMark();
        return file + ":" + (m.getLine() + 1) + ":" + (m.getColumn() + 1);
    }

    private static boolean isNull(ScalarNode s) {
        return s.getTag().equals(Tag.NULL);
    }

    private static String kindOf(Node n) {
        return n instanceof SequenceNode ? "list" : n instanceof MappingNode ? "block of keys" : "value";
    }

    private ScalarNode scalar(Map<String, Node> m, String key, String expected) throws EvolutionException {
        Node n = m.get(key);
        if (!(n instanceof ScalarNode s)) {
            throw new EvolutionException(at(n) + ": " + key + " must be " + expected + "; found a " + kindOf(n));
        }
        if (isNull(s)) {
            throw new EvolutionException(at(n) + ": " + key + " has no value; give " + expected + " or leave the key "
                    + "out");
        }
        return s;
    }

    private List<Node> list(Map<String, Node> m, String key, String expected) throws EvolutionException {
        Node n = m.get(key);
        if (!(n instanceof SequenceNode seq) || seq.getValue().isEmpty()) {
            throw new EvolutionException(at(n) + ": " + key + " must be " + expected + " (a non-empty list)");
        }
        return seq.getValue();
    }

    private String itemName(Node item, String key) throws EvolutionException {
        if (!(item instanceof ScalarNode s) || isNull(s) || s.getValue().isBlank()) {
            throw new EvolutionException(at(item) + ": " + key + " lists names; this item is not a name");
        }
        return s.getValue().strip();
    }

    private String nonEmpty(ScalarNode s, String key) throws EvolutionException {
        if (s.getValue().isBlank()) {
            throw new EvolutionException(at(s) + ": " + key + " is empty");
        }
        return s.getValue().strip();
    }

    private String string(Map<String, Node> m, String key) throws EvolutionException {
        return nonEmpty(scalar(m, key, "a name"), key);
    }

    private Path path(ScalarNode s, String key) throws EvolutionException {
        String text = nonEmpty(s, key);
        try {
            Path p = Path.of(text);
            return (p.isAbsolute() ? p : dir.resolve(p)).normalize();
        } catch (InvalidPathException e) {
            throw new EvolutionException(at(s) + ": " + key + ": '" + text + "' is not a path (" + e.getReason()
                    + ")");
        }
    }

    /** " (relative to the settings file's folder DIR)" for a relative path, else "". */
    private String relative(ScalarNode s) {
        return Path.of(s.getValue().strip()).isAbsolute() ? "" : " (relative to the settings file's folder " + dir
                + ")";
    }

    private int integer(Map<String, Node> m, String key, int min, int max, int fallback) throws EvolutionException {
        if (!m.containsKey(key)) {
            return fallback;
        }
        String range = "a whole number of at least " + min + (max == Integer.MAX_VALUE ? "" : " and at most " + max);
        ScalarNode s = scalar(m, key, range);
        long v = wholeNumber(s, key, range);
        if (v < min || v > max) {
            throw new EvolutionException(at(s) + ": " + key + " must be " + range + "; found " + s.getValue());
        }
        return (int) v;
    }

    private long wholeNumber(ScalarNode s, String key, String expected) throws EvolutionException {
        String text = s.getValue().strip().replace("_", "");
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new EvolutionException(at(s) + ": " + key + " must be " + expected + "; found '" + s.getValue()
                    + "'");
        }
    }

    private double number(Map<String, Node> m, String key, double min, boolean minIncluded, double max,
            boolean maxIncluded, double fallback) throws EvolutionException {
        if (!m.containsKey(key)) {
            return fallback;
        }
        String range = (minIncluded ? "at least " : "above ") + format(min) + (max == Double.MAX_VALUE ? ""
                : (maxIncluded ? " and at most " : " and below ") + format(max));
        ScalarNode s = scalar(m, key, "a number " + range);
        double v;
        try {
            v = Double.parseDouble(s.getValue().strip().replace("_", ""));
        } catch (NumberFormatException e) {
            throw new EvolutionException(at(s) + ": " + key + " must be a number " + range + "; found '"
                    + s.getValue() + "'");
        }
        if (!Double.isFinite(v) || (minIncluded ? v < min : v <= min) || (maxIncluded ? v > max : v >= max)) {
            throw new EvolutionException(at(s) + ": " + key + " must be " + range + "; found " + s.getValue());
        }
        return v;
    }

    private boolean bool(Map<String, Node> m, String key, boolean fallback) throws EvolutionException {
        if (!m.containsKey(key)) {
            return fallback;
        }
        ScalarNode s = scalar(m, key, "true or false");
        if (s.getTag().equals(Tag.BOOL)) {
            String v = s.getValue().toLowerCase(Locale.ROOT);
            return v.equals("true") || v.equals("yes") || v.equals("on") || v.equals("y");
        }
        throw new EvolutionException(at(s) + ": " + key + " must be true or false; found '" + s.getValue() + "'");
    }

    private static String format(double v) {
        if (Double.isInfinite(v)) {
            return v > 0 ? "∞" : "-∞";
        }
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.valueOf(v);
    }
}
