package dev.kumiki.nodes;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.kumiki.engine.ExecuteContext;
import dev.kumiki.nodes.settings.MergeMethod;
import dev.kumiki.nodes.settings.NodesFactory;
import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.TensorInfo;
import dev.kumiki.tensor.io.MappedReads;
import dev.kumiki.tensor.io.ModelFolder;

/** A model that exists as a folder; saving it elsewhere streams its tensors (converting their type if asked). */
public record FolderModel(ModelSpec spec, Path folder) implements ModelHandle {
    @Override
    public String summary() {
        return folder.toString();
    }

    @Override
    public TensorReader open() throws IOException {
        ModelFolder model = ModelFolder.open(folder);
        return new TensorReader() {
            @Override
            public List<TensorInfo> tensors() {
                return spec.tensors();
            }

            @Override
            public float[] read(String name) throws IOException {
                // through copies: a file shrinking under its mapping is an error naming it, not a crash
                return MappedReads.readAll(model, name, PlanWriter.kernels());
            }

            @Override
            public void close() {
                model.close();
            }
        };
    }

    @Override
    public SaveSummary save(Path out, long shardBytes, Optional<DType> dtype, ExecuteContext context)
            throws IOException {
        var copy = NodesFactory.eINSTANCE.createMerge();
        copy.setMethod(MergeMethod.PASSTHROUGH);
        MergeRecipe recipe = new MergeRecipe(copy, Map.of("model", folder), Optional.empty(), folder.getParent());
        return PlanWriter.write(recipe, out, shardBytes, dtype, 0, context);
    }
}
