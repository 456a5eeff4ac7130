package dev.kumiki.nodes;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.eclipse.emf.ecore.EClass;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.kumiki.engine.ConfigureContext;
import dev.kumiki.engine.ExecuteContext;
import dev.kumiki.engine.Inputs;
import dev.kumiki.engine.NodeKind;
import dev.kumiki.engine.Port;
import dev.kumiki.engine.PortSpec;
import dev.kumiki.engine.PortValue;
import dev.kumiki.eval.task.TaskConfig;
import dev.kumiki.eval.task.TaskException;
import dev.kumiki.eval.task.TaskReader;
import dev.kumiki.evolve.EvolutionConfig;
import dev.kumiki.evolve.EvolutionConfigReader;
import dev.kumiki.evolve.EvolutionException;
import dev.kumiki.evolve.EvolutionSetup;
import dev.kumiki.evolve.GenerationReport;
import dev.kumiki.evolve.ScoredCandidate;
import dev.kumiki.evolve.Search;
import dev.kumiki.evolve.SearchCheckpoint;
import dev.kumiki.evolve.SearchResult;
import dev.kumiki.merge.MergeMethod;
import dev.kumiki.merge.MergeMethods;
import dev.kumiki.merge.MergePlanner;
import dev.kumiki.merge.ParameterDef;
import dev.kumiki.merge.config.ConfigException;
import dev.kumiki.merge.config.MergeConfig;
import dev.kumiki.nodes.settings.EvolveMerge;
import dev.kumiki.nodes.settings.NodesPackage;
import dev.kumiki.nodes.settings.ParameterBounds;
import dev.kumiki.tensor.io.Names;

/**
 * EvolveMerge: an evolutionary search ({@link Search}) over the models at its inputs, with the settings of
 * {@code kumiki evolve} ({@link EvolutionConfigReader}'s names and defaults). Configure checks, from headers and task
 * files only, what would otherwise fail the first candidate: unknown tasks and metrics (nearest names suggested), empty
 * bounds, parameters the method does not have, a method that needs a base without one, models whose shapes cannot be
 * merged (a recipe of the space planned from the headers) or share no path of layers.
 *
 * <p>Execute runs the search in the node's search folder (the {@code output} setting, else
 * {@code .kumiki/evolve/NODE/<identity>} beside the pipeline, one folder per search definition): a checkpoint there
 * is resumed, so a cancelled run (the checkpoint of the last whole generation is kept) or a crashed one continues where
 * it stopped; a finished search is kept in the engine's cache, so that a run with the same settings and inputs takes
 * its best model from there without opening the search again. Progress is generation/generations. After each generation it reports these series through
 * {@link ExecuteContext#metric} (step = the generation, from 1), which the Studio's Results view charts live and the
 * run record keeps:
 * <ul>
 * <li>{@value #BEST} and {@value #MEAN}: the best and the mean fitness of the generation's candidates (a search with
 * one objective: the task's score, or the tasks' weighted mean);</li>
 * <li>{@code best/OBJECTIVE} and {@code mean/OBJECTIVE}, per objective, for a multi-objective (nsga2) search, where
 * OBJECTIVE is {@code TASK/METRIC} (e.g. {@code best/arith_ja/exact_match});</li>
 * <li>{@code param/NAME}: each decoded parameter of the best candidate so far, NAME as the search space names it
 * ({@code MODEL/PARAMETER/LAYERS}, e.g. {@code param/ja/weight/layers 0-3}; a path's names have no model);</li>
 * <li>{@code pareto/OBJECTIVE} (multi-objective only): the non-dominated candidates so far, one point per candidate and
 * objective, in the same candidate order for every objective of a generation.</li>
 * </ul>
 * Outputs: the best model (a handle computed when read: {@link EvolvedModel}), the best recipe ({@code best.yml}), the
 * history ({@code history.jsonl}, one line per generation) and the Pareto front ({@code pareto.jsonl}, one line per
 * non-dominated candidate with its recipe, parameters and fitness; the best candidate alone for one objective).
 */
public final class EvolveMergeKind implements NodeKind<EvolveMerge> {
    /** The best fitness of each generation (one objective). */
    public static final String BEST = "best";
    /** The mean fitness of each generation (one objective). */
    public static final String MEAN = "mean";
    /** Prefix of the best candidate's parameters. */
    public static final String PARAMETER = "param/";
    /** Prefix of the Pareto front's points. */
    public static final String PARETO = "pareto/";
    /** The Pareto front's file in the search folder. */
    public static final String PARETO_FILE = "pareto.jsonl";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public EClass settingsClass() {
        return NodesPackage.Literals.EVOLVE_MERGE;
    }

