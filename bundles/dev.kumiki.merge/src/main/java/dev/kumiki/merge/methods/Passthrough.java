package dev.kumiki.merge.methods;

import java.util.List;

import dev.kumiki.merge.MergeMethod;
import dev.kumiki.merge.ParameterDef;
import dev.kumiki.merge.TensorJob;

/** mergekit's {@code passthrough}: one input copied (used with slices to stack layers), times {@code scale} if set. */
public final class Passthrough implements MergeMethod {
    @Override
    public String name() {
        return "passthrough";
    }

    @Override
    public String description() {
        return "Copies one model's tensors unchanged; with slices, stacks layers of different models (frankenmerges).";
    }

    @Override
    public BaseUse baseUse() {
        return BaseUse.NONE;
    }

    @Override
    public List<ParameterDef> parameters() {
        return List.of();
    }

    @Override
    public List<ParameterDef> modelParameters() {
        return List.of(ParameterDef.optional("scale", Double.NaN, true, "multiply the tensor by this (none: copy)"));
    }

    @Override
    public String check(TensorJob job) {
        return job.models() != 1 ? "passthrough copies exactly one model per tensor, this tensor has " + job.models()
                + " (give each slice a single source)" : null;
    }

    @Override
    public void merge(TensorJob job) {
        double scale = job.number(0, "scale");
        int chunk = (int) Math.min(job.chunk(), Math.max(1, job.elements()));
        float[] buf = new float[chunk];
        for (long at = 0; at < job.elements(); at += chunk) {
            int n = (int) Math.min(chunk, job.elements() - at);
            job.input(0, at, buf, n);
            if (!Double.isNaN(scale)) {
                job.kernels().scale((float) scale, buf, 0, n);
            }
            job.write(at, buf, n);
        }
    }
}
