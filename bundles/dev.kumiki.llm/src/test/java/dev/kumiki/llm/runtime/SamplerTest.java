package dev.kumiki.llm.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import dev.kumiki.llm.GenerationSettings;

/** Greedy and seeded sampling on fixed logits, checked against the softmax computed here. */
class SamplerTest {
    static final float[] LOGITS = {1.0f, 3.0f, 2.5f, -1.0f, 3.0f, 0.0f};

    @Test
    void greedyTakesTheLargestLogitAndTiesGoToTheLowestId() {
        assertEquals(1, Sampler.argmax(LOGITS));
        assertEquals(1, Sampler.of(GenerationSettings.greedy(1)).next(LOGITS));
        assertEquals(0, Sampler.argmax(new float[] {2, 2, 2}));
    }

    private static int[] draws(GenerationSettings s, int n) {
        Sampler sampler = Sampler.of(s);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = sampler.next(LOGITS);
        }
        return out;
    }

    @Test
    void theSeedGivesTheSameTokensEveryRun() {
        GenerationSettings s = GenerationSettings.sampled(1, 0.8, 42).withTopK(4).withTopP(0.9);
        assertArrayEquals(draws(s, 200), draws(s, 200));
        assertNotEquals(java.util.Arrays.toString(draws(s, 200)),
                java.util.Arrays.toString(draws(GenerationSettings.sampled(1, 0.8, 43).withTopK(4).withTopP(0.9),
                        200)));
    }

    @Test
    void samplingFollowsTheTemperedSoftmax() {
        double t = 0.7;
        int n = 200_000;
        int[] counts = new int[LOGITS.length];
        for (int d : draws(GenerationSettings.sampled(1, t, 7), n)) {
            counts[d]++;
        }
        double z = 0;
        for (float l : LOGITS) {
            z += Math.exp(l / t);
        }
        for (int i = 0; i < LOGITS.length; i++) {
            double p = Math.exp(LOGITS[i] / t) / z;
            double sd = Math.sqrt(p * (1 - p) / n);
            assertEquals(p, counts[i] / (double) n, 5 * sd + 1e-9, "token " + i);
        }
    }

    @Test
    void topKKeepsTheKMostLikelyTiesByLowestId() {
        // logits 3.0 (ids 1 and 4) then 2.5 (id 2): top-2 keeps ids 1 and 4
        int[] counts = new int[LOGITS.length];
        for (int d : draws(GenerationSettings.sampled(1, 1, 3).withTopK(2), 20_000)) {
            counts[d]++;
        }
        assertEquals(20_000, counts[1] + counts[4]);
        assertEquals(0.5, counts[1] / 20_000.0, 0.02);
        assertArrayEquals(new int[] {1, 1, 1}, java.util.Arrays.copyOf(draws(GenerationSettings.sampled(1, 1, 3)
                .withTopK(1), 3), 3));
    }

    @Test
    void topPKeepsTheSmallestSetReachingP() {
        double[] p = new double[LOGITS.length];
        double z = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp(LOGITS[i]);
            z += p[i];
        }
        // sorted: ids 1, 4 (each ≈ 0.346), 2 (≈ 0.21), 0, 5, 3. p = 0.6 needs ids 1 and 4 (0.69 ≥ 0.6)
        assertTrue(2 * p[1] / z >= 0.6 && p[1] / z < 0.6);
        int[] counts = new int[LOGITS.length];
        for (int d : draws(GenerationSettings.sampled(1, 1, 5).withTopP(0.6), 20_000)) {
            counts[d]++;
        }
        assertEquals(20_000, counts[1] + counts[4], "only ids 1 and 4 are kept");
        // p = 0.75 needs the third (0.69 < 0.75)
        counts = new int[LOGITS.length];
        for (int d : draws(GenerationSettings.sampled(1, 1, 5).withTopP(0.75), 20_000)) {
            counts[d]++;
        }
        assertEquals(20_000, counts[1] + counts[4] + counts[2]);
        assertTrue(counts[2] > 0);
    }
}
