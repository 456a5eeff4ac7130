package dev.kumiki.nodes;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import dev.kumiki.engine.ExecuteContext;
import dev.kumiki.merge.lora.AdaptedModel;
import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.TensorInfo;

/**
 * A model folder with a PEFT adapter applied, computed when it is read: every adapted weight is
 * {@code W + scaling · B·A} ({@link AdaptedModel}), the other tensors are the model's own. Evaluate and Generate run it
 * from memory; SaveModel writes the merged weights.
 *
 * @param spec    the model's spec: the base's tensors and config, at no folder (the weights exist nowhere as such)
 * @param model   the base model's folder
 * @param adapter the adapter's folder
 */
public record AdaptedModelHandle(ModelSpec spec, Path model, Path adapter) implements ModelHandle {
    /** The spec of {@code base} with an adapter applied: the same tensors and config, no folder of its own. */
    static ModelSpec spec(ModelSpec base) {
        return new ModelSpec(base.config(), base.layers(), base.tensors(), Optional.empty(), Optional.empty());
    }

    @Override
    public String summary() {
        return model + " with the adapter " + adapter + " (applied while it is read)";
    }

    /** Opens the adapted model; close it when done. */
    AdaptedModel openAdapted() throws IOException {
        return AdaptedModel.open(model, adapter).kernels(PlanWriter.kernels());
    }

    @Override
    public TensorReader open() throws IOException {
        AdaptedModel m = openAdapted();
        return new TensorReader() {
            @Override
            public List<TensorInfo> tensors() {
                return m.tensors();
            }

            @Override
            public float[] read(String name) throws IOException {
                return m.read(name);
            }

            @Override
            public void close() {
                m.close();
            }
        };
    }

    @Override
    public SaveSummary save(Path out, long shardBytes, Optional<DType> dtype, ExecuteContext context)
            throws IOException {
        if (dtype.isPresent() && spec.tensors().stream().anyMatch(t -> t.dtype().isFloatingPoint()
                && t.dtype() != dtype.get())) {
            throw new IOException("a model with an adapter applied is written in the base model's own types; set "
                    + "SaveModel's dtype to auto, or save it first and convert that folder with another SaveModel");
        }
        long start = System.nanoTime();
        try (AdaptedModel m = openAdapted()) {
            m.write(out, Math.max(1, context.threads()));
            long bytes = m.tensors().stream().mapToLong(TensorInfo::byteSize).sum();
            return new SaveSummary(m.tensors().size(), bytes, (System.nanoTime() - start) / 1e9,
                    PlanWriter.kernels(context).name());
        }
    }
}