    @Override
    public List<Port> inputs() {
        return List.of(new Port("models", ModelPorts.MODEL, "the models to merge (model folders), in order; a path's "
                + "first model supplies embeddings, head and tokenizer", false, true),
                new Port("base", ModelPorts.MODEL, "the base model, for methods that merge task vectors", true, false));
    }

    @Override
    public List<Port> outputs() {
        return List.of(Port.of("model", ModelPorts.MODEL, "the best model found, computed while it is read"),
                Port.of("recipe", ModelPorts.FILE, "the best recipe: mergekit YAML (ps) or Kumiki's layer-path YAML "
                        + "(dfs, hybrid)"),
                Port.of("history", ModelPorts.FILE, "history.jsonl: one line per generation"),
                Port.of("pareto", ModelPorts.FILE, "pareto.jsonl: the non-dominated candidates (several tasks with "
                        + "nsga2; the best alone otherwise)"));
    }

    // --- settings to the library's configuration ------------------------------------------------------------------

    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(s|sec|m|min|h|d)?");

    static Optional<Duration> timeLimit(String text) {
        if (text == null || text.isBlank()) {
            return Optional.empty();
        }
        Matcher m = DURATION.matcher(text.strip().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("time_limit must be a duration such as 90s, 30m or 2h (a number alone "
                    + "is seconds); found '" + text + "'");
        }
        double v = Double.parseDouble(m.group(1)) * switch (m.group(2) == null ? "s" : m.group(2)) {
            case "m", "min" -> 60;
            case "h" -> 3600;
            case "d" -> 86400;
            default -> 1;
        };
        if (v < 1) {
            throw new IllegalArgumentException("time_limit must be at least 1 second; found '" + text + "'");
        }
        return Optional.of(Duration.ofMillis(Math.round(v * 1000)));
    }

