package dev.kumiki.merge.methods;

import java.util.List;

import dev.kumiki.merge.MergeMethod;
import dev.kumiki.merge.ParameterDef;
import dev.kumiki.merge.TensorJob;
import dev.kumiki.tensor.kernel.Kernels;
import dev.kumiki.tensor.kernel.MagnitudeSelection;

/**
 * mergekit's {@code sce}: Select the positions where the task vectors vary most ({@code select_topk}), Calculate
 * each model's coefficient from its mean squared change, Erase the changes against the elected sign.
 */
public final class Sce implements MergeMethod {
    @Override
    public String name() {
        return "sce";
    }

    @Override
    public String description() {
        return "SCE: keeps the most varying positions, weighs models by their change, erases minority signs.";
    }

    @Override
    public BaseUse baseUse() {
        return BaseUse.REQUIRED;
    }

    @Override
    public boolean cutsEmbeddingsToBase() {
        return true;
    }

    @Override
    public List<ParameterDef> parameters() {
        return List.of(
                ParameterDef.optional("select_topk", 1.0, false,
                        "fraction of positions kept, those with the largest variance across models").between(0, 1),
                ParameterDef.optional("int8_mask", false, false, "store masks as int8 (same result)"));
    }

    @Override
    public List<ParameterDef> modelParameters() {
        return List.of();
    }

    @Override
    public void merge(TensorJob job) {
        int k = job.models();
        int chunk = (int) Math.min(job.chunk(), Math.max(1, job.elements()));
        Kernels kernels = job.kernels();
        float[] base = new float[chunk];
        float[] scratch = new float[chunk];
        float[][] tau = new float[k][chunk];
        float[] keep = new float[chunk];
        if (k == 0) {
            for (long at = 0; at < job.elements(); at += chunk) {
                int n = (int) Math.min(chunk, job.elements() - at);
                job.base(at, base, n);
                job.write(at, base, n);
            }
            return;
        }
        double topk = job.number("select_topk");
        MagnitudeSelection.Threshold selection = null;
        if (topk < 1) {
            MagnitudeSelection.Source variance = (from, out, n) -> {
                job.base(from, base, n);
                for (int i = 0; i < k; i++) {
                    Chunks.delta(job, i, from, base, scratch, tau[i], n);
                }
                varianceOf(tau, out, n);
            };
            long nonzero = 0;
            float[] v = new float[chunk];
            for (long at = 0; at < job.elements(); at += chunk) {
                int n = (int) Math.min(chunk, job.elements() - at);
                variance.fill(at, v, n);
                for (int j = 0; j < n; j++) {
                    nonzero += v[j] != 0 ? 1 : 0;
                }
            }
            // torch computes k = int(count * select_topk) in float32
            long kept = topk <= 0 ? 0 : (long) ((float) nonzero * (float) topk);
            selection = MagnitudeSelection.threshold(variance, job.elements(), kept, chunk);
        }
        // coefficients: mean of the squared (selected) task vectors
        double[] meanSquares = new double[k];
        float[] variance = new float[chunk];
        MagnitudeSelection.Mask mask = selection == null ? null : selection.mask();
        for (long at = 0; at < job.elements(); at += chunk) {
            int n = (int) Math.min(chunk, job.elements() - at);
            select(job, at, base, scratch, tau, variance, keep, mask, n);
            for (int i = 0; i < k; i++) {
                meanSquares[i] += kernels.sumOfSquares(tau[i], 0, n);
            }
        }
        double total = 0;
        for (int i = 0; i < k; i++) {
            meanSquares[i] /= job.elements();
            total += meanSquares[i];
        }
        float[] c = new float[k];
        for (int i = 0; i < k; i++) {
            c[i] = Math.abs(total) < 1e-6 ? 1f / k : (float) (meanSquares[i] / total);
        }
        float[] sign = new float[chunk];
        float[] merged = new float[chunk];
        float[] weightSum = new float[chunk];
        mask = selection == null ? null : selection.mask();
        for (long at = 0; at < job.elements(); at += chunk) {
            int n = (int) Math.min(chunk, job.elements() - at);
            select(job, at, base, scratch, tau, variance, keep, mask, n);
            kernels.majoritySign(tau, false, sign, 0, n);
            java.util.Arrays.fill(merged, 0, n, 0f);
            java.util.Arrays.fill(weightSum, 0, n, 0f);
            for (int i = 0; i < k; i++) {
                kernels.agreement(tau[i], sign, keep, 0, n);
                for (int j = 0; j < n; j++) {
                    float ew = c[i] * keep[j];
                    merged[j] += tau[i][j] * ew;
                    weightSum[j] += ew;
                }
            }
            for (int j = 0; j < n; j++) {
                base[j] += merged[j] / Math.max(weightSum[j], 1e-6f);
            }
            job.write(at, base, n);
        }
    }

    /** Task vectors of the chunk, zeroed outside the selected positions; base left in {@code base}. */
    private static void select(TensorJob job, long at, float[] base, float[] scratch, float[][] tau, float[] variance,
            float[] keep, MagnitudeSelection.Mask mask, int n) {
        job.base(at, base, n);
        for (int i = 0; i < tau.length; i++) {
            Chunks.delta(job, i, at, base, scratch, tau[i], n);
        }
        if (mask != null) {
            varianceOf(tau, variance, n);
            mask.apply(job.kernels(), variance, keep, 0, n);
            for (float[] t : tau) {
                job.kernels().multiply(t, keep, t, 0, n);
            }
        }
    }

    /** Population variance across models at each position. */
    static void varianceOf(float[][] tau, float[] out, int n) {
        int k = tau.length;
        for (int j = 0; j < n; j++) {
            float mean = 0;
            for (float[] t : tau) {
                mean += t[j];
            }
            mean /= k;
            float v = 0;
            for (float[] t : tau) {
                float d = t[j] - mean;
                v += d * d;
            }
            out[j] = v / k;
        }
    }
}
