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

    /**
     * Checks that the layers of model {@code name} can run on the hidden state of a path that starts from model
     * {@code firstName} (whose embeddings and head it uses): the same hidden_size, num_attention_heads,
     * num_key_value_heads, head_dim, intermediate_size, rms_norm_eps, rope_theta, rope_scaling, attention biases and
     * q/k norms. Architectures may differ otherwise (a Mistral's layers in a Llama's path); the vocabulary is the first
     * model's alone.
     *
     * @throws IllegalArgumentException naming both models, the config key and both values
     */
    public static void requireCompatible(String firstName, DecoderConfig first, String name, DecoderConfig other) {
        requireSame(firstName, name, "hidden_size", first.hiddenSize(), other.hiddenSize());
        requireSame(firstName, name, "num_attention_heads", first.heads(), other.heads());
        requireSame(firstName, name, "num_key_value_heads", first.kvHeads(), other.kvHeads());
        requireSame(firstName, name, "head_dim", first.headDim(), other.headDim());
        requireSame(firstName, name, "intermediate_size", first.intermediateSize(), other.intermediateSize());
        requireSame(firstName, name, "rms_norm_eps", first.rmsNormEps(), other.rmsNormEps());
        requireSame(firstName, name, "rope_theta", first.ropeTheta(), other.ropeTheta());
        requireSame(firstName, name, "rope_scaling", first.ropeScaling(), other.ropeScaling());
        requireSame(firstName, name, "attention_bias (q/k/v biases)", first.attentionBias(), other.attentionBias());
        requireSame(firstName, name, "attention_bias (o bias)", first.outputBias(), other.outputBias());
        requireSame(firstName, name, "q/k norms (Qwen3's q_norm, k_norm)", first.qkNorm(), other.qkNorm());
    }

    private static void requireSame(String firstName, String name, String key, Object expected, Object found) {
        if (!expected.equals(found)) {
            throw new IllegalArgumentException("the layers of " + name + " cannot run in a path that starts from "
                    + firstName + ": its " + key + " is " + found + ", " + firstName + "'s is " + expected
                    + "; a path needs models of the same shape (e.g. fine-tunes of one base)");
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