    /** The settings and inputs as the library's configuration; problems go to {@code c} (empty when any). */
    static Optional<EvolutionConfig> config(EvolveMerge s, Inputs<? extends Object> inputs, ConfigureContext c) {
        boolean ok = true;
        Map<String, Path> models = new LinkedHashMap<>();
        for (var in : inputs.all("models")) {
            Optional<Path> folder = folder(in.value(), in.fromNode(), "models", c);
            if (folder.isEmpty()) {
                ok = false;
            } else {
                models.put(in.fromNode(), folder.get());
            }
        }
        Optional<EvolutionConfig.NamedModel> base = Optional.empty();
        List<? extends Inputs.Connected<?>> b = inputs.all("base");
        if (!b.isEmpty()) {
            Optional<Path> folder = folder(b.get(0).value(), b.get(0).fromNode(), "base", c);
            if (folder.isEmpty()) {
                ok = false;
            } else {
                base = Optional.of(new EvolutionConfig.NamedModel(b.get(0).fromNode(), folder.get()));
            }
        }
        String kind = s.getSpace().getLiteral();
        // the parameter space
        String methodName = s.getMethod().getLiteral();
        MergeMethod method = MergeMethods.byName(methodName).orElseThrow();
        List<String> searchable = EvolutionConfigReader.searchable(method);
        List<String> parameters = s.getParameters().isEmpty() ? (methodName.equals("task_arithmetic")
                ? List.of("weight") : searchable) : List.copyOf(s.getParameters());
        boolean ps = !kind.equals("dfs") && (s.getRecipe() == null || s.getRecipe().isBlank());
        if (ps) {
            if (searchable.isEmpty()) {
                c.error("method", "method " + methodName + " has no per-model parameter to search; choose a method "
                        + "with weights (linear, task_arithmetic, ties, dare_ties, …)");
                ok = false;
            }
            for (String p : parameters) {
                if (!searchable.contains(p)) {
                    c.error("parameters", methodName + " has no per-model parameter '" + p + "'"
                            + Names.suggestion(p, searchable) + "; it has " + String.join(", ", searchable));
                    ok = false;
                }
            }
            if (method.baseUse() == MergeMethod.BaseUse.REQUIRED && base.isEmpty() && !models.isEmpty()) {
                c.error("base", "method " + methodName + " works on differences from a base model: connect one to "
                        + "'base'");
                ok = false;
            }
            if (method.baseUse() == MergeMethod.BaseUse.NONE && base.isPresent()) {
                c.error("base", "method " + methodName + " takes no base model; disconnect 'base' or choose a method "
                        + "that uses one");
                ok = false;
            }
        }
        Map<String, EvolutionConfig.Bounds> bounds = new LinkedHashMap<>();
        for (ParameterBounds pb : s.getBounds()) {
            String p = pb.getParameter() == null ? "" : pb.getParameter();
            if (!parameters.contains(p)) {
                c.error("bounds", "bounds are given for '" + p + "', which is not searched"
                        + Names.suggestion(p, parameters) + "; the parameters searched are "
                        + String.join(", ", parameters));
                ok = false;
            } else if (pb.getMin() >= pb.getMax()) {
                c.error("bounds", "bounds of " + p + " [" + pb.getMin() + ", " + pb.getMax() + "] are empty"
                        + (pb.getMin() == pb.getMax() ? " (a single value: nothing to search; leave " + p + " out of "
                                + "parameters)" : ": the minimum is above the maximum; swap them"));
                ok = false;
            } else if (p.equals("weight") && pb.getMin() < 0 && !s.isAllowNegativeWeights()) {
                c.error("bounds", "bounds of weight go below 0 but allow_negative_weights is false; raise the lower "
                        + "bound to 0 or set allow_negative_weights");
                ok = false;
            } else {
                ParameterDef def = method.modelParameters().stream().filter(d -> d.name().equals(p)).findFirst()
                        .orElseThrow();
                double lo = p.equals("weight") && s.isAllowNegativeWeights() ? Double.NEGATIVE_INFINITY
                        : def.min().orElse(Double.NEGATIVE_INFINITY);
                if (pb.getMin() < lo || pb.getMax() > def.max().orElse(Double.POSITIVE_INFINITY)) {
                    c.error("bounds", "bounds of " + p + " [" + pb.getMin() + ", " + pb.getMax() + "] leave the "
                            + "values " + p + " takes [" + def.min().orElse(Double.NEGATIVE_INFINITY) + ", "
                            + def.max().orElse(Double.POSITIVE_INFINITY) + "]");
                    ok = false;
                } else {
                    bounds.put(p, new EvolutionConfig.Bounds(pb.getMin(), pb.getMax()));
                }
            }
        }
        EvolutionConfig.Ps psSettings = new EvolutionConfig.Ps(methodName, parameters, s.getLayerGroups(), bounds,
                Optional.of(s.isNormalize()), s.isAllowNegativeWeights(), s.isSmooth());
        EvolutionConfig.Bounds scales = EvolutionConfigReader.SCALE_BOUNDS;
        if (s.getScaleBounds().size() == 1) {
            c.error("scale_bounds", "scale_bounds are two numbers, [min, max]; found one");
            ok = false;
        } else if (s.getScaleBounds().size() == 2) {
            double lo = s.getScaleBounds().get(0);
            double hi = s.getScaleBounds().get(1);
            if (lo > hi) {
                c.error("scale_bounds", "scale_bounds [" + lo + ", " + hi + "] are empty: the minimum is above the "
                        + "maximum; swap them");
                ok = false;
            } else {
                scales = new EvolutionConfig.Bounds(lo, hi);
            }
        }
        EvolutionConfig.Dfs dfs = new EvolutionConfig.Dfs(s.getRepeats(), scales, s.getMaxLength(),
                s.getScales().getLiteral());
        EvolutionConfig.Space space = switch (s.getSpace()) {
            case PS -> psSettings;
            case DFS -> dfs;
            case HYBRID -> ps ? new EvolutionConfig.Hybrid(Optional.empty(), Optional.of(psSettings), dfs)
                    : new EvolutionConfig.Hybrid(Optional.of(c.resolve(s.getRecipe())), Optional.empty(), dfs);
        };
        if (!kind.equals("ps") && models.size() < 2 && !(kind.equals("hybrid"))) {
            c.error("models", "a path of layers runs through two models or more; connect another to 'models'");
            ok = false;
        }
        if (ps && models.size() + (base.isPresent() ? 1 : 0) < 2 && !inputs.all("models").isEmpty()) {
            c.error("models", "a merge needs two models or more; connect another to 'models' (or a base)");
            ok = false;
        }

        // the fitness
        boolean multi = s.getOptimizer().getLiteral().equals("nsga2");
        if (s.getTasks().isEmpty()) {
            c.error("tasks", "no task is given: the search scores candidates on tasks; name shipped tasks ("
                    + String.join(", ", EvaluationTasks.shippedNames()) + ") or task YAML files, e.g. tasks: "
                    + "[arith_ja]");
            ok = false;
        }
        if (!s.getWeights().isEmpty() && s.getWeights().size() != s.getTasks().size()) {
            c.error("weights", s.getWeights().size() + " weights are given for " + s.getTasks().size() + " tasks; "
                    + "give one per task, in the order of tasks, or none for equal weights");
            ok = false;
        }
        if (!s.getMetrics().isEmpty() && s.getMetrics().size() != s.getTasks().size()) {
            c.error("metrics", s.getMetrics().size() + " metrics are given for " + s.getTasks().size() + " tasks; "
                    + "give one per task, in the order of tasks, or none to score metric on every task"
                    + (s.getMetrics().size() > s.getTasks().size() ? " (in a [ ] list a metric,filter needs quotes: "
                            + "[\"exact_match,japanese-only\", char_f1])" : ""));
            ok = false;
        }
        if (!s.getMetrics().isEmpty() && s.getMetric() != null && !s.getMetric().isBlank()) {
            c.error("metric", "both metric and metrics are given; metrics names each task's metric, so remove metric");
            ok = false;
        }
        if (multi && !s.getWeights().isEmpty()) {
            c.error("weights", "nsga2 keeps each task an objective of its own, so weights have no meaning; remove "
                    + "them, or use cma-es or ga for one weighted score");
            ok = false;
        }
        if (s.isSmooth() && s.getLayerGroups() < 2) {
            c.error("smooth", "smooth interpolates the values of two or more layer groups over the layers, and "
                    + "layer_groups is " + s.getLayerGroups() + "; set layer_groups to 2 or more, or turn smooth off");
            ok = false;
        }
        if (multi && s.getTasks().size() == 1) {
            c.error("tasks", "nsga2 searches a Pareto front of two objectives or more, one per task, and one task is "
                    + "given; add a task, or use cma-es or ga");
            ok = false;
        }
        List<EvolutionConfig.TaskSpec> tasks = new ArrayList<>();
        for (int i = 0; i < s.getTasks().size(); i++) {
            String name = s.getTasks().get(i);
            try {
                Path file = EvaluationTasks.file(name, c.baseDir());
                TaskConfig t = TaskReader.read(file);
                String given = s.getMetrics().isEmpty() ? s.getMetric()
                        : s.getMetrics().size() == s.getTasks().size() ? s.getMetrics().get(i) : null; // else said
                String metric = given == null || given.isBlank() ? null : given.strip();
                String setting = s.getMetrics().isEmpty() ? "metric" : "metrics";
                if (metric != null) {
                    List<String> produced = EvaluateKind.keys(t);
                    String m = metric.contains(",") ? metric : metric + ",";
                    if (produced.stream().noneMatch(k -> metric.contains(",") ? k.equals(metric) : k.startsWith(m))) {
                        List<String> names = t.metricList().stream().map(x -> x.metric()).toList();
                        c.error(setting, "task " + t.task() + " does not produce the metric '" + metric + "'"
                                + Names.suggestion(metric.split(",")[0], names) + "; it produces "
                                + String.join(", ", produced));
                        ok = false;
                    }
                }
                double w = s.getWeights().size() > i ? s.getWeights().get(i) : 1;
                if (!(w > 0)) {
                    c.error("weights", "the weight of task " + name + " must be above 0; found " + w);
                    ok = false;
                }
                boolean file0 = new EvolutionConfig.TaskSpec(name, 1, Optional.empty()).isFile();
                tasks.add(new EvolutionConfig.TaskSpec(file0 ? file.toString() : name, w > 0 ? w : 1,
                        Optional.ofNullable(metric)));
            } catch (TaskException e) {
                c.error("tasks", e.getMessage());
                ok = false;
            }
        }
        Optional<String> search = blank(s.getSearchSplit());
        Optional<String> test = blank(s.getTestSplit());
        if (search.isPresent() && search.equals(test)) {
            c.error("test_split", "search_split and test_split are both '" + test.get() + "'; the test split must be "
                    + "held out from the search: give two different splits");
            ok = false;
        }
        Optional<Duration> limit = Optional.empty();
        try {
            limit = timeLimit(s.getTimeLimit());
        } catch (IllegalArgumentException e) {
            c.error("time_limit", e.getMessage());
            ok = false;
        }
        if (s.getPopulation() > 0 && s.getPopulation() < 4 && !s.getOptimizer().getLiteral().equals("ga")) {
            c.error("population", "population " + s.getPopulation() + " is too small for "
                    + s.getOptimizer().getLiteral() + "; give 4 or more (0: the optimiser's default)");
            ok = false;
        }
        if (!ok || models.isEmpty()) {
            return Optional.empty();
        }
        EvolutionConfig config = new EvolutionConfig(models, base, space, new EvolutionConfig.OptimizerSettings(
                s.getOptimizer().getLiteral(), s.getPopulation(), s.getSigma()), new EvolutionConfig.Budget(
                        s.getGenerations(), limit), new EvolutionConfig.FitnessSettings(tasks, search, test,
                                s.getSubsample(), s.getNumFewshot() < 0 ? Optional.empty()
                                        : Optional.of(s.getNumFewshot())), s.getSeed(), Path.of(""));
        Path output = folder(s, config, c);
        List<Path> read = new ArrayList<>(config.folders().values());
        Optional<String> problem = EvolutionConfigReader.outputProblem(output, read);
        if (problem.isPresent()) {
            c.error("output", problem.get());
            return Optional.empty();
        }
        return Optional.of(new EvolutionConfig(models, base, space, config.optimizer(), config.budget(),
                config.fitness(), config.seed(), output));
    }

