package dev.kumiki.evolve;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.kumiki.eval.task.Task;
import dev.kumiki.eval.task.TaskConfig;
import dev.kumiki.eval.task.TaskException;
import dev.kumiki.eval.task.TaskReader;
import dev.kumiki.eval.tasks.ShippedTasks;
import dev.kumiki.evolve.EvolutionConfig.Dfs;
import dev.kumiki.evolve.EvolutionConfig.Hybrid;
import dev.kumiki.evolve.EvolutionConfig.Ps;
import dev.kumiki.evolve.EvolutionConfig.TaskSpec;
import dev.kumiki.evolve.fitness.TaskFitness;
import dev.kumiki.evolve.optim.Optimizer;
import dev.kumiki.evolve.optim.Optimizers;
import dev.kumiki.evolve.space.DataFlowSpace;
import dev.kumiki.evolve.space.ParameterSpace;
import dev.kumiki.evolve.space.PathRecipe;
import dev.kumiki.evolve.space.SearchSpace;
import dev.kumiki.llm.runtime.RuntimeOptions;

/**
 * A search as an {@link EvolutionConfig} describes it, made ready to run: the space built over the models (their
 * headers read, a recipe planned, so that models that cannot be merged are refused now), the tasks loaded with their
 * splits and metrics checked, the optimiser made — everything that can go wrong with the input goes wrong here,
 * before any candidate runs. The front ends ({@code kumiki evolve}, the EvolveMerge node) share it:
 * {@snippet :
 * try (EvolutionSetup setup = EvolutionSetup.of(config, tasksDir, options);
 *         Search search = setup.builder().listener(report -> print(report)).build()) {
 *     SearchResult result = search.run();
 * }
 * }
 * The hybrid space with a {@code ps:} block is two searches: {@link #of} sets up the parameter-space stage (in
 * {@code output/ps}); {@link #hybrid} the data-flow stage over that stage's best merge (in {@code output/hybrid}).
 */
public final class EvolutionSetup implements AutoCloseable {
    /** Where the first stage of a hybrid search keeps its folder, inside the search's output. */
    public static final String PS_STAGE = "ps";
    /** Where the second stage of a hybrid search keeps its folder, inside the search's output. */
    public static final String HYBRID_STAGE = "hybrid";

    private final EvolutionConfig config;
    private final SearchSpace space;
    private final Optimizer optimizer;
    private final TaskFitness fitness;
    private final Path folder;
    private final RuntimeOptions options;

    private EvolutionSetup(EvolutionConfig config, SearchSpace space, Optimizer optimizer, TaskFitness fitness,
            Path folder, RuntimeOptions options) {
        this.config = config;
        this.space = space;
        this.optimizer = optimizer;
        this.fitness = fitness;
        this.folder = folder;
        this.options = options;
    }

    /**
     * Sets up the search of {@code config} (for a hybrid with a {@code ps:} block, its parameter-space stage).
     *
     * @param tasksDir where shipped tasks are written to be read (a cache folder)
     * @throws EvolutionException naming the model, task or setting when the input is wrong
     * @throws IOException        when a model or task file cannot be read
     */
    public static EvolutionSetup of(EvolutionConfig config, Path tasksDir, RuntimeOptions options)
            throws IOException {
        TaskFitness fitness = fitness(config, tasksDir);
        SearchSpace space = switch (config.space()) {
            case Ps ps -> parameterSpace(config, ps);
            case Dfs dfs -> dataFlowSpace(config, dfs);
            case Hybrid h -> h.ps().isPresent() ? parameterSpace(config, h.ps().get())
                    : hybridSpace(config, h, options);
        };
        try {
            Optimizer optimizer = optimizer(config, space.dimensions(), fitness.objectives().size(), space.initial());
            Path folder = config.space() instanceof Hybrid h && h.ps().isPresent()
                    ? config.output().resolve(PS_STAGE) : config.output();
            return new EvolutionSetup(config, space, optimizer, fitness, folder, options);
        } catch (RuntimeException e) {
            close(space);
            throw e;
        }
    }

