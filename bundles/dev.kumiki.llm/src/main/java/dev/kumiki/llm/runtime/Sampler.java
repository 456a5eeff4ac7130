package dev.kumiki.llm.runtime;

import java.util.Arrays;
import java.util.SplittableRandom;

import dev.kumiki.llm.GenerationSettings;

/**
 * Picks the next token from a row of logits as {@link GenerationSettings} says: greedy (argmax, ties to the lowest
 * id), or seeded sampling in Hugging Face's order: logits divided by the temperature, then top-k, then top-p, then a
 * draw from the remaining distribution. A sampler made from the same settings draws the same tokens from the same
 * logits, every run.
 */
public final class Sampler {
    private final GenerationSettings settings;
    private final SplittableRandom random;

    private Sampler(GenerationSettings settings) {
        this.settings = settings;
        this.random = new SplittableRandom(settings.seed());
    }

    /** A sampler for one generation: its random stream starts from {@code settings.seed()}. */
    public static Sampler of(GenerationSettings settings) {
        return new Sampler(settings);
    }

    /** The index of the largest logit; the lowest index among equal ones (as {@code torch.argmax}). */
    public static int argmax(float[] logits) {
        return argmax(logits, 0, logits.length);
    }

    /** {@link #argmax(float[])} of {@code logits[off, off + n)}, as an index from 0. */
    public static int argmax(float[] logits, int off, int n) {
        int best = 0;
        float max = logits[off];
        for (int i = 1; i < n; i++) {
            if (logits[off + i] > max) {
                max = logits[off + i];
                best = i;
            }
        }
        return best;
    }

    /** The next token after {@code logits} (not modified). */
    public int next(float[] logits) {
        if (settings.isGreedy()) {
            return argmax(logits);
        }
        int n = logits.length;
        float inverseTemperature = (float) (1 / settings.temperature());
        int k = settings.topK() == 0 ? n : Math.min(settings.topK(), n);
        if (k == n && settings.topP() >= 1) {
            return drawAll(logits, inverseTemperature);
        }
        // candidates by logit, highest first, equal logits by id: a fixed order makes the draw reproducible
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> logits[a] != logits[b] ? Float.compare(logits[b], logits[a])
                : Integer.compare(a, b));
        double max = logits[order[0]] * (double) inverseTemperature;
        double[] p = new double[k];
        double total = 0;
        for (int i = 0; i < k; i++) {
            p[i] = Math.exp(logits[order[i]] * (double) inverseTemperature - max);
            total += p[i];
        }
        int kept = k;
        if (settings.topP() < 1) {
            // the smallest set of most likely tokens whose probability reaches top_p (at least one)
            double before = 0;
            kept = 0;
            while (kept < k && before < settings.topP() * total) {
                before += p[kept++];
            }
        }
        double mass = 0;
        for (int i = 0; i < kept; i++) {
            mass += p[i];
        }
        double u = random.nextDouble() * mass;
        for (int i = 0; i < kept; i++) {
            u -= p[i];
            if (u < 0) {
                return order[i];
            }
        }
        return order[kept - 1];
    }

    /** A draw from the whole softmax, in id order (no sort needed). */
    private int drawAll(float[] logits, float inverseTemperature) {
        double max = logits[argmax(logits)] * (double) inverseTemperature;
        double total = 0;
        for (float l : logits) {
            total += Math.exp(l * (double) inverseTemperature - max);
        }
        double u = random.nextDouble() * total;
        int last = 0;
        for (int i = 0; i < logits.length; i++) {
            double p = Math.exp(logits[i] * (double) inverseTemperature - max);
            if (p > 0) {
                last = i;
            }
            u -= p;
            if (u < 0) {
                return i;
            }
        }
        return last;
    }
}
