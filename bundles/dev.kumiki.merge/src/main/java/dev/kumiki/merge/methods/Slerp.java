package dev.kumiki.merge.methods;

import java.util.List;

import dev.kumiki.merge.MergeMethod;
import dev.kumiki.merge.ParameterDef;
import dev.kumiki.merge.TensorJob;
import dev.kumiki.tensor.kernel.Kernels;

/**
 * mergekit's {@code slerp}: spherical interpolation from the base model ({@code t = 0}) to the other model
 * ({@code t = 1}), the whole tensor as one vector; nearly colinear tensors ({@code |cos| > 0.9995}) are lerped.
 * Scalars are computed in float as mergekit's numpy code does.
 */
public final class Slerp implements MergeMethod {
    static final float DOT_THRESHOLD = 0.9995f;

    @Override
    public String name() {
        return "slerp";
    }

    @Override
    public String description() {
        return "Spherical interpolation between the base model and one other model.";
    }

    @Override
    public BaseUse baseUse() {
        return BaseUse.REQUIRED;
    }

    @Override
    public List<ParameterDef> parameters() {
        return List.of(ParameterDef.required("t", false, "position between the base (0) and the other model (1)").between(0, 1));
    }

    @Override
    public List<ParameterDef> modelParameters() {
        return List.of();
    }

    @Override
    public String check(TensorJob job) {
        return job.models() > 1 ? "slerp interpolates between the base model and exactly one other model; this tensor "
                + "has " + job.models() + " others" : null;
    }

    @Override
    public void merge(TensorJob job) {
        Kernels k = job.kernels();
        int chunk = (int) Math.min(job.chunk(), Math.max(1, job.elements()));
        float[] v0 = new float[chunk];
        float[] v1 = new float[chunk];
        if (job.models() == 0) {
            for (long at = 0; at < job.elements(); at += chunk) {
                int n = (int) Math.min(chunk, job.elements() - at);
                job.base(at, v0, n);
                job.write(at, v0, n);
            }
            return;
        }
        double dot = 0;
        double ss0 = 0;
        double ss1 = 0;
        for (long at = 0; at < job.elements(); at += chunk) {
            int n = (int) Math.min(chunk, job.elements() - at);
            job.base(at, v0, n);
            job.input(0, at, v1, n);
            dot += k.dot(v0, v1, 0, n);
            ss0 += k.sumOfSquares(v0, 0, n);
            ss1 += k.sumOfSquares(v1, 0, n);
        }
        float t = (float) job.number("t");
        float[] coefficients = coefficients(t, (float) Math.sqrt(ss0), (float) Math.sqrt(ss1), dot);
        float[] out = new float[chunk];
        for (long at = 0; at < job.elements(); at += chunk) {
            int n = (int) Math.min(chunk, job.elements() - at);
            job.base(at, v0, n);
            job.input(0, at, v1, n);
            k.weightedSum(new float[][] {v0, v1}, coefficients, out, 0, n);
            job.write(at, out, n);
        }
    }

    /** {s0, s1} with result = s0·v0 + s1·v1, from the norms and the dot product of the raw vectors. */
    static float[] coefficients(float t, float n0, float n1, double rawDot) {
        // mergekit normalises a vector only when its norm exceeds 1e-8
        double a0 = n0 > 1e-8f ? 1.0 / n0 : 1.0;
        double a1 = n1 > 1e-8f ? 1.0 / n1 : 1.0;
        float dot = (float) (rawDot * a0 * a1);
        if (Math.abs(dot) > DOT_THRESHOLD) {
            return new float[] {1f - t, t};
        }
        float theta0 = (float) Math.acos(dot);
        float sinTheta0 = (float) Math.sin(theta0);
        float thetaT = theta0 * t;
        float sinThetaT = (float) Math.sin(thetaT);
        float s0 = (float) Math.sin(theta0 - thetaT) / sinTheta0;
        float s1 = sinThetaT / sinTheta0;
        return new float[] {s0, s1};
    }
}
