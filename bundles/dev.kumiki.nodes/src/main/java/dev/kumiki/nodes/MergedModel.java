package dev.kumiki.nodes;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.kumiki.engine.ExecuteContext;
import dev.kumiki.merge.MergePlan;
import dev.kumiki.merge.Merger;
import dev.kumiki.merge.PlannedTensor;
import dev.kumiki.merge.config.ConfigException;
import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.TensorInfo;

/** A merge's model: its recipe, computed tensor by tensor only when something reads it (e.g. SaveModel). */
public record MergedModel(ModelSpec spec, MergeRecipe recipe) implements ModelHandle {
    @Override
    public String summary() {
        return recipe.settings().getMethod().getLiteral() + " of " + recipe.base().map(b -> b.getKey() + " (base), ")
                .orElse("") + String.join(", ", recipe.models().keySet()) + " (computed while it is read)";
    }

    @Override
    public TensorReader open() throws IOException {
        MergePlan plan;
        try {
            plan = recipe.plan();
        } catch (ConfigException e) {
            throw new IOException(e.problem(), e);
        }
        MergePlan.Inputs inputs = plan.open();
        Merger merger = Merger.builder(plan, inputs.models()).kernels(PlanWriter.kernels())
                .seed(recipe.settings().getSeed()).build();
        Map<String, PlannedTensor> byName = new LinkedHashMap<>();
        plan.tensors().forEach(t -> byName.put(t.output(), t));
        return new TensorReader() {
            @Override
            public List<TensorInfo> tensors() {
                return spec.tensors();
            }

            @Override
            public float[] read(String name) throws IOException {
                PlannedTensor t = byName.get(name);
                if (t == null) {
                    throw new IOException("the merge has no tensor '" + name + "'");
                }
                return merger.compute(t);
            }

            @Override
            public void close() {
                inputs.close();
            }
        };
    }

    @Override
    public SaveSummary save(Path out, long shardBytes, Optional<DType> dtype, ExecuteContext context)
            throws IOException {
        return PlanWriter.write(recipe, out, shardBytes, dtype, recipe.settings().getSeed(), context);
    }
}
