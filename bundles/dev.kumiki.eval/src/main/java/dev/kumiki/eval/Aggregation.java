package dev.kumiki.eval;

import java.util.Arrays;
import java.util.List;

import dev.kumiki.eval.task.PythonRandom;

/**
 * lm-evaluation-harness's aggregations of per-sample values and their standard errors. {@code mean}'s standard error
 * is the sample standard deviation over √n ({@code mean_stderr}); every other aggregation's is bootstrapped as lm-eval
 * does it ({@code bootstrap_stderr}): in chunks of at most 1000 resamples, chunk {@code i} drawn with
 * {@code random.Random(i).choices(xs, k=n)}, and the standard error is the sample standard deviation of the
 * resampled statistics. lm-eval bootstraps only {@code perplexity} and {@code median}; Kumiki also bootstraps
 * {@code weighted_perplexity} and {@code bits_per_byte}, so that every metric has a standard error.
 */
public enum Aggregation {
    /** The average. */
    MEAN("mean"),
    /** {@code sorted(xs)[n // 2]}, as lm-eval defines it. */
    MEDIAN("median"),
    /** {@code exp(-mean(loglikelihoods))}. */
    PERPLEXITY("perplexity"),
    /** {@code exp(-Σ loglikelihood / Σ weight)}: per word or per byte. */
    WEIGHTED_PERPLEXITY("weighted_perplexity"),
    /** {@code -Σ loglikelihood / Σ bytes / ln 2}. */
    BITS_PER_BYTE("bits_per_byte");

    private final String yamlName;

    Aggregation(String yamlName) {
        this.yamlName = yamlName;
    }

    /** The name in task files and results. */
    public String yamlName() {
        return yamlName;
    }

    /** The aggregation named {@code name}. */
    public static Aggregation byName(String name) {
        for (Aggregation a : values()) {
            if (a.yamlName.equals(name)) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown aggregation " + name);
    }

    /** A per-sample value: a score, or a log-likelihood with its weight (words or bytes; 1 otherwise). */
    public record Item(double value, double weight) {
        /** A plain score. */
        public static Item of(double value) {
            return new Item(value, 1);
        }
    }

    /** The aggregate of {@code items}. */
    public double apply(List<Item> items) {
        double[] v = new double[items.size()];
        double[] w = new double[items.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = items.get(i).value();
            w[i] = items.get(i).weight();
        }
        return apply(v, w, null);
    }

    private double apply(double[] v, double[] w, int[] idx) {
        int n = idx == null ? v.length : idx.length;
        if (n == 0) {
            return Double.NaN;
        }
        switch (this) {
            case MEDIAN -> {
                double[] s = new double[n];
                for (int i = 0; i < n; i++) {
                    s[i] = v[idx == null ? i : idx[i]];
                }
                Arrays.sort(s);
                return s[n / 2];
            }
            default -> {
                double sv = 0;
                double sw = 0;
                for (int i = 0; i < n; i++) {
                    int j = idx == null ? i : idx[i];
                    sv += v[j];
                    sw += w[j];
                }
                return switch (this) {
                    case MEAN -> sv / n;
                    case PERPLEXITY -> Math.exp(-(sv / n));
                    case WEIGHTED_PERPLEXITY -> Math.exp(-sv / sw);
                    case BITS_PER_BYTE -> -(sv / sw) / Math.log(2);
                    default -> throw new IllegalStateException();
                };
            }
        }
    }

    /**
     * The standard error of the aggregate; NaN (lm-eval's "N/A") for fewer than two samples or when
     * {@code bootstrapIters} is 0 for a bootstrapped aggregation.
     */
    public double stderr(List<Item> items, int bootstrapIters) {
        int n = items.size();
        if (n < 2) {
            return Double.NaN;
        }
        if (this == MEAN) {
            double[] v = items.stream().mapToDouble(Item::value).toArray();
            return sampleStddev(v) / Math.sqrt(n);
        }
        if (bootstrapIters <= 0) {
            return Double.NaN;
        }
        double[] v = new double[n];
        double[] w = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = items.get(i).value();
            w[i] = items.get(i).weight();
        }
        int chunk = Math.min(1000, bootstrapIters);
        int chunks = bootstrapIters / chunk;
        double[] stats = new double[chunks * chunk];
        int k = 0;
        for (int c = 0; c < chunks; c++) {
            PythonRandom random = new PythonRandom(c);
            for (int r = 0; r < chunk; r++) {
                stats[k++] = apply(v, w, random.choiceIndices(n, n));
            }
        }
        return sampleStddev(stats);
    }

    /** The standard deviation with Bessel's correction (lm-eval's {@code sample_stddev}). */
    static double sampleStddev(double[] x) {
        double mean = 0;
        for (double d : x) {
            mean += d;
        }
        mean /= x.length;
        double ss = 0;
        for (double d : x) {
            ss += (d - mean) * (d - mean);
        }
        return Math.sqrt(ss / (x.length - 1));
    }
}
