package dev.kumiki.evolve;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A search as {@code kumiki evolve CONFIG.yml} (and the EvolveMerge node) describes it: which models, which space,
 * which optimiser, how long, scored how, written where. Read by {@link EvolutionConfigReader}; every path absolute.
 *
 * @param models    the models merged or walked through, by the name recipes use, in the order given
 * @param base      the base model (task arithmetic, TIES and DARE work on deltas from it), when there is one
 * @param space     what the genome stands for
 * @param optimizer how genomes are proposed
 * @param budget    when the search stops
 * @param fitness   how a candidate is scored
 * @param seed      the seed every random choice derives from
 * @param output    the search's folder: checkpoint, best recipe, history, Pareto front
 */
public record EvolutionConfig(Map<String, Path> models, Optional<NamedModel> base, Space space,
                              OptimizerSettings optimizer, Budget budget, FitnessSettings fitness, long seed,
                              Path output) {
    public EvolutionConfig {
        models = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(models));
        Objects.requireNonNull(base, "base");
    }

    /** Every model folder the search reads, the base included, by name. */
    public Map<String, Path> folders() {
        Map<String, Path> all = new LinkedHashMap<>(models);
        base.ifPresent(b -> all.putIfAbsent(b.name(), b.folder()));
        return all;
    }

    /** A model folder and the name recipes give it. */
    public record NamedModel(String name, Path folder) {
    }

    /** An interval of values a searched parameter takes: a genome's 0 decodes to {@code min}, 1 to {@code max}. */
    public record Bounds(double min, double max) {
        public Bounds {
            if (!(min <= max)) {
                throw new IllegalArgumentException("bounds [" + min + ", " + max + "] hold no value");
            }
        }

        /** The value a coordinate {@code u} in [0, 1] stands for. */
        public double at(double u) {
            return min + Math.clamp(u, 0.0, 1.0) * (max - min);
        }
    }

    /** What the genome stands for: {@link Ps}, {@link Dfs} or {@link Hybrid}. */
    public sealed interface Space permits Ps, Dfs, Hybrid {
        /** {@code ps}, {@code dfs} or {@code hybrid}, as users write it. */
        String kind();
    }

    /**
     * The parameter space, as mergekit-evolve's genome: the merge method, the per-model parameters searched (for
     * each model and each group of layers), their bounds, and whether weights are normalised or may be negative.
     *
     * @param method               mergekit's merge method name ({@code ties}, {@code dare_ties}, {@code task_arithmetic},
     *                             {@code linear}…)
     * @param parameters           the per-model parameters searched ({@code weight}, {@code density}…)
     * @param layerGroups          contiguous groups of layers, each with parameters of its own; 1 for one value over
     *                             all layers
     * @param bounds               bounds given for some parameters; the others take the space's defaults
     * @param normalize            whether weights are divided by their sum (mergekit's {@code normalize}); empty for
     *                             mergekit-evolve's default of the method
     * @param allowNegativeWeights whether weights may be below 0 (task vectors subtracted)
     * @param smooth               whether the layer groups' values are points of a gradient over all the layers
     *                             (mergekit-evolve's {@code smooth}) rather than constant within each group
     */
    public record Ps(String method, List<String> parameters, int layerGroups, Map<String, Bounds> bounds,
                     Optional<Boolean> normalize, boolean allowNegativeWeights, boolean smooth) implements Space {
        public Ps {
            parameters = List.copyOf(parameters);
            bounds = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(bounds));
        }

        /** Without {@code smooth}: each layer group's values hold over its layers. */
        public Ps(String method, List<String> parameters, int layerGroups, Map<String, Bounds> bounds,
                Optional<Boolean> normalize, boolean allowNegativeWeights) {
            this(method, parameters, layerGroups, bounds, normalize, allowNegativeWeights, false);
        }

        @Override
        public String kind() {
            return "ps";
        }
    }

    /**
     * The data-flow space of the paper: a path of T = M × repeats slots over the M layers of all models (a layer is
     * used where its indicator is above 0), with a scale on the hidden state passed between consecutive layers.
     *
     * @param repeats     r: how many times the layers of all models are offered in turn
     * @param scaleBounds the interval scales are searched in (a single value fixes every scale)
     * @param maxLength   the most layers a path has; 0 for no limit beyond T
     * @param scales      {@code matrix} (the paper's M × M scales), {@code per-layer} (one per layer entered) or
     *                    {@code none}
     */
    public record Dfs(int repeats, Bounds scaleBounds, int maxLength, String scales) implements Space {
        @Override
        public String kind() {
            return "dfs";
        }
    }

    /**
     * PS, then DFS over its result and the other models: the PS part is a fixed recipe file (a mergekit YAML, e.g.
     * the best recipe of an earlier PS search) or a parameter space searched as well.
     *
     * @param recipe a mergekit YAML of the merge the path runs through, when fixed
     * @param ps     the parameter space of the merge, when searched
     * @param dfs    the data-flow space over the merge and the other models
     */
    public record Hybrid(Optional<Path> recipe, Optional<Ps> ps, Dfs dfs) implements Space {
        public Hybrid {
            if (recipe.isPresent() == ps.isPresent()) {
                throw new IllegalArgumentException("a hybrid space has either a recipe or a ps block");
            }
        }

        @Override
        public String kind() {
            return "hybrid";
        }
    }

    /**
     * The optimiser.
     *
     * @param name       {@code cma-es}, {@code ga} or {@code nsga2}
     * @param population candidates per generation; 0 for the optimiser's default (CMA-ES: 4 + ⌊3 ln n⌋)
     * @param sigma      CMA-ES's initial step size in the unit cube (the paper: 1/6); for the GA, the mutation's
     *                   spread
     */
    public record OptimizerSettings(String name, int population, double sigma) {
        /** The names users write. */
        public static final List<String> NAMES = List.of("cma-es", "ga", "nsga2");

        /** Whether each task is an objective of its own (a Pareto front) rather than one weighted score. */
        public boolean multiObjective() {
            return name.equals("nsga2");
        }
    }

    /**
     * When the search stops: after {@code generations}, or when the time limit is reached (the generation in progress
     * ends first).
     */
    public record Budget(int generations, Optional<Duration> timeLimit) {
    }

    /** An evaluation task scored as part of the fitness. */
    public record TaskSpec(String name, double weight, Optional<String> metric) {
        /** Whether {@link #name} is a task YAML file's path rather than a shipped task's name. */
        public boolean isFile() {
            return name.endsWith(".yaml") || name.endsWith(".yml") || name.contains("/") || name.contains("\\");
        }
    }

    /**
     * How a candidate is scored: the tasks (one weighted objective, or one objective each for NSGA-II), the splits,
     * and how many documents a generation scores.
     *
     * @param tasks       the tasks, by shipped name or file path (absolute)
     * @param searchSplit the split candidates are scored on ({@code train}, {@code validation}…); empty for each
     *                    task's validation split, or its training split when it has none
     * @param testSplit   the held-out split the best candidate is scored on at the end; empty for each task's
     *                    evaluated split
     * @param subsample   documents per task and generation (drawn anew each generation); 0 for all
     */
    public record FitnessSettings(List<TaskSpec> tasks, Optional<String> searchSplit, Optional<String> testSplit,
                                  int subsample, Optional<Integer> numFewshot) {
        public FitnessSettings {
            tasks = List.copyOf(tasks);
            java.util.Objects.requireNonNull(numFewshot, "numFewshot");
        }

        /** Each task with its own {@code num_fewshot}. */
        public FitnessSettings(List<TaskSpec> tasks, Optional<String> searchSplit, Optional<String> testSplit,
                int subsample) {
            this(tasks, searchSplit, testSplit, subsample, Optional.empty());
        }
    }
}
