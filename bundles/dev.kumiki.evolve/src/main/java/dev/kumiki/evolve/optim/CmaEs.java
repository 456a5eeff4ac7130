package dev.kumiki.evolve.optim;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.random.RandomGenerator;
import org.apache.commons.math3.random.Well19937c;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * CMA-ES with ask/tell, as in N. Hansen, "The CMA Evolution Strategy: A Tutorial" (arXiv:1604.00772), with positive
 * recombination weights: weighted recombination of the best μ = ⌊λ/2⌋, cumulative step-size adaptation, rank-one and
 * rank-μ covariance updates, and an eigendecomposition (commons-math's {@link EigenDecomposition}) renewed lazily,
 * only every {@code max(1, ⌊1 / (10 n (c₁ + c_μ))⌋)} generations, as the tutorial suggests.
 *
 * <p>Initialised as in the evolutionary model merging paper: the mean 0.5 everywhere (or a given start), σ = 1/6,
 * λ = 4 + ⌊3 ln n⌋ unless set. Fitness is maximised; CMA-ES ranks by the negated fitness. NaN fitness ranks last.
 *
 * <p>Bounds: genomes live in the unit cube. Like Optuna's {@code cmaes} sampler, a sample outside the cube is drawn
 * again (up to 100 times, no evaluation is spent), and one still outside is clipped onto the cube; the update then uses
 * the sample that was actually evaluated (the repaired one), so the mean is a convex combination of points in the
 * cube and never leaves it, and what the fitness saw is what the distribution learns from.
 *
 * <p>Collapse: when the distribution can no longer move a genome at double precision (σ·√λ_max(C) below 1e-13),
 * when C's condition number exceeds 1e14, or when rounding made anything non-finite, the distribution restarts from
 * its current mean with σ₀, C = I and empty paths (pycma and Optuna stop or restart on the same signs; the population
 * is not grown), so that a long search keeps exploring instead of proposing the same genome. {@link #restarts()}
 * counts them.
 *
 * <p>Randomness comes only from (seed, generation): generation g draws from a {@link Well19937c} seeded with a mix of
 * both, so an optimiser restored from {@link #state()} proposes bit-identical genomes.
 */
public final class CmaEs implements Optimizer {
    /** The name users write: {@code cma-es}. */
    public static final String NAME = "cma-es";
    /** σ₀ of the paper (a sixth of the unit interval). */
    public static final double DEFAULT_SIGMA = 1.0 / 6.0;
    private static final int RESAMPLES = 100;

    private final int n;
    private final int lambda;
    private final int mu;
    private final long seed;
    private final double[] weights;
    private final double muEff;
    private final double cSigma;
    private final double dSigma;
    private final double cc;
    private final double c1;
    private final double cMu;
    private final double chiN;
    private final int eigenGap;

    private final double sigma0;
    private int generation;
    private int restarts;
    private double sigma;
    private double[] mean;
    private double[] pc;
    private double[] ps;
    private double[][] c;
    /** Eigenvectors of C (columns) and the square roots of its eigenvalues, as of {@link #eigenGeneration}. */
    private double[][] b;
    private double[] d;
    private int eigenGeneration;

    /** The samples of the current generation (y = B D z, before repair), drawn on the first ask. */
    private double[][] asked;

    /**
     * A CMA-ES with the paper's initialisation.
     *
     * @param dimensions the genome's length (at least 1)
     * @param population λ, or 0 for 4 + ⌊3 ln n⌋
     * @param seed the seed all randomness is derived from
     * @param initial the first mean (in the unit cube), or null for 0.5 everywhere
     * @param sigma σ₀ (positive), {@link #DEFAULT_SIGMA} in the paper
     */
    public CmaEs(int dimensions, int population, long seed, double[] initial, double sigma) {
        if (dimensions < 1) {
            throw new IllegalArgumentException("cma-es: the genome needs at least 1 dimension, found " + dimensions);
        }
        if (population != 0 && population < 2) {
            throw new IllegalArgumentException(
                    "cma-es: population must be at least 2 (or 0 for the default 4 + 3 ln n), found " + population);
        }
        if (!(sigma > 0) || !Double.isFinite(sigma)) {
            throw new IllegalArgumentException("cma-es: sigma must be a positive number, found " + sigma);
        }
        this.n = dimensions;
        this.lambda = population == 0 ? defaultPopulation(dimensions) : population;
        this.seed = seed;
        this.mu = lambda / 2;
        this.weights = new double[mu];
        double sum = 0;
        for (int i = 0; i < mu; i++) {
            weights[i] = Math.log((lambda + 1) / 2.0) - Math.log(i + 1);
            sum += weights[i];
        }
        double sumSq = 0;
        for (int i = 0; i < mu; i++) {
            weights[i] /= sum;
            sumSq += weights[i] * weights[i];
        }
        this.muEff = 1 / sumSq;
        this.cSigma = (muEff + 2) / (n + muEff + 5);
        this.dSigma = 1 + 2 * Math.max(0, Math.sqrt((muEff - 1) / (n + 1)) - 1) + cSigma;
        this.cc = (4 + muEff / n) / (n + 4 + 2 * muEff / n);
        this.c1 = 2 / ((n + 1.3) * (n + 1.3) + muEff);
        this.cMu = Math.min(1 - c1, 2 * (muEff - 2 + 1 / muEff) / ((n + 2) * (n + 2) + muEff));
        this.chiN = Math.sqrt(n) * (1 - 1.0 / (4 * n) + 1.0 / (21.0 * n * n));
        this.eigenGap = Math.max(1, (int) Math.floor(1 / (10 * n * (c1 + cMu))));

        this.sigma0 = sigma;
        this.sigma = sigma;
        if (initial == null) {
            this.mean = new double[n];
            Arrays.fill(mean, 0.5);
        } else {
            if (initial.length != n) {
                throw new IllegalArgumentException(
                        "cma-es: the initial genome has " + initial.length + " values, expected " + n);
            }
            this.mean = clip(initial);
        }
        reset();
    }

    private void reset() {
        this.sigma = sigma0;
        this.pc = new double[n];
        this.ps = new double[n];
        this.c = identity(n);
        this.b = identity(n);
        this.d = new double[n];
        Arrays.fill(d, 1);
    }

    /** λ = 4 + ⌊3 ln n⌋, the tutorial's default population. */
    public static int defaultPopulation(int dimensions) {
        return 4 + (int) Math.floor(3 * Math.log(dimensions));
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int dimensions() {
        return n;
    }

    @Override
    public int objectives() {
        return 1;
    }

    @Override
    public int generation() {
        return generation;
    }

    /** λ, genomes per generation. */
    public int population() {
        return lambda;
    }

    /** The current step size σ. */
    public double sigma() {
        return sigma;
    }

    /** How often the distribution collapsed and was restarted from its mean. */
    public int restarts() {
        return restarts;
    }

    /** The current mean of the search distribution (a copy; always inside the unit cube). */
    public double[] mean() {
        return mean.clone();
    }

    @Override
    public List<double[]> ask() {
        if (asked == null) {
            asked = sample();
        }
        List<double[]> genomes = new ArrayList<>(lambda);
        for (double[] y : asked) {
            genomes.add(genome(y));
        }
        return genomes;
    }

    private double[][] sample() {
        RandomGenerator random = new Well19937c(new int[] {(int) (StateJson.mix(seed, generation, 0) >>> 32),
                (int) StateJson.mix(seed, generation, 0)});
        double[][] ys = new double[lambda][];
        double[] z = new double[n];
        for (int k = 0; k < lambda; k++) {
            double[] y = null;
            for (int attempt = 0; attempt < RESAMPLES; attempt++) {
                for (int i = 0; i < n; i++) {
                    z[i] = d[i] * random.nextGaussian();
                }
                y = multiply(b, z);
                if (inside(y)) {
                    break;
                }
            }
            ys[k] = repair(y);
        }
        return ys;
    }

    private boolean inside(double[] y) {
        for (int i = 0; i < n; i++) {
            double x = mean[i] + sigma * y[i];
            if (x < 0 || x > 1) {
                return false;
            }
        }
        return true;
    }

    /** The step of a genome clipped onto the cube, so that the update learns from what was evaluated. */
    private double[] repair(double[] y) {
        double[] r = y.clone();
        for (int i = 0; i < n; i++) {
            double x = mean[i] + sigma * y[i];
            if (x < 0 || x > 1) {
                r[i] = (Math.min(1, Math.max(0, x)) - mean[i]) / sigma;
            }
        }
        return r;
    }

    private double[] genome(double[] y) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            // the clip only absorbs rounding: a repaired step lands on the cube up to an ulp
            x[i] = Math.min(1, Math.max(0, mean[i] + sigma * y[i]));
        }
        return x;
    }

    @Override
    public void tell(List<double[]> genomes, List<double[]> fitness) {
        List<double[]> expected = ask();
        if (genomes.size() != lambda || fitness.size() != lambda) {
            throw new IllegalArgumentException("cma-es: tell needs the " + lambda + " genomes of the last ask and "
                    + "their fitness, found " + genomes.size() + " genomes and " + fitness.size() + " fitness values");
        }
        for (int k = 0; k < lambda; k++) {
            if (!Arrays.equals(expected.get(k), genomes.get(k))) {
                throw new IllegalArgumentException("cma-es: genome " + k + " told is not the one ask() proposed in "
                        + "generation " + generation + "; tell the genomes of the last ask, in the same order");
            }
            if (fitness.get(k).length != 1) {
                throw new IllegalArgumentException("cma-es: optimises 1 objective, fitness " + k + " has "
                        + fitness.get(k).length + " values");
            }
        }
        Integer[] order = new Integer[lambda];
        for (int k = 0; k < lambda; k++) {
            order[k] = k;
        }
        // maximised fitness, best first; NaN last; ties keep the sampling order (a stable sort)
        Arrays.sort(order, Comparator.comparingDouble((Integer k) -> {
            double f = fitness.get(k)[0];
            return Double.isNaN(f) ? Double.POSITIVE_INFINITY : -f;
        }));
        update(order);
        generation++;
        asked = null;
    }

    private void update(Integer[] order) {
        double[] yw = new double[n];
        for (int i = 0; i < mu; i++) {
            double[] y = asked[order[i]];
            for (int j = 0; j < n; j++) {
                yw[j] += weights[i] * y[j];
            }
        }
        for (int j = 0; j < n; j++) {
            mean[j] = Math.min(1, Math.max(0, mean[j] + sigma * yw[j]));
        }
        // C^(-1/2) y_w = B D^-1 Bᵀ y_w
        double[] t = multiplyTransposed(b, yw);
        for (int j = 0; j < n; j++) {
            t[j] /= d[j];
        }
        double[] cInvSqrtYw = multiply(b, t);
        double psFactor = Math.sqrt(cSigma * (2 - cSigma) * muEff);
        double psNorm2 = 0;
        for (int j = 0; j < n; j++) {
            ps[j] = (1 - cSigma) * ps[j] + psFactor * cInvSqrtYw[j];
            psNorm2 += ps[j] * ps[j];
        }
        double psNorm = Math.sqrt(psNorm2);
        boolean hSigma = psNorm / Math.sqrt(1 - Math.pow(1 - cSigma, 2.0 * (generation + 1)))
                < (1.4 + 2.0 / (n + 1)) * chiN;
        double pcFactor = hSigma ? Math.sqrt(cc * (2 - cc) * muEff) : 0;
        for (int j = 0; j < n; j++) {
            pc[j] = (1 - cc) * pc[j] + pcFactor * yw[j];
        }
        double deltaH = hSigma ? 0 : cc * (2 - cc);
        double keep = 1 + c1 * deltaH - c1 - cMu; // the weights sum to 1
        for (int r = 0; r < n; r++) {
            for (int s = 0; s <= r; s++) {
                double rankMu = 0;
                for (int i = 0; i < mu; i++) {
                    double[] y = asked[order[i]];
                    rankMu += weights[i] * y[r] * y[s];
                }
                double v = keep * c[r][s] + c1 * pc[r] * pc[s] + cMu * rankMu;
                c[r][s] = v;
                c[s][r] = v;
            }
        }
        sigma *= Math.exp((cSigma / dSigma) * (psNorm / chiN - 1));
        if (generation + 1 - eigenGeneration >= eigenGap) {
            decompose();
            eigenGeneration = generation + 1;
        }
        if (collapsed()) {
            reset();
            eigenGeneration = generation + 1;
            restarts++;
        }
    }

    private boolean collapsed() {
        double maxD = 0;
        double minD = Double.POSITIVE_INFINITY;
        for (double v : d) {
            maxD = Math.max(maxD, v);
            minD = Math.min(minD, v);
        }
        boolean finite = Double.isFinite(sigma) && sigma > 0 && Double.isFinite(maxD);
        for (int i = 0; finite && i < n; i++) {
            finite = Double.isFinite(mean[i]) && Double.isFinite(ps[i]) && Double.isFinite(pc[i]);
            for (int j = 0; finite && j < n; j++) {
                finite = Double.isFinite(c[i][j]);
            }
        }
        // D holds square roots of eigenvalues: a condition number of 1e14 is a ratio of 1e7 here
        return !finite || sigma * maxD < 1e-13 || maxD > 1e7 * minD;
    }

    private void decompose() {
        RealMatrix cm = new Array2DRowRealMatrix(c, false);
        EigenDecomposition e = new EigenDecomposition(cm);
        double[] values = e.getRealEigenvalues();
        RealMatrix v = e.getV();
        for (int j = 0; j < n; j++) {
            // rounding can make a tiny eigenvalue of a positive definite matrix negative
            d[j] = Math.sqrt(Math.max(values[j], 1e-300));
            for (int i = 0; i < n; i++) {
                b[i][j] = v.getEntry(i, j);
            }
        }
    }

    @Override
    public ObjectNode state() {
        ObjectNode s = StateJson.object(NAME, n);
        s.put("population", lambda);
        s.put("seed", seed);
        s.put("generation", generation);
        s.set("sigma0", StateJson.number(sigma0));
        s.put("restarts", restarts);
        s.set("sigma", StateJson.number(sigma));
        s.set("mean", StateJson.array(mean));
        s.set("pc", StateJson.array(pc));
        s.set("ps", StateJson.array(ps));
        s.set("C", StateJson.matrix(c));
        s.set("B", StateJson.matrix(b));
        s.set("D", StateJson.array(d));
        s.put("eigenGeneration", eigenGeneration);
        return s;
    }

    /** The optimiser a {@link #state()} describes (its name and dimensions already checked by the caller). */
    static CmaEs restore(JsonNode s) {
        int n = StateJson.intOf(s, "dimensions");
        CmaEs o = new CmaEs(n, StateJson.intOf(s, "population"), StateJson.longOf(s, "seed"), null,
                StateJson.doubleOf(s, "sigma0"));
        o.generation = StateJson.intOf(s, "generation");
        o.restarts = StateJson.intOf(s, "restarts");
        o.sigma = StateJson.doubleOf(s, "sigma");
        o.mean = StateJson.arrayOf(s, "mean", n);
        o.pc = StateJson.arrayOf(s, "pc", n);
        o.ps = StateJson.arrayOf(s, "ps", n);
        o.c = StateJson.matrixOf(s, "C", n, n);
        o.b = StateJson.matrixOf(s, "B", n, n);
        o.d = StateJson.arrayOf(s, "D", n);
        o.eigenGeneration = StateJson.intOf(s, "eigenGeneration");
        return o;
    }

    private static double[] clip(double[] x) {
        double[] r = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            r[i] = Math.min(1, Math.max(0, x[i]));
        }
        return r;
    }

    private static double[][] identity(int n) {
        double[][] m = new double[n][n];
        for (int i = 0; i < n; i++) {
            m[i][i] = 1;
        }
        return m;
    }

    private static double[] multiply(double[][] m, double[] v) {
        double[] r = new double[m.length];
        for (int i = 0; i < m.length; i++) {
            double s = 0;
            for (int j = 0; j < v.length; j++) {
                s += m[i][j] * v[j];
            }
            r[i] = s;
        }
        return r;
    }

    private static double[] multiplyTransposed(double[][] m, double[] v) {
        double[] r = new double[m[0].length];
        for (int i = 0; i < m.length; i++) {
            for (int j = 0; j < r.length; j++) {
                r[j] += m[i][j] * v[i];
            }
        }
        return r;
    }
}
