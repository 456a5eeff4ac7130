package dev.kumiki.merge.methods;

import java.util.List;

import dev.kumiki.merge.MergeMethod;
import dev.kumiki.merge.ParameterDef;
import dev.kumiki.merge.TensorJob;
import dev.kumiki.tensor.kernel.Kernels;

/**
 * mergekit's {@code nuslerp}: slerp of two models with {@code t = w₁/(w₀+w₁)}, over task vectors when a base is
 * given, on the whole tensor ({@code nuslerp_flatten}, default), per row, or per column ({@code nuslerp_row_wise}).
 */
public final class NuSlerp implements MergeMethod {
    @Override
    public String name() {
        return "nuslerp";
    }

    @Override
    public String description() {
        return "Slerp of two models weighted by their weights, optionally of task vectors and per row or column.";
    }

    @Override
    public BaseUse baseUse() {
        return BaseUse.OPTIONAL;
    }

    @Override
    public List<ParameterDef> parameters() {
        return List.of(
                ParameterDef.optional("nuslerp_flatten", true, false, "treat the whole tensor as one vector"),
                ParameterDef.optional("nuslerp_row_wise", false, false,
                        "when not flattened, interpolate columns instead of rows"));
    }

    @Override
    public List<ParameterDef> modelParameters() {
        return List.of(ParameterDef.required("weight", true, "the model's share: t = w2 / (w1 + w2)"));
    }

    @Override
    public String check(TensorJob job) {
        return job.models() != 2 && job.models() != 1 ? "nuslerp merges exactly two models (besides an optional "
                + "base); this tensor has " + job.models() : null;
    }

    @Override
    public void merge(TensorJob job) {
        int chunk = (int) Math.min(job.chunk(), Math.max(1, job.elements()));
        if (job.models() == 1) {
            float[] buf = new float[chunk];
            for (long at = 0; at < job.elements(); at += chunk) {
                int n = (int) Math.min(chunk, job.elements() - at);
                job.input(0, at, buf, n);
                job.write(at, buf, n);
            }
            return;
        }
        double w0 = job.number(0, "weight");
        double w1 = job.number(1, "weight");
        float t = (float) (Math.abs(w0 + w1) < 1e-6 ? 0.5 : w1 / (w0 + w1));
        boolean flatten = job.bool("nuslerp_flatten");
        boolean columns = !flatten && job.bool("nuslerp_row_wise") && job.shape().rank() >= 2;
        long rowLength = flatten || job.shape().rank() < 2 ? job.elements() : job.shape().dim(job.shape().rank() - 1);
        if (flatten || rowLength == job.elements()) {
            wholeTensor(job, t, chunk);
        } else if (columns) {
            // axes 0 and -1 swapped: the vectors run along axis 0, one per index of the other axes
            long stride = job.shape().rowLength();
            byColumn(job, t, (int) stride, Chunks.rowAligned(job, stride));
        } else {
            byRow(job, t, (int) rowLength, Chunks.rowAligned(job, rowLength));
        }
    }

    /** Fills v0, v1 with the two vectors (task vectors when there is a base); base is left in {@code b}. */
    private static void vectors(TensorJob job, long at, float[] v0, float[] v1, float[] b, int n) {
        job.input(0, at, v0, n);
        job.input(1, at, v1, n);
        if (job.hasBase()) {
            job.base(at, b, n);
            job.kernels().subtract(v0, b, v0, 0, n);
            job.kernels().subtract(v1, b, v1, 0, n);
        }
    }

    private static void emit(TensorJob job, long at, float[] out, float[] b, int n) {
        if (job.hasBase()) {
            job.kernels().axpy(1f, b, out, 0, n);
        }
        job.write(at, out, n);
    }

