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
import dev.kumiki.evolve.space.PathCandidate;
import dev.kumiki.evolve.space.PathRecipe;
import dev.kumiki.llm.runtime.RuntimeOptions;
import dev.kumiki.llm.runtime.TransformerLanguageModel;
import dev.kumiki.merge.MergePlan;
import dev.kumiki.merge.MergePlanner;
import dev.kumiki.merge.Merger;
import dev.kumiki.merge.PlannedTensor;
import dev.kumiki.merge.config.ConfigException;
import dev.kumiki.merge.config.MergeConfig;
import dev.kumiki.merge.config.MergeConfigReader;
import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.TensorInfo;
import dev.kumiki.tensor.io.ModelFolder;
import dev.kumiki.tensor.kernel.Kernels;

/**
 * The best model an EvolveMerge found: a handle, computed when read, never written by the search. In the parameter
 * space it is the merge of its best recipe (mergekit YAML): SaveModel streams it into a folder as it streams a Merge's,
 * and evaluation computes it in memory. In the data-flow and hybrid spaces it is a path of layers the runtime runs
 * directly, and SaveModel writes it as {@code kumiki merge} writes a layer path ({@link PathRecipe#save}): the first
 * model's embeddings, final norm and head, each step's layer renumbered, the scales folded into the residual
 * projections (exact where they are 1). A hybrid path through a merge computed in memory cannot be named by a folder,
 * which SaveModel is told.
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
        if (!kind.equals("ps")) {
            return openPath();
        }
        MergePlan plan = plan();
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

    /** The best path's tensors as the model folder SaveModel writes holds them. */
    private TensorReader openPath() throws IOException {
        PathRecipe path = savablePath();
        List<ModelFolder> folders = new ArrayList<>();
        try {
            for (PathRecipe.Model m : path.models()) {
                folders.add(ModelFolder.open(m.folder().orElseThrow()));
            }
        } catch (IOException | RuntimeException e) {
            folders.forEach(ModelFolder::close);
            throw e;
        }
        Map<String, PathRecipe.PathTensor> byName = new LinkedHashMap<>();
        path.tensors(folders, Optional.empty()).forEach(t -> byName.put(t.info().name(), t));
        return new TensorReader() {
            @Override
            public List<TensorInfo> tensors() {
                return byName.values().stream().map(PathRecipe.PathTensor::info).toList();
            }

            @Override
            public float[] read(String name) throws IOException {
                PathRecipe.PathTensor t = byName.get(name);
                if (t == null) {
                    throw new IOException("the evolved model has no tensor '" + name + "'");
                }
                return PathRecipe.values(t, folders, PlanWriter.kernels());
            }

            @Override
            public void close() {
                folders.forEach(ModelFolder::close);
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
            // the space owns the models a path runs through (and a hybrid's merge): opened for this model alone, it
            // is closed with it
            EvolutionSetup setup = EvolutionSetup.of(config, EvaluationTasks.shippedDir(), options);
            EvolutionSetup stage = null;
            try {
                stage = first.isPresent() ? setup.hybrid(first.get()) : setup;
                if (!(stage.space().decode(genome) instanceof PathCandidate path)) {
                    throw new IllegalStateException("the " + kind + " space did not decode a path");
                }
                EvolutionSetup second = stage;
                return path.open(options, () -> {
                    if (second != setup) {
                        second.close();
                    }
                    setup.close();
                });
            } catch (IOException | RuntimeException e) {
                if (stage != null && stage != setup) {
                    stage.close();
                }
                setup.close();
                throw e;
            }
        }
        try {
            return RecipeCandidate.read(recipe, config.seed()).open(options);
        } catch (EvolutionException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /**
     * The best path's recipe, when it can be written as a model folder: every model it runs through is a folder (a
     * hybrid's merge computed in memory is not).
     *
     * @throws IOException saying what to do with a path through a merge computed in memory
     */
    PathRecipe savablePath() throws IOException {
        PathRecipe path = PathRecipe.read(recipe);
        for (PathRecipe.Model m : path.models()) {
            if (m.folder().isEmpty()) {
                throw new IOException("the best hybrid path runs through a merge computed in memory ('" + m.name()
                        + "'), which a model folder cannot name; save that merge first (its recipe is in the path "
                        + recipe + "), or evaluate the EvolveMerge's model output directly (the runtime runs the path)");
            }
        }
        return path;
    }

    static List<TensorInfo> infos(MergePlan plan) {
        return plan.tensors().stream().map(t -> new TensorInfo(t.output(), t.type(), t.shape())).toList();
    }

    @Override
    public SaveSummary save(Path out, long shardBytes, Optional<DType> dtype, ExecuteContext context)
            throws IOException {
        if (!kind.equals("ps")) {
            // the path's own writer: the first model's embeddings, final norm and head (a passthrough merge would take
            // the last step's model's), scales folded into the residual projections
            long start = System.nanoTime();
            Kernels kernels = PlanWriter.kernels(context);
            PathRecipe.Saved saved;
            try {
                saved = savablePath().save(out, kernels, shardBytes, dtype);
            } catch (IllegalArgumentException e) {
                throw new IOException(e.getMessage(), e);
            }
            context.log("the best " + kind + " path written into " + out + ": " + saved.tensors() + " tensors");
            return new SaveSummary(saved.tensors(), saved.bytes(), (System.nanoTime() - start) / 1e9, kernels.name());
        }
        MergePlan plan = plan();
        Optional<String> type = Optional.of(PlanWriter.dataType(dtype)).filter(d -> d != dev.kumiki.nodes.settings
                .DataType.AUTO).map(dev.kumiki.nodes.settings.DataType::getLiteral);
        plan = plan.withOutput(type, java.nio.file.Files.readString(recipe));
        return PlanWriter.write(plan, out, shardBytes, config.seed(), context);
    }
}