    /**
     * The data-flow stage of a hybrid search with a {@code ps:} block: paths through the merge {@code psGenome}
     * decodes to (the parameter-space stage's best) and the models.
     */
    public EvolutionSetup hybrid(double[] psGenome) throws IOException {
        if (!(config.space() instanceof Hybrid h) || h.ps().isEmpty()) {
            throw new IllegalStateException("only the first stage of a hybrid search with a ps: block has a second");
        }
        SearchSpace hybrid;
        try {
            hybrid = dev.kumiki.evolve.space.HybridSpace.of(space, psGenome, others(config), settings(h.dfs()),
                    options);
        } catch (IllegalArgumentException e) {
            throw new EvolutionException("hybrid: " + e.getMessage(), e);
        }
        try {
            Optimizer o = optimizer(config, hybrid.dimensions(), fitness.objectives().size(), hybrid.initial());
            return new EvolutionSetup(config, hybrid, o, fitness, config.output().resolve(HYBRID_STAGE), options);
        } catch (RuntimeException e) {
            close(hybrid);
            throw e;
        }
    }

    /** Whether this is the first of two stages (a hybrid search with a {@code ps:} block). */
    public boolean firstOfTwo() {
        return config.space() instanceof Hybrid h && h.ps().isPresent() && folder.endsWith(PS_STAGE);
    }

    /** The settings. */
    public EvolutionConfig config() {
        return config;
    }

    /** The space searched. */
    public SearchSpace space() {
        return space;
    }

    /** The optimiser, fresh. */
    public Optimizer optimizer() {
        return optimizer;
    }

    /** The fitness. */
    public TaskFitness fitness() {
        return fitness;
    }

    /** This stage's search folder. */
    public Path folder() {
        return folder;
    }

    /**
     * A search builder with the settings' budget, folder and seed, and a resume that restores the optimiser from the
     * checkpoint (refusing one of another optimiser or dimension).
     */
    public Search.Builder builder() {
        Search.Builder b = Search.builder(space, optimizer, fitness).generations(config.budget().generations())
                .folder(folder).seed(config.seed()).runtimeOptions(options)
                .optimizerRestore(state -> Optimizers.restore(state, optimizer.name(), space.dimensions()))
                .share(shareIdentity());
        config.budget().timeLimit().ifPresent(b::timeLimit);
        return b;
    }

    /**
     * What a candidate's fitness depends on besides the search's definition, for {@link Search.Builder#share}: the
     * models' and task files' contents (each file's name, size and time of last change, which a model written again
     * changes) and how the models compute. Two searches of the same definition running at once over the same
     * folders (a pipeline's PS search and a hybrid whose first stage is that search) then evaluate each candidate
     * once.
     */
    String shareIdentity() {
        StringBuilder b = new StringBuilder();
        config.models().forEach((name, f) -> b.append("model ").append(name).append(' ').append(stamp(f))
                .append('\n'));
        config.base().ifPresent(m -> b.append("base ").append(m.name()).append(' ').append(stamp(m.folder()))
                .append('\n'));
        for (TaskSpec t : config.fitness().tasks()) {
            b.append("task ").append(t.isFile() ? stamp(Path.of(t.name())) : t.name()).append('\n');
        }
        b.append("runtime ").append(options.kernels().name()).append(' ').append(options.threads()).append(' ')
                .append(options.prefillBatch());
        return b.toString();
    }

