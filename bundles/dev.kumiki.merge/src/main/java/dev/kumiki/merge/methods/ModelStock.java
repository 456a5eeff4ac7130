package dev.kumiki.merge.methods;

import java.util.List;

import dev.kumiki.merge.MergeMethod;
import dev.kumiki.merge.ParameterDef;
import dev.kumiki.merge.TensorJob;
import dev.kumiki.tensor.kernel.Kernels;

/**
 * mergekit's {@code model_stock}: the average of the fine-tuned models pulled towards the base by
 * {@code t = N·cosθ / (1 + (N−1)·cosθ)}, cosθ the mean pairwise cosine of their task vectors, for the whole tensor or
 * per row ({@code filter_wise}).
 */
public final class ModelStock implements MergeMethod {
    @Override
    public String name() {
        return "model_stock";
    }

    @Override
    public String description() {
        return "Model Stock: averages the fine-tuned models and interpolates towards the base by their agreement.";
    }

    @Override
    public BaseUse baseUse() {
        return BaseUse.REQUIRED;
    }

    @Override
    public List<ParameterDef> parameters() {
        return List.of(ParameterDef.optional("filter_wise", false, false, "compute the interpolation per row"));
    }

    @Override
    public List<ParameterDef> modelParameters() {
        return List.of();
    }

    @Override
    public String check(TensorJob job) {
        return job.models() == 1 ? "model_stock needs at least two models besides the base" : null;
    }

    @Override
    public void merge(TensorJob job) {
        int k = job.models();
        boolean perRow = job.bool("filter_wise");
        long row = !perRow ? job.elements() : job.shape().rank() < 2 ? job.elements()
                : job.shape().dim(job.shape().rank() - 1);
        int chunk = (int) Math.min(perRow ? Chunks.rowAligned(job, row) : job.chunk(), Math.max(1, job.elements()));
        float[] base = new float[chunk];
        float[][] x = new float[k][chunk];
        float[][] offsets = new float[k][chunk];
        float[] sum = new float[chunk];
        float[] out = new float[chunk];
        Kernels kernels = job.kernels();
        float tWhole = 0;
        if (k == 0) {
            copyBase(job, chunk, base);
            return;
        }
        if (!perRow) {
            double[][] dots = new double[k][k];
            for (long at = 0; at < job.elements(); at += chunk) {
                int n = (int) Math.min(chunk, job.elements() - at);
                load(job, at, base, x, offsets, n);
                for (int i = 0; i < k; i++) {
                    for (int j = i; j < k; j++) {
                        dots[i][j] += kernels.dot(offsets[i], offsets[j], 0, n);
                    }
                }
            }
            tWhole = interpolation(dots, k);
        }
        for (long at = 0; at < job.elements(); at += chunk) {
            int n = (int) Math.min(chunk, job.elements() - at);
            load(job, at, base, x, offsets, n);
            java.util.Arrays.fill(sum, 0, n, 0f);
            for (int i = 0; i < k; i++) {
                kernels.axpy(1f, x[i], sum, 0, n);
            }
            for (int s = 0; s < n; s += (int) Math.min(row, n)) {
                int len = (int) Math.min(row, n - s);
                float t = tWhole;
                if (perRow) {
                    double[][] dots = new double[k][k];
                    for (int i = 0; i < k; i++) {
                        for (int j = i; j < k; j++) {
                            dots[i][j] = kernels.dot(offsets[i], offsets[j], s, len);
                        }
                    }
                    t = interpolation(dots, k);
                }
                for (int j = s; j < s + len; j++) {
                    out[j] = t * (sum[j] / k) + (1 - t) * base[j];
                }
            }
            job.write(at, out, n);
        }
    }

    private static void copyBase(TensorJob job, int chunk, float[] base) {
        for (long at = 0; at < job.elements(); at += chunk) {
            int n = (int) Math.min(chunk, job.elements() - at);
            job.base(at, base, n);
            job.write(at, base, n);
        }
    }

    private static void load(TensorJob job, long at, float[] base, float[][] x, float[][] offsets, int n) {
        job.base(at, base, n);
        for (int i = 0; i < x.length; i++) {
            job.input(i, at, x[i], n);
            job.kernels().subtract(x[i], base, offsets[i], 0, n);
        }
    }

    /** t from the Gram matrix of the offsets (upper triangle with the squared norms on the diagonal). */
    static float interpolation(double[][] dots, int k) {
        double cosSum = 0;
        int pairs = 0;
        for (int i = 0; i < k; i++) {
            for (int j = i + 1; j < k; j++) {
                double norms = Math.sqrt(dots[i][i]) * Math.sqrt(dots[j][j]);
                double cos = dots[i][j] / Math.max(norms, 1e-6);
                cosSum += Math.max(-1, Math.min(1, cos));
                pairs++;
            }
        }
        float cos = (float) (cosSum / pairs);
        return k * cos / (1 + (k - 1) * cos);
    }
}
