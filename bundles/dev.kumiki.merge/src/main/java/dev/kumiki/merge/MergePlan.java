package dev.kumiki.merge;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.kumiki.merge.config.MergeConfig;

/**
 * What a merge will do, decided from configuration and headers alone: the method, every output tensor with its
 * inputs and parameters, the models' folders, and the output model's layer count. {@link MergePlanner} makes it;
 * {@link Merger} carries it out.
 *
 * @param config       the configuration
 * @param method       the merge method
 * @param tensors      output tensors in writing order
 * @param folders      each referenced model's folder, by the name the configuration uses
 * @param baseForFiles the model whose config.json and tokenizer files the output starts from
 * @param outputLayers number of layers of the output model
 * @param tokenizer    the output vocabulary, when tokenizer_source is set
 * @param warnings     things the user should know (ignored keys, skipped tensors)
 */
public record MergePlan(MergeConfig config, MergeMethod method, List<PlannedTensor> tensors, Map<String, Path> folders,
                        String baseForFiles, Optional<Integer> outputLayers, Optional<TokenizerPlan> tokenizer,
                        List<String> warnings) {
    public MergePlan {
        tensors = List.copyOf(tensors);
        folders = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(folders));
        warnings = List.copyOf(warnings);
    }

    /** Bytes the output's weights take. */
    public long outputBytes() {
        return tensors.stream().mapToLong(PlannedTensor::outputBytes).sum();
    }
}
