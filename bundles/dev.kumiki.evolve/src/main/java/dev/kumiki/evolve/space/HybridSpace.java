package dev.kumiki.evolve.space;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import dev.kumiki.llm.runtime.DecoderConfig;
import dev.kumiki.llm.runtime.RuntimeOptions;
import dev.kumiki.llm.runtime.TransformerLanguageModel;

/**
 * The hybrid (kind {@code hybrid}) of Sakana AI's evolutionary model merging: the parameter space first, then the
 * data-flow space over the parameter-space result and other models. The merge is fixed (a decoded parameter-space
 * candidate, typically the best of a finished PS search); it is computed in memory once, when the space is made, and
 * is the path's first model: its embeddings, head and tokenizer serve every path. The genome is the data-flow
 * space's ({@link DataFlowSpace}, same settings); candidates' recipes are layer paths whose first model is the merge's
 * mergekit YAML.
 * <p>
 * The parameter space the merge came from must stay open while the hybrid is used: a {@link MergeCandidate}'s model
 * uses that space's tokenizer. Close the hybrid first, then the parameter space.
 * {@snippet :
 * try (ParameterSpace ps = ParameterSpace.builder().method("ties").base("base", base).model("ja", ja)
 *         .model("math", math).build();
 *         HybridSpace hybrid = HybridSpace.of(ps, bestPsGenome, List.of(PathRecipe.Model.folder("math", math)),
 *                 DataFlowSpace.Settings.DEFAULTS, RuntimeOptions.defaults())) {
 *     PathCandidate c = hybrid.decode(hybrid.initial());   // the merge itself
 * }
 * }
 */
public final class HybridSpace implements SearchSpace, AutoCloseable {

    /** The merge, opened once and shared by every path. */
    private record Merge(PathRecipe.Model recipe, DecoderConfig config, TransformerLanguageModel model)
            implements PathModels.Source {
        @Override
        public PathModels.Opened open(RuntimeOptions options, boolean first) {
            return new PathModels.Opened(model.transformer(), model.tokenizer(), model);
        }
    }

    private final DataFlowSpace dfs;
    private final Candidate merge;

    private HybridSpace(DataFlowSpace dfs, Candidate merge) {
        this.dfs = dfs;
        this.merge = merge;
    }

    /**
     * The hybrid over the best genome of a finished parameter-space search: {@code ps.decode(psGenome)}.
     *
     * @see #of(String, Candidate, List, DataFlowSpace.Settings, RuntimeOptions)
     */
    public static HybridSpace of(SearchSpace ps, double[] psGenome, List<PathRecipe.Model> others,
            DataFlowSpace.Settings settings, RuntimeOptions options) throws IOException {
        return of("merge", ps.decode(psGenome), others, settings, options);
    }

    /**
     * The hybrid over {@code merge} (named {@code name} in the paths) and the model folders {@code others}. The merge
     * is computed now, in memory, with {@code options}.
     *
     * @throws IOException when the merge cannot be computed or a model's config.json cannot be read
     * @throws IllegalArgumentException naming the model and config key when a model's layers cannot run in a path
     *         that starts from the merge, or no other model is given
     */
    public static HybridSpace of(String name, Candidate merge, List<PathRecipe.Model> others,
            DataFlowSpace.Settings settings, RuntimeOptions options) throws IOException {
        Objects.requireNonNull(merge, "merge");
        if (others.isEmpty()) {
            throw new IllegalArgumentException("a hybrid search runs a path through the merge and at least one "
                    + "other model; none given");
        }
        List<PathModels.Source> sources = new ArrayList<>();
        for (PathRecipe.Model m : others) {
            if (m.folder().isEmpty()) {
                throw new IllegalArgumentException("model '" + m.name() + "' has no folder");
            }
            if (m.name().equals(name) || sources.stream().anyMatch(s -> s.recipe().name().equals(m.name()))) {
                throw new IllegalArgumentException("model name '" + m.name() + "' is used twice; each model of a "
                        + "path needs its own name");
            }
            sources.add(PathModels.Folder.of(m.name(), m.folder().get()));
        }
        TransformerLanguageModel model = merge.open(options);
        try {
            sources.add(0, new Merge(PathRecipe.Model.merge(name, merge.recipe()),
                    model.transformer().config(), model));
            return new HybridSpace(new DataFlowSpace("hybrid", new PathModels(sources), settings), merge);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** The merge the paths start from. */
    public Candidate merge() {
        return merge;
    }

    /** The data-flow space over the merge and the other models. */
    public DataFlowSpace dataFlow() {
        return dfs;
    }

    @Override
    public String kind() {
        return "hybrid";
    }

    @Override
    public int dimensions() {
        return dfs.dimensions();
    }

    @Override
    public List<String> names() {
        return dfs.names();
    }

    /** The merge as it is (see {@link DataFlowSpace#initial()}). */
    @Override
    public double[] initial() {
        return dfs.initial();
    }

    @Override
    public PathCandidate decode(double[] genome) {
        return dfs.decode(genome);
    }

    /** Releases the merge and the models, once every candidate's model is closed. */
    @Override
    public void close() {
        dfs.close();
    }

    @Override
    public String toString() {
        return dfs.toString();
    }
}
