package dev.kumiki.evolve.space;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.kumiki.llm.runtime.LayerPath;
import dev.kumiki.llm.runtime.RuntimeOptions;
import dev.kumiki.llm.runtime.Transformer;
import dev.kumiki.llm.runtime.TransformerLanguageModel;

/**
 * A decoded data-flow (or hybrid) genome: a layer path through its space's models. Opening it builds
 * {@code Transformer.path} over the space's shared models (opened once, by the first candidate opened) with the first
 * model's tokenizer; nothing is copied or written.
 */
public final class PathCandidate implements Candidate {
    private final String kind;
    private final PathModels models;
    private final PathRecipe recipe;
    private final LayerPath path;

    PathCandidate(String kind, PathModels models, PathRecipe recipe) {
        this.kind = kind;
        this.models = models;
        this.recipe = recipe;
        this.path = recipe.toLayerPath();
    }

    /** The path, with model indices into the space's models. */
    public LayerPath path() {
        return path;
    }

    /** The path written down. */
    public PathRecipe pathRecipe() {
        return recipe;
    }

    /** The recipe's YAML: it names every model and gives every scale at its written precision. */
    @Override
    public String key() {
        return recipe.toYaml();
    }

    /** The documented layer-path YAML ({@link PathRecipe}). */
    @Override
    public String recipe() {
        return recipe.toYaml();
    }

    /** Each step in order, {@code step 3: math.2} → the scale before it. */
    @Override
    public Map<String, Double> parameters() {
        Map<String, Double> p = new LinkedHashMap<>();
        for (int i = 0; i < recipe.steps().size(); i++) {
            PathRecipe.Step s = recipe.steps().get(i);
            p.put("step " + (i + 1) + ": " + s.model() + "." + s.layer(), s.scale());
        }
        return p;
    }

    /**
     * The path as a model with the first model's tokenizer; closing it releases the path's threads, not the shared
     * models (the space's {@code close} does).
     */
    @Override
    public TransformerLanguageModel open(RuntimeOptions options) throws IOException {
        return open(options, null);
    }

    /**
     * {@link #open(RuntimeOptions)} for a model that owns what it runs on: {@code onClose} (e.g. the space, opened
     * for this model alone) is closed when the model is, after the path's threads.
     */
    public TransformerLanguageModel open(RuntimeOptions options, AutoCloseable onClose) throws IOException {
        Transformer t = Transformer.path(models.transformers(options), path, options, onClose);
        return TransformerLanguageModel.of(t, models.tokenizer());
    }

    @Override
    public String toString() {
        return kind + " path " + parameters().keySet();
    }
}
