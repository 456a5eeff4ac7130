package dev.kumiki.nodes;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

import dev.kumiki.engine.PortSpec;
import dev.kumiki.tensor.TensorInfo;
import dev.kumiki.tensor.io.ModelConfig;

/**
 * What a model port will carry, told from headers and config.json only: the architecture, layer count, tensors with
 * their types and shapes, and where the model is — a folder, or a merge recipe computed on demand.
 *
 * @param config  config.json, when the model has one
 * @param layers  the number of transformer layers, when known
 * @param tensors every tensor's name, type and shape
 * @param folder  the folder holding the model, when it exists as files
 * @param recipe  the merge that computes the model, when it is a merge's output
 */
public record ModelSpec(Optional<ModelConfig> config, Optional<Integer> layers, List<TensorInfo> tensors,
                        Optional<Path> folder, Optional<MergeRecipe> recipe) implements PortSpec {
    public ModelSpec {
        tensors = List.copyOf(tensors);
    }

    public long byteSize() {
        return tensors.stream().mapToLong(TensorInfo::byteSize).sum();
    }

    public Optional<TensorInfo> tensor(String name) {
        return tensors.stream().filter(t -> t.name().equals(name)).findFirst();
    }

    @Override
    public String summary() {
        StringBuilder b = new StringBuilder(config.map(ModelConfig::architecture).orElse("model"));
        layers.ifPresent(n -> b.append(", ").append(n).append(" layers"));
        config.flatMap(c -> c.vocabSize().isPresent() ? Optional.of(c.vocabSize().getAsInt()) : Optional.empty())
                .ifPresent(v -> b.append(", vocabulary ").append(v));
        b.append(", ").append(tensors.stream().map(t -> t.dtype().safetensorsName().toLowerCase(Locale.ROOT))
                .distinct().collect(Collectors.joining("/")));
        b.append(", ").append(tensors.size()).append(" tensors, ").append(size(byteSize()));
        return b.toString();
    }

    static String size(long bytes) {
        if (bytes >= 1_000_000_000L) {
            return String.format(Locale.ROOT, "%.2f GB", bytes / 1e9);
        }
        if (bytes >= 1_000_000L) {
            return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
        }
        return String.format(Locale.ROOT, "%.1f kB", bytes / 1e3);
    }
}
