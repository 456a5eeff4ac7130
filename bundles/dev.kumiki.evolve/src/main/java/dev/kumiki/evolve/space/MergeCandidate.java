package dev.kumiki.evolve.space;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.kumiki.llm.runtime.RuntimeOptions;
import dev.kumiki.llm.runtime.TensorSource;
import dev.kumiki.llm.runtime.Transformer;
import dev.kumiki.llm.runtime.TransformerLanguageModel;
import dev.kumiki.merge.MergePlan;
import dev.kumiki.merge.MergePlanner;
import dev.kumiki.merge.Merger;
import dev.kumiki.merge.PlannedTensor;
import dev.kumiki.merge.config.ConfigException;
import dev.kumiki.merge.config.MergeConfig;
import dev.kumiki.merge.config.MergeConfigWriter;
import dev.kumiki.tensor.TensorInfo;
import dev.kumiki.tensor.io.ModelFolder;

/**
 * A decoded genome of the {@link ParameterSpace}: a typed merge recipe. {@link #open} plans it against the models
 * the space keeps mapped and computes the merged tensors into memory ({@link Merger#compute}, several tensors at once
 * on the runtime's threads), from which the runtime builds the model ({@link Transformer#of}): nothing is written to
 * disk, and the result equals the same recipe merged to a folder and opened from there.
 */
public final class MergeCandidate implements Candidate {
    private final ParameterSpace space;
    private final MergeConfig config;
    private final Map<String, Double> parameters;

    MergeCandidate(ParameterSpace space, MergeConfig config, Map<String, Double> parameters) {
        this.space = Objects.requireNonNull(space, "space");
        this.config = Objects.requireNonNull(config, "config");
        this.parameters = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }

    /** The typed recipe. */
    public MergeConfig config() {
        return config;
    }

    /** The recipe as mergekit YAML with models by name: equal for equal decoded values. */
    @Override
    public String key() {
        return MergeConfigWriter.write(config, name -> name);
    }

    /**
     * The recipe as mergekit YAML with the models' folders, which mergekit and {@code kumiki merge} run; for a method
     * that drops at random (DARE, DELLA), first a comment with the seed the search merged with, without which the
     * same recipe makes another model.
     */
    @Override
    public String recipe() {
        String yaml = MergeConfigWriter.write(config);
        if (!config.method().random()) {
            return yaml;
        }
        return "# " + config.method().name() + " drops at random: the search merged this recipe with seed "
                + space.seed() + ", and `kumiki merge --seed " + space.seed() + " THIS_FILE OUT_DIR` makes the model "
                + "it scored (another seed makes another model)\n" + yaml;
    }

    @Override
    public Map<String, Double> parameters() {
        return parameters;
    }

    /**
     * Merges the recipe in memory and opens it with the tokenizer of the base model (or of the tokenizer source),
     * which the space owns: closing the model leaves the tokenizer open for the next candidate.
     *
     * @throws IOException when the recipe cannot be merged (e.g. della's density ± epsilon leaves (0, 1)) or a model
     *                     cannot be read; the message says which
     */
    @Override
    public TransformerLanguageModel open(RuntimeOptions options) throws IOException {
        return TransformerLanguageModel.of(Transformer.of(source(options), options), space.tokenizer());
    }

    /**
     * The merged model's tensors, computed in memory when read (ahead, on {@code options.threads()} workers), and its
     * config.json: for runtimes that build on the merge (e.g. a layer path through it and another model). The caller
     * closes it; the models stay mapped by the space.
     *
     * @throws IOException when the recipe cannot be merged; the message says why
     */
    public TensorSource source(RuntimeOptions options) throws IOException {
        Map<String, ModelFolder> models = space.opened();
        MergePlan plan;
        try {
            plan = MergePlanner.plan(config, models);
        } catch (ConfigException e) {
            throw new IOException("this candidate cannot be merged: " + e.problem(), e);
        }
        Merger merger = Merger.builder(plan, models).kernels(options.kernels()).threads(1).seed(space.seed())
                .magnitudeProfiles(space.magnitudes()).build();
        return new Source(plan, merger, models, space.mergePool(Math.max(1, options.threads())));
    }

    @Override
    public String toString() {
        return key();
    }

    /**
     * The merge's tensors, computed ahead on the space's merge threads in the order the runtime reads them, and the
     * config.json a saved copy would have (layers, vocabulary rows and dtype as the merge library writes them).
     */
    private static final class Source implements TensorSource {
        private final String name;
        private final ObjectNode config;
        private final List<TensorInfo> tensors;
        private final Map<String, Future<float[]>> computed = new LinkedHashMap<>();

        Source(MergePlan plan, Merger merger, Map<String, ModelFolder> models, ExecutorService pool)
                throws IOException {
            MergeConfig c = plan.config();
            this.name = c.method().name() + " of " + String.join(", ", c.referencedModels());
            this.config = plan.outputConfig(models).orElseThrow(() -> new IOException("model '"
                    + plan.baseForFiles() + "' (" + plan.folders().get(plan.baseForFiles()) + ") has no config.json; "
                    + "the runtime needs one to know the architecture"));
            List<TensorInfo> infos = new ArrayList<>();
            for (PlannedTensor t : plan.tensors()) {
                infos.add(new TensorInfo(t.output(), t.type(), t.shape()));
            }
            this.tensors = List.copyOf(infos);
            for (PlannedTensor t : plan.tensors()) {
                computed.put(t.output(), pool.submit(() -> merger.compute(t)));
            }
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public JsonNode config() {
            return config;
        }

        @Override
        public List<TensorInfo> tensors() {
            return tensors;
        }

        @Override
        public float[] read(String tensor) throws IOException {
            Future<float[]> f = computed.remove(tensor);
            if (f == null) {
                throw new IOException("the merge has no tensor '" + tensor + "'");
            }
            try {
                return f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("the merge was interrupted at " + tensor, e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof IOException io) {
                    throw io;
                }
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                throw new IOException(tensor + ": " + e.getCause(), e.getCause());
            }
        }

        @Override
        public void close() {
            // the pool is the space's: only this merge's tensors not read yet are dropped
            computed.values().forEach(f -> f.cancel(false));
            computed.clear();
        }
    }
}
