package dev.kumiki.merge.methods;

import java.util.ArrayList;
import java.util.List;

import dev.kumiki.merge.MergeMethod;
import dev.kumiki.merge.ParameterDef;
import dev.kumiki.merge.TensorJob;
import dev.kumiki.tensor.kernel.CounterRandom;
import dev.kumiki.tensor.kernel.Kernels;
import dev.kumiki.tensor.kernel.MagnitudeSelection;

/**
 * mergekit's generalized task arithmetic, the family of task_arithmetic, ties, dare_ties, dare_linear, breadcrumbs,
 * breadcrumbs_ties, della and della_linear: task vectors {@code δᵢ = xᵢ − base} are sparsified (magnitude, DARE's
 * random drop, breadcrumbs' outlier drop, DELLA's rank-dependent drop; optionally rescaled to their L1 norm),
 * weighted, optionally filtered by TIES sign consensus, summed, normalised, scaled by {@code lambda} and added to
 * the base. docs/merge-methods.md has the exact steps.
 * <p>
 * Everything streams: magnitude thresholds come from two radix-histogram passes ({@link MagnitudeSelection}), random
 * masks from a counter-based generator (recomputed, never stored), L1 rescale factors from one more pass.
 */
public final class TaskArithmetic implements MergeMethod {

    /** How task vectors are thinned. */
    enum Sparsification { NONE, MAGNITUDE, RANDOM, MAGNITUDE_OUTLIERS, DELLA }

    private final String name;
    private final String description;
    private final boolean consensus;
    private final Sparsification sparsification;
    private final boolean defaultNormalize;
    private final boolean defaultRescale;

    private TaskArithmetic(String name, String description, boolean consensus, Sparsification sparsification,
            boolean defaultNormalize, boolean defaultRescale) {
        this.name = name;
        this.description = description;
        this.consensus = consensus;
        this.sparsification = sparsification;
        this.defaultNormalize = defaultNormalize;
        this.defaultRescale = defaultRescale;
    }

    public static TaskArithmetic taskArithmetic() {
        return new TaskArithmetic("task_arithmetic", "Adds weighted task vectors (model − base) to the base.", false,
                Sparsification.NONE, false, false);
    }

    public static TaskArithmetic ties() {
        return new TaskArithmetic("ties", "TIES: keeps each task vector's largest changes, elects a sign per weight "
                + "and averages the agreeing changes.", true, Sparsification.MAGNITUDE, true, false);
    }

    public static TaskArithmetic dareTies() {
        return new TaskArithmetic("dare_ties", "DARE drops random changes and rescales the rest, then TIES sign "
                + "consensus.", true, Sparsification.RANDOM, false, true);
    }

    public static TaskArithmetic dareLinear() {
        return new TaskArithmetic("dare_linear", "DARE drops random changes and rescales the rest, then a weighted "
                + "sum.", false, Sparsification.RANDOM, false, true);
    }

    public static TaskArithmetic breadcrumbs() {
        return new TaskArithmetic("breadcrumbs", "Model Breadcrumbs: drops the largest outliers and the smallest "
                + "changes, then a weighted sum.", false, Sparsification.MAGNITUDE_OUTLIERS, false, false);
    }

    public static TaskArithmetic breadcrumbsTies() {
        return new TaskArithmetic("breadcrumbs_ties", "Model Breadcrumbs with TIES sign consensus.", true,
                Sparsification.MAGNITUDE_OUTLIERS, false, false);
    }

    public static TaskArithmetic della() {
        return new TaskArithmetic("della", "DELLA: drops changes with a probability that falls with their rank by "
                + "magnitude, rescales, then TIES sign consensus.", true, Sparsification.DELLA, true, true);
    }

    public static TaskArithmetic dellaLinear() {
        return new TaskArithmetic("della_linear", "DELLA's rank-dependent drop, then a weighted sum.", false,
                Sparsification.DELLA, false, true);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean random() {
        return sparsification == Sparsification.RANDOM || sparsification == Sparsification.DELLA;
    }

    @Override
    public String description() {
        return description;
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
                ParameterDef.optional("normalize", defaultNormalize, false,
                        "divide the summed changes by the sum of the weights that contributed"),
                ParameterDef.optional("rescale", defaultRescale, false,
                        "rescale each thinned task vector to its original L1 norm"),
                ParameterDef.optional("lambda", 1.0, false, "scale the merged change before adding it to the base"),
                ParameterDef.optional("int8_mask", false, false, "store masks as int8 (saves memory; same result)"));
    }

