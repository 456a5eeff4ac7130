package dev.kumiki.evolve;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import dev.kumiki.evolve.space.Candidate;
import dev.kumiki.llm.runtime.RuntimeOptions;
import dev.kumiki.llm.runtime.TensorSource;
import dev.kumiki.llm.runtime.Transformer;
import dev.kumiki.llm.runtime.TransformerLanguageModel;
import dev.kumiki.llm.tokenizer.PretrainedTokenizer;
import dev.kumiki.merge.MergePlan;
import dev.kumiki.merge.MergePlanner;
import dev.kumiki.merge.Merger;
import dev.kumiki.merge.PlannedTensor;
import dev.kumiki.merge.config.ConfigException;
import dev.kumiki.merge.config.MergeConfigReader;
import dev.kumiki.tensor.TensorInfo;
import dev.kumiki.tensor.io.ModelConfig;

/**
 * A fixed merge given as a mergekit YAML file (the best recipe of a parameter-space search, or one written by hand),
 * opened in memory like a search's candidates: the hybrid space's merge when it is not searched, and the best model of
 * a finished parameter-space search. Planned from the headers when made, so that a recipe that cannot be merged is
 * refused before anything runs.
 */
public final class RecipeCandidate implements Candidate {
    private final Path file;
    private final String text;
    private final MergePlan plan;
    private final long seed;

    private RecipeCandidate(Path file, String text, MergePlan plan, long seed) {
        this.file = file;
        this.text = text;
        this.plan = plan;
        this.seed = seed;
    }

    /**
     * The merge {@code file} describes, with {@code seed} for its random methods (DARE, DELLA).
     *
     * @throws EvolutionException naming the file, line and key when the recipe is wrong or its models cannot be merged
     * @throws IOException        when the file or a model's headers cannot be read
     */
    public static RecipeCandidate read(Path file, long seed) throws IOException {
        try {
            return new RecipeCandidate(file, Files.readString(file), MergePlanner.plan(MergeConfigReader.read(file,
                    w -> { })), seed);
        } catch (ConfigException e) {
            throw new EvolutionException(file + ": " + e.getMessage(), e);
        }
    }

    /** The merge's plan: its tensors and the folders they come from. */
    public MergePlan plan() {
        return plan;
    }

    @Override
    public String key() {
        return text;
    }

    @Override
    public String recipe() {
        return text;
    }

    @Override
    public Map<String, Double> parameters() {
        return Map.of();
    }

    /** Computes the merge's tensors into memory and opens it with the tokenizer of the model its files come from. */
    @Override
    public TransformerLanguageModel open(RuntimeOptions options) throws IOException {
        MergePlan.Inputs inputs = plan.open();
        try {
            Merger merger = Merger.builder(plan, inputs.models()).kernels(options.kernels()).seed(seed).build();
            Path files = plan.folders().get(plan.baseForFiles());
            JsonNode json = ModelConfig.read(files.resolve("config.json")).json();
            List<TensorInfo> infos = plan.tensors().stream().map(t -> new TensorInfo(t.output(), t.type(),
                    t.shape())).toList();
            Map<String, PlannedTensor> byName = new LinkedHashMap<>();
            plan.tensors().forEach(t -> byName.put(t.output(), t));
            TensorSource source = new TensorSource() {
                @Override
                public String name() {
                    return file.getFileName().toString();
                }

                @Override
                public JsonNode config() {
                    return json;
                }

                @Override
                public List<TensorInfo> tensors() {
                    return infos;
                }

                @Override
                public float[] read(String tensor) throws IOException {
                    PlannedTensor t = byName.get(tensor);
                    if (t == null) {
                        throw new IOException(file + ": the merge has no tensor '" + tensor + "'");
                    }
                    return merger.compute(t);
                }

                @Override
                public void close() {
                    inputs.close();
                }
            };
            PretrainedTokenizer tokenizer = PretrainedTokenizer.load(files);
            try {
                return TransformerLanguageModel.of(Transformer.of(source, options), tokenizer);
            } catch (IOException | RuntimeException e) {
                tokenizer.close();
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            inputs.close();
            throw e;
        }
    }

    @Override
    public String toString() {
        return file.toString();
    }
}