    private static Optional<String> blank(String s) {
        return s == null || s.isBlank() ? Optional.empty() : Optional.of(s.strip());
    }

    private static Optional<Path> folder(Object value, String node, String port, ConfigureContext c) {
        // configure sees specs, execute the values: the same checks on both
        ModelSpec spec = (ModelSpec) (value instanceof PortValue v ? v.spec() : value);
        if (spec.folder().isEmpty()) {
            c.error(port, "node '" + node + "' gives a model that exists only in memory (a merge or a model with an "
                    + "adapter applied); the search merges model folders: put a SaveModel between them");
            return Optional.empty();
        }
        return spec.folder();
    }

    /**
     * The search folder: the output setting, else {@code .kumiki/evolve/NODE/IDENTITY} beside the pipeline, where
     * IDENTITY hashes what the search is (models, space, optimiser, fitness, seed; not the budget, which may grow), so
     * that the same search resumes and a changed one starts afresh.
     */
    static Path folder(EvolveMerge s, EvolutionConfig config, ConfigureContext c) {
        if (s.getOutput() != null && !s.getOutput().isBlank()) {
            return c.resolve(s.getOutput());
        }
        String identity = config.models() + "|" + config.base() + "|" + config.space() + "|" + config.optimizer()
                + "|" + config.fitness() + "|" + config.seed();
        try {
            byte[] hash = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(identity.getBytes(StandardCharsets.UTF_8));
            return c.baseDir().resolve(".kumiki/evolve").resolve(c.node())
                    .resolve(java.util.HexFormat.of().formatHex(hash).substring(0, 16));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // --- configure --------------------------------------------------------------------------------------------------

    @Override
    public Map<String, PortSpec> configure(EvolveMerge s, Inputs<PortSpec> inputs, ConfigureContext c) {
        Optional<EvolutionConfig> config = config(s, inputs, c);
        if (config.isEmpty()) {
            return Map.of();
        }
        EvolutionConfig e = config.get();
        ModelSpec first = (ModelSpec) inputs.all("models").get(0).value();
        // models that a node upstream writes during the run (Train, SaveModel) are checked when the search starts
        boolean written = e.models().values().stream().allMatch(f -> Files.isRegularFile(f.resolve("config.json")))
                && e.base().map(m -> Files.isRegularFile(m.folder().resolve("config.json"))).orElse(true);
        if (!written) {
            // nothing to plan from yet
        } else if (e.space() instanceof EvolutionConfig.Ps || e.space() instanceof EvolutionConfig.Hybrid h
                && h.ps().isPresent()) {
            EvolutionConfig.Ps ps = e.space() instanceof EvolutionConfig.Ps p ? p
                    : ((EvolutionConfig.Hybrid) e.space()).ps().orElseThrow();
            // a recipe of the space with the method's defaults, planned from the headers: models whose shapes
            // cannot be merged are refused now, not by the first candidate
            try {
                MergeConfig.Builder b = MergeConfig.builder().method(MergeMethods.byName(ps.method()).orElseThrow());
                e.base().ifPresent(m -> b.base(m.name(), m.folder()));
                // every model with a value each of its parameters takes (what a genome would decode to)
                Map<String, dev.kumiki.merge.config.ParameterValue> values = new LinkedHashMap<>();
                for (ParameterDef d : MergeMethods.byName(ps.method()).orElseThrow().modelParameters()) {
                    if (d.defaultValue().isEmpty()) {
                        double lo = d.min().orElse(0);
                        double hi = d.max().orElse(1);
                        values.put(d.name(), dev.kumiki.merge.config.ParameterValue.of((lo + hi) / 2));
                    }
                }
                e.models().forEach((name, folder) -> b.add(name, folder, values));
                MergePlanner.plan(b.build());
            } catch (ConfigException x) {
                c.error("models", "the models cannot be merged: " + x.problem());
                return Map.of();
            } catch (IOException x) {
                c.error("models", x.getMessage());
                return Map.of();
            }
        } else {
            for (var in : inputs.all("models")) {
                LanguageModels.problem((ModelSpec) in.value()).ifPresent(p -> c.error("models", "node '"
                        + in.fromNode() + "': " + p));
            }
            try {
                java.util.List<dev.kumiki.evolve.space.PathRecipe.Model> list = new ArrayList<>();
                e.models().forEach((n, f) -> list.add(dev.kumiki.evolve.space.PathRecipe.Model.folder(n, f)));
                if (list.size() >= 2) {
                    dev.kumiki.evolve.space.DataFlowSpace.of(list, dev.kumiki.evolve.space.DataFlowSpace.Settings
                            .DEFAULTS).close();
                }
            } catch (IllegalArgumentException | IOException x) {
                c.error("models", "the models cannot share a path of layers: " + x.getMessage());
                return Map.of();
            }
        }
        Path folder = e.output();
        ModelSpec out = outputSpec(e, first);
        return Map.of("model", out, "recipe", new FileValue(stage(e).resolve(SearchCheckpoint.BEST)), "history",
                new FileValue(stage(e).resolve(SearchCheckpoint.HISTORY)), "pareto",
                new FileValue(folder.resolve(PARETO_FILE)));
    }

    /** What the best model is, from the headers of the first model searched. */
    private static ModelSpec outputSpec(EvolutionConfig e, ModelSpec first) {
        return new ModelSpec(first.config(), e.space() instanceof EvolutionConfig.Ps ? first.layers()
                : Optional.empty(), first.tensors(), Optional.empty(), Optional.empty());
    }

    /** The folder of the stage whose best is the node's: the search's, or a two-stage hybrid's second. */
    private static Path stage(EvolutionConfig e) {
        return e.space() instanceof EvolutionConfig.Hybrid h && h.ps().isPresent()
                ? e.output().resolve(EvolutionSetup.HYBRID_STAGE) : e.output();
    }

    @Override
    public long memoryEstimate(EvolveMerge s, Inputs<PortSpec> inputs) {
        // each candidate evaluated at once holds a merged model on the heap as F32
        ModelSpec first = (ModelSpec) inputs.all("models").get(0).value();
        return Math.max(1, s.getThreads()) * LanguageModels.memoryEstimate(new ModelSpec(first.config(),
                first.layers(), first.tensors(), Optional.empty(), Optional.empty()));
    }

    // --- execute ----------------------------------------------------------------------------------------------------

    @Override
    public Map<String, PortValue> execute(EvolveMerge s, Inputs<PortValue> inputs, ExecuteContext c) throws Exception {
        EvolutionConfig config = config(s, inputs, c).orElseThrow(() -> new IllegalStateException(
                "the settings were refused when the pipeline was configured"));
        var options = LanguageModels.options(c.withThreads(1));
        try (EvolutionSetup setup = EvolutionSetup.of(config, EvaluationTasks.shippedDir(), options)) {
            SearchResult result = run(setup, s, c, 0);
            Optional<double[]> firstGenome = Optional.empty();
            SearchResult last = result;
            if (setup.firstOfTwo()) {
                firstGenome = Optional.of(result.best().genome());
                try (EvolutionSetup second = setup.hybrid(result.best().genome())) {
                    last = run(second, s, c, config.budget().generations());
                }
            }
            writePareto(config.output().resolve(PARETO_FILE), last);
            ModelSpec spec = (ModelSpec) configure(s, new Inputs<>(specs(inputs)), c).get("model");
            Path stage = stage(config);
            c.log(String.format(Locale.ROOT, "best of %d generations: search split %s, test split %s; recipe %s",
                    last.history().size(), java.util.Arrays.toString(last.best().fitness()),
                    java.util.Arrays.toString(last.testFitness()), stage.resolve(SearchCheckpoint.BEST)));
            return Map.of("model", new EvolvedModel(spec, config.space().kind(), stage.resolve(SearchCheckpoint.BEST),
                    config, last.best().genome(), firstGenome), "recipe",
                    new FileValue(stage.resolve(SearchCheckpoint.BEST)), "history",
                    new FileValue(stage.resolve(SearchCheckpoint.HISTORY)), "pareto",
                    new FileValue(config.output().resolve(PARETO_FILE)));
        } catch (EvolutionException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private static Map<String, List<Inputs.Connected<PortSpec>>> specs(Inputs<PortValue> inputs) {
        Map<String, List<Inputs.Connected<PortSpec>>> m = new LinkedHashMap<>();
        for (String port : List.of("models", "base")) {
            List<Inputs.Connected<PortSpec>> list = new ArrayList<>();
            for (var in : inputs.all(port)) {
                list.add(new Inputs.Connected<>(in.fromNode(), in.fromPort(), in.value().spec()));
            }
            m.put(port, list);
        }
        return m;
    }

    /** Runs (or resumes) one stage, reporting each generation; offset shifts a second stage's generations. */
    private static SearchResult run(EvolutionSetup setup, EvolveMerge s, ExecuteContext c, int offset)
            throws IOException {
        int total = setup.config().budget().generations();
        Search.Builder b = setup.builder().threads(Math.max(1, Math.min(s.getThreads(), Math.max(1, c.threads()))))
                .cancelled(c::cancelled).listener(r -> report(r, c, total, offset));
        boolean resume = Files.exists(setup.folder().resolve(SearchCheckpoint.FILE));
        try (Search search = resume ? b.resume() : b.build()) {
            if (resume) {
                c.log("resuming the search in " + setup.folder() + " after generation " + search.generation());
                search.history().forEach(r -> report(r, c, total, offset));
            }
            SearchResult result = search.run();
            if (result.stop() == SearchResult.Stop.CANCELLED) {
                throw new CancellationException("cancelled; the checkpoint of generation " + result.history().size()
                        + " is kept in " + setup.folder() + " and the next run resumes from it");
            }
            if (result.best() == null) {
                throw new IOException("the search ran no generation (" + result.stop() + ")");
            }
            return result;
        }
    }

    /** The series of one generation, as the class comment lists them. */
    static void report(GenerationReport r, ExecuteContext c, int total, int offset) {
        long step = r.generation() + offset;
        List<String> objectives = r.objectives();
        double[] best = r.best();
        double[] mean = r.mean();
        if (objectives.size() == 1) {
            c.metric(BEST, step, best[0]);
            c.metric(MEAN, step, mean[0]);
        } else {
            for (int k = 0; k < objectives.size(); k++) {
                c.metric(BEST + "/" + objectives.get(k), step, best[k]);
                c.metric(MEAN + "/" + objectives.get(k), step, mean[k]);
            }
            for (ScoredCandidate p : r.paretoFront()) {
                for (int k = 0; k < objectives.size(); k++) {
                    c.metric(PARETO + objectives.get(k), step, p.fitness(k));
                }
            }
        }
        r.bestSoFar().parameters().forEach((name, value) -> c.metric(PARAMETER + name, step, value));
        c.progress(Math.min(1, (double) r.generation() / total), "generation " + r.generation() + "/" + total);
        c.log(String.format(Locale.ROOT, "generation %d/%d: best %s, mean %s, %d evaluated%s, %d from the cache",
                r.generation(), total, java.util.Arrays.toString(best), java.util.Arrays.toString(mean),
                r.evaluations(), r.shared() == 0 ? "" : " (" + r.shared() + " of them by a search of the same "
                        + "candidates running beside this one)", r.cacheHits()));
    }

    // --- the cache ------------------------------------------------------------------------------------------------

    /**
     * A finished search is kept in the engine's cache, so that a run with the same settings and inputs (the same
     * cache key) takes its outputs from there instead of opening the search again: resuming a finished search costs
     * nothing in generations but scores its best on the test split once more, which is most of a minute on a small
     * machine. What is kept names the search folder and a fingerprint of its checkpoint and best recipe; a search
     * resumed or changed since (a run with more generations, a deleted folder) is a miss, and the node runs.
     */
    @Override
    public boolean cached() {
        return true;
    }

    @Override
    public String persist(String port, PortValue value) {
        ObjectNode o = JSON.createObjectNode();
        if (value instanceof EvolvedModel m) {
            ObjectNode models = o.putObject("models");
            m.config().models().forEach((name, folder) -> models.put(name, folder.toString()));
            m.config().base().ifPresent(b -> o.putObject("base").put(b.name(), b.folder().toString()));
            o.put("output", m.config().output().toString());
            ArrayNode genome = o.putArray("genome");
            for (double g : m.genome()) {
                genome.add(g);
            }
            m.first().ifPresent(f -> {
                ArrayNode first = o.putArray("first");
                for (double g : f) {
                    first.add(g);
                }
            });
            o.put("search", searchFingerprint(m.config()));
        } else {
            o.put("file", ((FileValue) value).path().toString());
        }
        return o.toString();
    }

    @Override
    public Optional<PortValue> restore(EvolveMerge s, String port, String persisted, ConfigureContext c) {
        try {
            com.fasterxml.jackson.databind.JsonNode o = JSON.readTree(persisted);
            if (!port.equals("model")) {
                Path file = Path.of(o.path("file").asText());
                return Files.isRegularFile(file) ? Optional.of(new FileValue(file)) : Optional.empty();
            }
            // the inputs as the search saw them (folders it read), to configure it again from the headers
            Map<String, List<Inputs.Connected<PortSpec>>> in = new LinkedHashMap<>();
            for (var e : o.path("models").properties()) {
                Path folder = Path.of(e.getValue().asText());
                in.computeIfAbsent("models", k -> new ArrayList<>()).add(new Inputs.Connected<>(e.getKey(), "model",
                        LoadModelKind.read(folder)));
            }
            for (var e : o.path("base").properties()) {
                in.put("base", List.of(new Inputs.Connected<>(e.getKey(), "model", LoadModelKind.read(
                        Path.of(e.getValue().asText())))));
            }
            // problems here make a miss, not messages: the node runs and reports them itself
            boolean[] failed = {false};
            ConfigureContext quiet = new ConfigureContext() {
                @Override
                public String node() {
                    return c.node();
                }

                @Override
                public Path baseDir() {
                    return c.baseDir();
                }

                @Override
                public void error(String setting, String message) {
                    failed[0] = true;
                }

                @Override
                public void warning(String setting, String message) {
                }
            };
            Inputs<PortSpec> inputs = new Inputs<>(in);
            Optional<EvolutionConfig> config = config(s, inputs, quiet);
            if (config.isEmpty() || failed[0] || !config.get().output().toString().equals(o.path("output").asText())
                    || o.path("search").asText().isEmpty()
                    || !searchFingerprint(config.get()).equals(o.path("search").asText())) {
                return Optional.empty();
            }
            // the spec as configure tells it, without planning the merge again (the search it was found by
            // planned it); restore runs before every run of a cached search, so it must be cheap
            ModelSpec spec = outputSpec(config.get(), (ModelSpec) inputs.all("models").get(0).value());
            Optional<double[]> first = o.has("first") ? Optional.of(doubles(o.get("first"))) : Optional.empty();
            return Optional.of(new EvolvedModel(spec, config.get().space().kind(), stage(config.get())
                    .resolve(SearchCheckpoint.BEST), config.get(), doubles(o.path("genome")), first));
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // unreadable or gone: searched (resumed) again
        }
    }

    private static double[] doubles(com.fasterxml.jackson.databind.JsonNode array) {
        double[] d = new double[array.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = array.get(i).asDouble();
        }
        return d;
    }

    /**
     * The search's state as its folder holds it: the checkpoints (both stages' for a two-stage hybrid) and the best
     * recipe, by content; empty text for a folder without them.
     */
    static String searchFingerprint(EvolutionConfig config) {
        try {
            java.security.MessageDigest digest = java.security.MessageDigest.getInstance("SHA-256");
            Path stage = stage(config);
            // a two-stage hybrid keeps its stages in folders of their own: the merge's search, then the path's
            Path first = stage.equals(config.output()) ? stage : config.output().resolve(EvolutionSetup.PS_STAGE);
            for (Path f : new java.util.LinkedHashSet<>(List.of(first.resolve(SearchCheckpoint.FILE),
                    stage.resolve(SearchCheckpoint.FILE), stage.resolve(SearchCheckpoint.BEST)))) {
                if (!Files.isRegularFile(f)) {
                    return "";
                }
                digest.update(f.toString().getBytes(StandardCharsets.UTF_8));
                digest.update(Files.readAllBytes(f));
            }
            return java.util.HexFormat.of().formatHex(digest.digest());
        } catch (IOException | java.security.NoSuchAlgorithmException e) {
            return "";
        }
    }

    /** The Pareto front (or the best alone), one JSON line per candidate, written under a temporary name. */
    static void writePareto(Path file, SearchResult r) throws IOException {
        List<ScoredCandidate> front = r.paretoFront().isEmpty() ? List.of(r.best()) : r.paretoFront();
        StringBuilder b = new StringBuilder();
        for (ScoredCandidate p : front) {
            ObjectNode o = JSON.createObjectNode();
            o.put("generation", p.generation());
            ObjectNode f = o.putObject("fitness");
            for (int k = 0; k < r.objectives().size(); k++) {
                f.put(r.objectives().get(k), p.fitness(k));
            }
            ObjectNode params = o.putObject("parameters");
            p.parameters().forEach(params::put);
            ArrayNode genome = o.putArray("genome");
            for (double g : p.genome()) {
                genome.add(g);
            }
            o.put("recipe", p.recipe());
            b.append(JSON.writeValueAsString(o)).append('\n');
        }
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, b.toString(), StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