    @Override
    public List<ParameterDef> modelParameters() {
        List<ParameterDef> list = new ArrayList<>();
        list.add(ParameterDef.required("weight", true, "the task vector's weight"));
        list.add(ParameterDef.optional("density", 1.0, true, "fraction of the task vector kept").between(0, 1));
        if (sparsification == Sparsification.MAGNITUDE_OUTLIERS) {
            list.add(ParameterDef.optional("gamma", 0.01, true, "fraction of the largest changes dropped as outliers")
                    .between(0, 1));
        }
        if (sparsification == Sparsification.DELLA) {
            list.add(ParameterDef.optional("epsilon", 0.15, true,
                    "spread of the keep probability around density, by magnitude rank").between(0, 1));
        }
        return list;
    }

    @Override
    public String check(TensorJob job) {
        for (int i = 0; i < job.models(); i++) {
            double density = job.number(i, "density");
            if (density >= 1 || sparsification == Sparsification.NONE) {
                continue;
            }
            if (sparsification == Sparsification.MAGNITUDE && (long) (density * job.elements()) <= 0) {
                return "density " + density + " keeps no element of " + job.name() + " (" + job.elements()
                        + " elements) for model " + (i + 1) + "; raise density for this tensor (e.g. with a filter)";
            }
            if (sparsification == Sparsification.DELLA && density > 0) {
                double eps = job.number(i, "epsilon");
                if (density + eps >= 1 || density - eps <= 0) {
                    return "della needs 0 < density ± epsilon < 1, got density " + density + " and epsilon " + eps
                            + " for model " + (i + 1);
                }
                if (job.shape().rank() > 2) {
                    return "della ranks magnitudes along rows; " + job.name() + " has " + job.shape().rank()
                            + " dimensions, which Kumiki does not support";
                }
                if (rowLength(job) < 2) {
                    return "della ranks magnitudes within rows, and " + job.name() + " has rows of one element";
                }
            }
        }
        return null;
    }

    private static long rowLength(TensorJob job) {
        return job.shape().rank() < 2 ? job.elements() : job.shape().rowLength();
    }

    /** One model's thinning: a fresh keep-mask per pass over the tensor, in index order, and the L1 factor. */
    private final class Drop {
        final int model;
        final double density;
        final MagnitudeSelection.Threshold keepTop;
        final MagnitudeSelection.Threshold dropTop;
        final boolean nothing;
        float factor = 1f;

        /** {@code magnitude}: the model's top-k threshold when already computed with the others', else null. */
        Drop(TensorJob job, int model, MagnitudeSelection.Threshold magnitude) {
            this.model = model;
            this.density = job.number(model, "density");
            long n = job.elements();
            MagnitudeSelection.Source delta = deltaSource(job, model);
            MagnitudeSelection.Threshold keep = null;
            MagnitudeSelection.Threshold drop = null;
            boolean none = false;
            if (sparsification == Sparsification.MAGNITUDE) {
                keep = magnitude != null ? magnitude : MagnitudeSelection.threshold(delta, n, (long) (density * n),
                        job.chunk());
            } else if (sparsification == Sparsification.MAGNITUDE_OUTLIERS) {
                long target = (long) (density * n);
                long top = (long) (job.number(model, "gamma") * n);
                long bottom = n - target - top;
                if (bottom < 0) {
                    top += bottom;
                    bottom = 0;
                }
                // mergekit keeps sorted[n_bot:-n_top]: an empty slice when n_top is 0
                none = top == 0;
                keep = MagnitudeSelection.threshold(delta, n, n - bottom, job.chunk());
                drop = MagnitudeSelection.threshold(delta, n, top, job.chunk());
            } else if (density <= 0) {
                none = true;
            }
            this.keepTop = keep;
            this.dropTop = drop;
            this.nothing = none;
        }