    /** {c0, c1}: res = c0·v0 + c1·v1 for vectors with these norms and dot product. */
    static float[] coefficients(float t, double n0, double n1, double dot) {
        double cos = dot / (Math.max(n0, 1e-7) * Math.max(n1, 1e-7));
        float theta = (float) Math.acos(Math.max(-1.0, Math.min(1.0, (float) cos)));
        float sin = (float) Math.sin(theta);
        if (Math.abs(sin) < 1e-8f) {
            return new float[] {1f - t, t};
        }
        return new float[] {(float) Math.sin((1 - t) * theta) / sin, (float) Math.sin(t * theta) / sin};
    }

    private static void wholeTensor(TensorJob job, float t, int chunk) {
        Kernels k = job.kernels();
        float[] v0 = new float[chunk];
        float[] v1 = new float[chunk];
        float[] b = new float[chunk];
        double dot = 0;
        double ss0 = 0;
        double ss1 = 0;
        for (long at = 0; at < job.elements(); at += chunk) {
            int n = (int) Math.min(chunk, job.elements() - at);
            vectors(job, at, v0, v1, b, n);
            dot += k.dot(v0, v1, 0, n);
            ss0 += k.sumOfSquares(v0, 0, n);
            ss1 += k.sumOfSquares(v1, 0, n);
        }
        float[] c = coefficients(t, Math.sqrt(ss0), Math.sqrt(ss1), dot);
        float[] out = new float[chunk];
        for (long at = 0; at < job.elements(); at += chunk) {
            int n = (int) Math.min(chunk, job.elements() - at);
            vectors(job, at, v0, v1, b, n);
            k.weightedSum(new float[][] {v0, v1}, c, out, 0, n);
            emit(job, at, out, b, n);
        }
    }

    private static void byRow(TensorJob job, float t, int row, int chunk) {
        Kernels k = job.kernels();
        float[] v0 = new float[chunk];
        float[] v1 = new float[chunk];
        float[] b = new float[chunk];
        float[] out = new float[chunk];
        for (long at = 0; at < job.elements(); at += chunk) {
            int n = (int) Math.min(chunk, job.elements() - at);
            vectors(job, at, v0, v1, b, n);
            for (int s = 0; s < n; s += row) {
                float[] c = coefficients(t, Math.sqrt(k.sumOfSquares(v0, s, row)), Math.sqrt(k.sumOfSquares(v1, s, row)),
                        k.dot(v0, v1, s, row));
                for (int j = s; j < s + row; j++) {
                    out[j] = c[0] * v0[j] + c[1] * v1[j];
                }
            }
            emit(job, at, out, b, n);
        }
    }

    private static void byColumn(TensorJob job, float t, int row, int chunk) {
        float[] v0 = new float[chunk];
        float[] v1 = new float[chunk];
        float[] b = new float[chunk];
        double[] dot = new double[row];
        double[] ss0 = new double[row];
        double[] ss1 = new double[row];
        for (long at = 0; at < job.elements(); at += chunk) {
            int n = (int) Math.min(chunk, job.elements() - at);
            vectors(job, at, v0, v1, b, n);
            for (int j = 0; j < n; j++) {
                int c = j % row;
                dot[c] += (double) v0[j] * v1[j];
                ss0[c] += (double) v0[j] * v0[j];
                ss1[c] += (double) v1[j] * v1[j];
            }
        }
        float[][] coeffs = new float[row][];
        for (int c = 0; c < row; c++) {
            coeffs[c] = coefficients(t, Math.sqrt(ss0[c]), Math.sqrt(ss1[c]), dot[c]);
        }
        float[] out = new float[chunk];
        for (long at = 0; at < job.elements(); at += chunk) {
            int n = (int) Math.min(chunk, job.elements() - at);
            vectors(job, at, v0, v1, b, n);
            for (int j = 0; j < n; j++) {
                float[] c = coeffs[j % row];
                out[j] = c[0] * v0[j] + c[1] * v1[j];
            }
            emit(job, at, out, b, n);
        }
    }
}
