package dev.kumiki.nodes;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;


import dev.kumiki.engine.ExecuteContext;
import dev.kumiki.evolve.EvolutionConfig;
import dev.kumiki.evolve.EvolutionException;
import dev.kumiki.evolve.EvolutionSetup;
import dev.kumiki.evolve.RecipeCandidate;
import dev.kumiki.evolve.space.PathRecipe;
import dev.kumiki.llm.runtime.RuntimeOptions;
import dev.kumiki.llm.runtime.TransformerLanguageModel;
import dev.kumiki.merge.MergeMethods;
import dev.kumiki.merge.MergePlan;
import dev.kumiki.merge.MergePlanner;
import dev.kumiki.merge.Merger;
import dev.kumiki.merge.PlannedTensor;
import dev.kumiki.merge.config.ConfigException;
import dev.kumiki.merge.config.MergeConfig;
import dev.kumiki.merge.config.MergeConfigReader;
import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.TensorInfo;

/**
 * The best model an EvolveMerge found: a handle, computed when read, never written by the search. In the parameter
 * space it is the merge of its best recipe (mergekit YAML): SaveModel streams it into a folder as it streams a Merge's,
 * and evaluation computes it in memory. In the data-flow and hybrid spaces it is a path of layers the runtime runs
 * directly; a path whose scales are all 1 is saved as the passthrough merge of one-layer slices it equals, and a path
 * with other scales cannot be held by a model folder, which SaveModel is told.
 *
 * @param spec   what the model is, from the headers
 * @param kind   the space, {@code ps}, {@code dfs} or {@code hybrid}
 * @param recipe the best recipe's file
 * @param config the search's settings (to rebuild a path's space)
 * @param genome the best genome (a path's, in the data-flow or hybrid space)
 * @param first  for a hybrid whose merge was searched too: the best genome of that first stage
 */
public record EvolvedModel(ModelSpec spec, String kind, Path recipe, EvolutionConfig config, double[] genome,
                           Optional<double[]> first) implements ModelHandle {
    @Override
    public String summary() {
        return "best " + kind + " candidate of an evolutionary search (" + recipe + "; computed while it is read)";
    }

    /** The merge of the best parameter-space recipe, planned from the headers. */
    MergePlan plan() throws IOException {
        try {
            MergeConfig c = MergeConfigReader.read(recipe, w -> { });
            return MergePlanner.plan(c);
        } catch (ConfigException e) {
            throw new IOException(recipe + ": " + e.problem(), e);
        }
    }

    @Override
    public TensorReader open() throws IOException {
        MergePlan plan = kind.equals("ps") ? plan() : passthrough();
        MergePlan.Inputs inputs = plan.open();
        Merger merger = Merger.builder(plan, inputs.models()).kernels(PlanWriter.kernels()).seed(config.seed())
                .build();
        Map<String, PlannedTensor> byName = new LinkedHashMap<>();
        plan.tensors().forEach(t -> byName.put(t.output(), t));
        return new TensorReader() {
            @Override
            public List<TensorInfo> tensors() {
                return infos(plan);
            }

            @Override
            public float[] read(String name) throws IOException {
                PlannedTensor t = byName.get(name);
                if (t == null) {
                    throw new IOException("the evolved model has no tensor '" + name + "'");
                }
                return merger.compute(t);
            }

            @Override
            public void close() {
                inputs.close();
            }
        };
    }

    /**
     * Runs the model: the best merge computed in memory, or the best path run through the models by the runtime.
     */
    TransformerLanguageModel language(RuntimeOptions options) throws IOException {
        if (kind.equals("dfs")) {
            // the layer-path recipe names its model folders: the runtime runs it, closing them with the model
            return PathRecipe.read(recipe).open(options);
        }
        if (!kind.equals("ps")) {
            // the space owns the models a path runs through; it stays open as long as the JVM (a handle cannot know
            // when the last reader is done), as LoadModel's mapped folders do
            EvolutionSetup setup = EvolutionSetup.of(config, EvaluationTasks.shippedDir(), options);
            EvolutionSetup stage = first.isPresent() ? setup.hybrid(first.get()) : setup;
            return stage.space().decode(genome).open(options);
        }
        try {
            return RecipeCandidate.read(recipe, config.seed()).open(options);
        } catch (EvolutionException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /**
     * The passthrough merge a path with every scale 1 equals: one slice per step, the first model supplying
     * embeddings, head and tokenizer.
     *
     * @throws IOException saying why a path with other scales cannot be saved, and what to do instead
     */
    MergePlan passthrough() throws IOException {
        PathRecipe path = PathRecipe.read(recipe);
        for (PathRecipe.Step s : path.steps()) {
            if (s.scale() != 1) {
                throw new IOException("the best " + kind + " path scales the hidden state between layers (step "
                        + s.model() + "." + s.layer() + " by " + s.scale() + "), which no model folder can hold: "
                        + "evaluate the EvolveMerge's model output directly (the runtime runs the path), keep its "
                        + "layer-path recipe (" + recipe + "), or search with scales: none or scale_bounds [1, 1] to get "
                        + "a path that saves as a passthrough merge");
            }
        }
        MergeConfig.Builder b = MergeConfig.builder().method(MergeMethods.PASSTHROUGH);
        for (PathRecipe.Model m : path.models()) {
            if (m.folder().isEmpty()) {
                throw new IOException("the best hybrid path runs through a merge computed in memory ('" + m.name()
                        + "'), which a passthrough cannot read; save that merge first (its recipe is in the path "
                        + recipe + ")");
            }
            b.folder(m.name(), m.folder().get());
        }
        List<MergeConfig.Builder.Source> sources = new ArrayList<>();
        for (PathRecipe.Step s : path.steps()) {
            sources.add(new MergeConfig.Builder.Source(s.model(), s.layer(), s.layer() + 1, Map.of()));
        }
        try {
            for (MergeConfig.Builder.Source s : sources) {
                b.slice(List.of(s), Map.of());
            }
            b.tokenizerSource(path.models().get(0).name());
            return MergePlanner.plan(b.build());
        } catch (ConfigException e) {
            throw new IOException("the best path cannot be written as a passthrough merge: " + e.problem(), e);
        }
    }

    static List<TensorInfo> infos(MergePlan plan) {
        return plan.tensors().stream().map(t -> new TensorInfo(t.output(), t.type(), t.shape())).toList();
    }

    @Override
    public SaveSummary save(Path out, long shardBytes, Optional<DType> dtype, ExecuteContext context)
            throws IOException {
        MergePlan plan = kind.equals("ps") ? plan() : passthrough();
        Optional<String> type = Optional.of(PlanWriter.dataType(dtype)).filter(d -> d != dev.kumiki.nodes.settings
                .DataType.AUTO).map(dev.kumiki.nodes.settings.DataType::getLiteral);
        plan = plan.withOutput(type, java.nio.file.Files.readString(recipe));
        return PlanWriter.write(plan, out, shardBytes, config.seed(), context);
    }
}