        /** A keep mask for one pass; chunks must come in index order and, for DELLA, hold whole rows. */
        Mask mask(TensorJob job) {
            if (nothing) {
                return (from, d, keep, n) -> java.util.Arrays.fill(keep, 0, n, 0f);
            }
            return switch (sparsification) {
                case MAGNITUDE -> {
                    MagnitudeSelection.Mask m = keepTop.mask();
                    yield (from, d, keep, n) -> m.apply(job.kernels(), d, keep, 0, n);
                }
                case MAGNITUDE_OUTLIERS -> {
                    MagnitudeSelection.Mask in = keepTop.mask();
                    MagnitudeSelection.Mask out = dropTop.mask();
                    float[] dropped = new float[job.chunk()];
                    yield (from, d, keep, n) -> {
                        float[] drops = dropped.length >= n ? dropped : new float[n];
                        in.apply(job.kernels(), d, keep, 0, n);
                        out.apply(job.kernels(), d, drops, 0, n);
                        for (int j = 0; j < n; j++) {
                            keep[j] *= 1f - drops[j];
                        }
                    };
                }
                case RANDOM -> {
                    long seed = job.seed(model);
                    float p = (float) density;
                    yield (from, d, keep, n) -> job.kernels().bernoulli(seed, from, p, keep, 0, n);
                }
                case DELLA -> {
                    long seed = job.seed(model);
                    double eps = job.number(model, "epsilon");
                    int row = (int) rowLength(job);
                    yield (from, d, keep, n) -> dellaKeep(seed, from, d, keep, n, row, density, eps);
                }
                case NONE -> throw new IllegalStateException("no mask without sparsification");
            };
        }
    }

    @FunctionalInterface
    private interface Mask {
        void keep(long from, float[] delta, float[] keep, int n);
    }

    /** DELLA's magprune keep mask for whole rows: probability (d − ε) + 2ε · (rank − 1)/(m − 1) by |δ| rank. */
    static void dellaKeep(long seed, long from, float[] delta, float[] keep, int n, int row, double density, double eps) {
        Integer[] order = new Integer[row];
        for (int start = 0; start < n; start += row) {
            final int s = start;
            for (int j = 0; j < row; j++) {
                order[j] = j;
            }
            java.util.Arrays.sort(order, (a, b) -> {
                int c = Float.compare(Math.abs(delta[s + a]), Math.abs(delta[s + b]));
                return c != 0 ? c : Integer.compare(a, b);
            });
            for (int rank = 0; rank < row; rank++) {
                int j = order[rank];
                float p = (float) (density - eps) + (float) rank / (row - 1) * 2f * (float) eps;
                keep[s + j] = CounterRandom.uniform(seed, from + s + j) < p ? 1f : 0f;
            }
        }
    }

    /** Every model's top-k threshold, from two passes shared by the models (or the merge's profiles). */
    private static MagnitudeSelection.Threshold[] jointThresholds(TensorJob job) {
        int k = job.models();
        long n = job.elements();
        long[] ks = new long[k];
        for (int i = 0; i < k; i++) {
            double density = job.number(i, "density");
            ks[i] = density >= 1 ? n : (long) (density * n);
        }
        return job.deltaThresholds(ks);
    }

    private static MagnitudeSelection.Source deltaSource(TensorJob job, int model) {
        float[] base = new float[job.chunk()];
        return (from, chunk, n) -> {
            job.base(from, base, n);
            job.input(model, from, chunk, n);
            job.kernels().subtract(chunk, base, chunk, 0, n);
        };
    }