    /** A file or folder as its path and its files' names, sizes and times of last change. */
    static String stamp(Path p) {
        StringBuilder b = new StringBuilder(p.toAbsolutePath().normalize().toString());
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.isDirectory(p) ? java.nio.file.Files.list(p)
                : java.util.stream.Stream.of(p)) {
            for (Path f : files.sorted().toList()) {
                var a = java.nio.file.Files.readAttributes(f, java.nio.file.attribute.BasicFileAttributes.class);
                if (a.isRegularFile()) {
                    b.append(' ').append(f.getFileName()).append(':').append(a.size()).append(':')
                            .append(a.lastModifiedTime().toMillis()).append(':').append(a.fileKey());
                }
            }
        } catch (IOException e) {
            // unreadable now: a stamp no other search will have, so nothing is shared
            b.append(" unreadable ").append(System.identityHashCode(e));
        }
        return b.toString();
    }

    @Override
    public void close() {
        close(space);
    }

    private static void close(SearchSpace s) {
        if (s instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                // mapped files and tokenizers: nothing to report to a user at the end of a search
            }
        }
    }

    // --- the parts ------------------------------------------------------------------------------------------------

    static Optimizer optimizer(EvolutionConfig config, int dimensions, int objectives, double[] initial) {
        EvolutionConfig.OptimizerSettings o = config.optimizer();
        try {
            if (o.name().equals("cma-es") && o.sigma() != EvolutionConfigReader.SIGMA) {
                return new dev.kumiki.evolve.optim.CmaEs(dimensions, o.population(), config.seed(), initial,
                        o.sigma());
            }
            return Optimizers.of(o.name(), dimensions, o.population(), config.seed(), objectives, initial);
        } catch (IllegalArgumentException e) {
            throw new EvolutionException("optimizer: " + e.getMessage(), e);
        }
    }

    private static ParameterSpace parameterSpace(EvolutionConfig config, Ps ps) throws IOException {
        ParameterSpace.Builder b = ParameterSpace.builder().method(ps.method()).search(ps.parameters())
                .layerGroups(ps.layerGroups()).smooth(ps.smooth()).allowNegativeWeights(ps.allowNegativeWeights())
                .seed(config.seed());
        config.models().forEach(b::model);
        config.base().ifPresent(m -> b.base(m.name(), m.folder()));
        ps.bounds().forEach((p, r) -> b.bounds(p, r.min(), r.max()));
        ps.normalize().ifPresent(b::normalize);
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new EvolutionException("ps: " + e.getMessage(), e);
        }
    }

    private static DataFlowSpace.Settings settings(Dfs dfs) {
        return new DataFlowSpace.Settings(dfs.repeats(), dfs.scaleBounds().min(), dfs.scaleBounds().max(),
                dfs.maxLength(), DataFlowSpace.ScaleMode.of(dfs.scales()));
    }

    private static List<PathRecipe.Model> others(EvolutionConfig config) {
        List<PathRecipe.Model> models = new ArrayList<>();
        config.models().forEach((name, folder) -> models.add(PathRecipe.Model.folder(name, folder)));
        return models;
    }

    private static DataFlowSpace dataFlowSpace(EvolutionConfig config, Dfs dfs) throws IOException {
        try {
            return DataFlowSpace.of(others(config), settings(dfs));
        } catch (IllegalArgumentException e) {
            throw new EvolutionException("dfs: " + e.getMessage(), e);
        }
    }

    private static SearchSpace hybridSpace(EvolutionConfig config, Hybrid h, RuntimeOptions options)
            throws IOException {
        RecipeCandidate merge = RecipeCandidate.read(h.recipe().orElseThrow(), config.seed());
        try {
            return dev.kumiki.evolve.space.HybridSpace.of("merge", merge, others(config), settings(h.dfs()), options);
        } catch (IllegalArgumentException e) {
            throw new EvolutionException("hybrid: " + e.getMessage(), e);
        }
    }

    /** The fitness of the settings: each task loaded (shipped ones written into {@code tasksDir}), with its metric. */
    static TaskFitness fitness(EvolutionConfig config, Path tasksDir) throws IOException {
        TaskFitness.Builder b = TaskFitness.builder().subsample(config.fitness().subsample())
                .multiObjective(config.optimizer().multiObjective());
        config.fitness().searchSplit().ifPresent(b::searchSplit);
        config.fitness().testSplit().ifPresent(b::testSplit);
        for (TaskSpec t : config.fitness().tasks()) {
            Path file;
            if (t.isFile()) {
                file = Path.of(t.name());
            } else {
                Optional<Path> shipped = ShippedTasks.resolve(t.name(), tasksDir);
                if (shipped.isEmpty()) {
                    throw new EvolutionException("fitness: there is no shipped task '" + t.name() + "'");
                }
                file = shipped.get();
            }
            try {
                TaskConfig read = TaskReader.read(file);
                TaskConfig c = config.fitness().numFewshot()
                        .map(k -> read.toBuilder().setNumFewshot(k).build()).orElse(read);
                String metric = t.metric().orElseGet(() -> c.metricList().get(0).metric());
                b.addTask(Task.of(c), metric, t.weight());
            } catch (TaskException e) {
                throw new EvolutionException("fitness: " + e.getMessage(), e);
            }
        }
        return b.build();
    }
}
