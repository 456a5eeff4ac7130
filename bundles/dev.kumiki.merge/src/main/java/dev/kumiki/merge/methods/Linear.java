package dev.kumiki.merge.methods;

import java.util.List;

import dev.kumiki.merge.MergeMethod;
import dev.kumiki.merge.ParameterDef;
import dev.kumiki.merge.TensorJob;

/** mergekit's {@code linear}: {@code Σ wᵢ·xᵢ}, divided by {@code Σ wᵢ} when {@code normalize}. */
public final class Linear implements MergeMethod {
    @Override
    public String name() {
        return "linear";
    }

    @Override
    public String description() {
        return "Weighted average of the models' weights (model soup).";
    }

    @Override
    public BaseUse baseUse() {
        return BaseUse.NONE;
    }

    @Override
    public List<ParameterDef> parameters() {
        return List.of(ParameterDef.optional("normalize", true, false, "divide by the sum of the weights"));
    }

    @Override
    public List<ParameterDef> modelParameters() {
        return List.of(ParameterDef.required("weight", true, "the model's weight in the sum"));
    }

    @Override
    public String check(TensorJob job) {
        return job.models() == 0 ? "linear needs at least one model" : null;
    }

    @Override
    public void merge(TensorJob job) {
        int k = job.models();
        float[] w = new float[k];
        float sum = 0;
        for (int i = 0; i < k; i++) {
            w[i] = (float) job.number(i, "weight");
            sum += w[i];
        }
        boolean normalize = job.bool("normalize");
        int chunk = (int) Math.min(job.chunk(), Math.max(1, job.elements()));
        float[][] xs = new float[k][chunk];
        float[] out = new float[chunk];
        for (long at = 0; at < job.elements(); at += chunk) {
            int n = (int) Math.min(chunk, job.elements() - at);
            for (int i = 0; i < k; i++) {
                job.input(i, at, xs[i], n);
            }
            job.kernels().weightedSum(xs, w, out, 0, n);
            if (normalize) {
                for (int j = 0; j < n; j++) {
                    out[j] /= sum;
                }
            }
            job.write(at, out, n);
        }
    }
}