    @Override
    public void merge(TensorJob job) {
        int k = job.models();
        Kernels kernels = job.kernels();
        int chunk = sparsification == Sparsification.DELLA ? Chunks.rowAligned(job, rowLength(job)) : job.chunk();
        chunk = (int) Math.min(chunk, Math.max(1, job.elements()));
        Drop[] drops = new Drop[k];
        float[] weights = new float[k];
        MagnitudeSelection.Threshold[] magnitudes = sparsification == Sparsification.MAGNITUDE
                ? jointThresholds(job) : new MagnitudeSelection.Threshold[k];
        for (int i = 0; i < k; i++) {
            weights[i] = (float) job.number(i, "weight");
            boolean thin = sparsification != Sparsification.NONE && job.number(i, "density") < 1;
            drops[i] = thin ? new Drop(job, i, magnitudes[i]) : null;
        }
        float[] base = new float[chunk];
        float[] scratch = new float[chunk];
        float[] keep = new float[chunk];
        if (job.bool("rescale")) {
            for (Drop d : drops) {
                if (d != null) {
                    d.factor = l1Factor(job, d, chunk, base, scratch, keep);
                }
            }
        }
        float[][] weighted = new float[k][chunk];
        float[] sign = new float[chunk];
        float[] mixed = new float[chunk];
        float[] divisor = new float[chunk];
        float weightSum = 0;
        for (float w : weights) {
            weightSum += w;
        }
        if (Math.abs(weightSum) < 1e-8f) {
            weightSum = 1f;
        }
        boolean normalize = job.bool("normalize");
        float lambda = (float) job.number("lambda");
        Mask[] masks = new Mask[k];
        for (int i = 0; i < k; i++) {
            masks[i] = drops[i] == null ? null : drops[i].mask(job);
        }
        for (long at = 0; at < job.elements(); at += chunk) {
            int n = (int) Math.min(chunk, job.elements() - at);
            job.base(at, base, n);
            for (int i = 0; i < k; i++) {
                Chunks.delta(job, i, at, base, scratch, weighted[i], n);
                if (masks[i] != null) {
                    masks[i].keep(at, weighted[i], keep, n);
                    kernels.multiply(weighted[i], keep, weighted[i], 0, n);
                    if (drops[i].factor != 1f) {
                        kernels.scale(drops[i].factor, weighted[i], 0, n);
                    }
                }
                kernels.scale(weights[i], weighted[i], 0, n);
            }
            java.util.Arrays.fill(mixed, 0, n, 0f);
            if (consensus) {
                kernels.majoritySign(weighted, false, sign, 0, n);
                java.util.Arrays.fill(divisor, 0, n, 0f);
                for (int i = 0; i < k; i++) {
                    // mixed += wδ·mask, divisor += w·mask (mask is 0 or 1, so the fused forms are exact)
                    kernels.agreement(weighted[i], sign, keep, 0, n);
                    kernels.multiply(weighted[i], keep, weighted[i], 0, n);
                    kernels.axpy(1f, weighted[i], mixed, 0, n);
                    kernels.axpy(weights[i], keep, divisor, 0, n);
                }
                if (normalize) {
                    for (int j = 0; j < n; j++) {
                        mixed[j] /= divisor[j] == 0f ? 1f : divisor[j];
                    }
                }
            } else {
                for (int i = 0; i < k; i++) {
                    kernels.axpy(1f, weighted[i], mixed, 0, n);
                }
                if (normalize) {
                    for (int j = 0; j < n; j++) {
                        mixed[j] /= weightSum;
                    }
                }
            }
            if (lambda != 1f) {
                kernels.scale(lambda, mixed, 0, n);
            }
            kernels.axpy(1f, mixed, base, 0, n);
            job.write(at, base, n);
        }
    }

    /** mergekit's L1 rescale: Σ|δ| / Σ|δ·keep|, or 1 when either is below 1e-7. */
    private static float l1Factor(TensorJob job, Drop d, int chunk, float[] base, float[] scratch, float[] keep) {
        double before = 0;
        double after = 0;
        Mask mask = d.mask(job);
        float[] delta = new float[chunk];
        for (long at = 0; at < job.elements(); at += chunk) {
            int n = (int) Math.min(chunk, job.elements() - at);
            job.base(at, base, n);
            Chunks.delta(job, d.model, at, base, scratch, delta, n);
            mask.keep(at, delta, keep, n);
            before += job.kernels().sumOfAbs(delta, 0, n);
            job.kernels().multiply(delta, keep, delta, 0, n);
            after += job.kernels().sumOfAbs(delta, 0, n);
        }
        if (before < 1e-7 || after < 1e-7) {
            return 1f;
        }
        return (float) before / (float) after;
    }
}
