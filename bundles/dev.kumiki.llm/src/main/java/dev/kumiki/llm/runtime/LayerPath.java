package dev.kumiki.llm.runtime;

import java.util.List;
import java.util.Objects;

/**
 * A path of decoder layers through several models (the data-flow space of Sakana AI's evolutionary model merging,
 * arXiv 2403.13187): which layer of which model runs at each step, and the scale the hidden state is multiplied by
 * before that step's layer. {@link Transformer#path} runs it; the first model supplies the embeddings, the final norm
 * and the output head.
 * {@snippet :
 * LayerPath path = new LayerPath(2, List.of(new LayerPath.Step(0, 0, 1), new LayerPath.Step(1, 3, 0.8),
 *         new LayerPath.Step(0, 1, 1)));
 * try (Transformer t = Transformer.path(List.of(ja, math), path)) { … }
 * }
 *
 * @param models how many models the step indices refer to (the list given to {@link Transformer#path})
 * @param steps  at least one step, in the order the hidden state passes through them
 */
public record LayerPath(int models, List<Step> steps) {

    /**
     * One step of a path.
     *
     * @param model the model's index in the list the path runs through
     * @param layer the layer's index in that model ({@code model.layers.<layer>.*})
     * @param scale what the hidden state is multiplied by before this layer (the paper's W between the previous
     *              layer and this one); exactly 1 leaves it untouched. Finite.
     */
    public record Step(int model, int layer, double scale) {
        public Step {
            if (model < 0 || layer < 0) {
                throw new IllegalArgumentException("a path step needs a model and a layer index >= 0, found model "
                        + model + ", layer " + layer);
            }
            if (!Double.isFinite(scale)) {
                throw new IllegalArgumentException("the scale of the step through layer " + layer + " of model "
                        + model + " must be a finite number, found " + scale);
            }
        }

        /** A step with the hidden state passed on unchanged. */
        public static Step of(int model, int layer) {
            return new Step(model, layer, 1);
        }
    }

    public LayerPath {
        Objects.requireNonNull(steps, "steps");
        steps = List.copyOf(steps);
        if (models < 1) {
            throw new IllegalArgumentException("a layer path runs through at least one model, found " + models);
        }
        if (steps.isEmpty()) {
            throw new IllegalArgumentException("a layer path needs at least one step");
        }
        for (int i = 0; i < steps.size(); i++) {
            if (steps.get(i).model() >= models) {
                throw new IllegalArgumentException("step " + i + " names model " + steps.get(i).model()
                        + " but the path runs through " + models + " model" + (models == 1 ? "" : "s")
                        + " (indices 0 to " + (models - 1) + ")");
            }
        }
    }

    /** The number of steps: the path model's {@code num_hidden_layers}. */
    public int length() {
        return steps.size();
    }

    /** Whether some step multiplies the hidden state (a scale other than exactly 1). */
    public boolean scaled() {
        return steps.stream().anyMatch(s -> s.scale() != 1);
    }
}
