package dev.kumiki.nodes;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

import dev.kumiki.engine.ExecuteContext;
import dev.kumiki.tensor.DType;

/** A merge's model: its recipe, computed tensor by tensor only when something reads it (e.g. SaveModel). */
public record MergedModel(ModelSpec spec, MergeRecipe recipe) implements ModelHandle {
    @Override
    public String summary() {
        return recipe.settings().getMethod().getLiteral() + " of " + recipe.base().map(b -> b.getKey() + " (base), ")
                .orElse("") + String.join(", ", recipe.models().keySet()) + " (computed while it is read)";
    }

    @Override
    public SaveSummary save(Path out, long shardBytes, Optional<DType> dtype, ExecuteContext context)
            throws IOException {
        return PlanWriter.write(recipe, out, shardBytes, dtype, recipe.settings().getSeed(), context);
    }
}
