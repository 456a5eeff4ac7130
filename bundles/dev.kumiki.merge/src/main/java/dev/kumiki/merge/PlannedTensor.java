package dev.kumiki.merge;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.Shape;

/**
 * One output tensor of a merge plan: where its inputs come from and the parameters they resolved to. Planning
 * reads headers only.
 *
 * @param output      the output tensor's name
 * @param shape       its shape
 * @param type        the type it is written in
 * @param base        the base model's tensor, if the method uses one
 * @param inputs      the other inputs, in order
 * @param t           position in its slice (0 first layer, 1 last; 0 before the layers, 1 after)
 * @param parameters  global parameters, by name
 * @param modelParameters per-model parameters of each input, by name
 * @param vocabulary  for embedding and head tensors of a merge with tokenizer_source: how every input's rows map
 *                    onto the output vocabulary
 */
public record PlannedTensor(String output, Shape shape, DType type, Optional<Input> base, List<Input> inputs,
                            double t, Map<String, Object> parameters, List<Map<String, Object>> modelParameters,
                            Optional<TokenizerPlan> vocabulary) {

    /** An input tensor: which model (as the configuration names it) and which of its tensors. */
    public record Input(String model, String tensor, DType type) {
        public Input {
            Objects.requireNonNull(model, "model");
            Objects.requireNonNull(tensor, "tensor");
            Objects.requireNonNull(type, "type");
        }
    }

    public PlannedTensor {
        Objects.requireNonNull(output, "output");
        Objects.requireNonNull(vocabulary, "vocabulary");
        inputs = List.copyOf(inputs);
        // parameters keep the method's declaration order, for listings
        parameters = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(parameters));
        modelParameters = modelParameters.stream()
                .map(m -> java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(m))).toList();
    }

    public long outputBytes() {
        return shape.elements() * type.bytes();
    }

    /** Bytes read per pass over the inputs. */
    public long inputBytes() {
        long n = shape.elements();
        return base.map(b -> n * b.type().bytes()).orElse(0L)
                + inputs.stream().mapToLong(i -> n * i.type().bytes()).sum();
    }
}
