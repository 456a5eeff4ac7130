package dev.kumiki.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

/** Top-k by magnitude against a full sort. */
class MagnitudeSelectionTest {

    /** The reference: indices sorted by |x| descending, ties by index, first k kept. */
    static float[] sortedMask(float[] x, int k) {
        Integer[] order = IntStream.range(0, x.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -Math.abs(x[i])).thenComparingInt(i -> i));
        float[] keep = new float[x.length];
        for (int j = 0; j < k; j++) {
            keep[order[j]] = 1f;
        }
        return keep;
    }

    static float[] selectionMask(float[] x, int k, int chunk) {
        MagnitudeSelection.Source source = (from, buf, n) -> System.arraycopy(x, (int) from, buf, 0, n);
        MagnitudeSelection.Threshold t = MagnitudeSelection.threshold(source, x.length, k, chunk);
        MagnitudeSelection.Mask mask = t.mask();
        float[] keep = new float[x.length];
        float[] buf = new float[chunk];
        for (int at = 0; at < x.length; at += chunk) {
            int n = Math.min(chunk, x.length - at);
            source.fill(at, buf, n);
            float[] part = new float[n];
            mask.apply(buf, part, 0, n);
            System.arraycopy(part, 0, keep, at, n);
        }
        return keep;
    }

    @Test
    void keepsExactlyTheLargestMagnitudes() {
        Random r = new Random(11);
        for (int n : new int[] {1, 10, 1000, 100_003}) {
            float[] x = new float[n];
            for (int i = 0; i < n; i++) {
                x[i] = (float) r.nextGaussian();
            }
            for (double density : new double[] {0.01, 0.3, 0.5, 0.9, 1.0}) {
                int k = (int) (density * n);
                float[] keep = selectionMask(x, k, 4096);
                assertArrayEquals(sortedMask(x, k), keep, "n=" + n + " density=" + density);
                assertEquals(k, (int) IntStream.range(0, n).filter(i -> keep[i] == 1f).count());
            }
        }
    }

    @Test
    void tiesAtTheThresholdAreKeptInIndexOrder() {
        // many equal magnitudes, both signs, and zeros: bf16-like data
        float[] x = new float[5000];
        Random r = new Random(12);
        for (int i = 0; i < x.length; i++) {
            x[i] = (r.nextInt(7) - 3) * 0.5f;
        }
        for (int k : new int[] {0, 1, 713, 2500, 4999, 5000}) {
            assertArrayEquals(sortedMask(x, k), selectionMask(x, k, 333), "k=" + k);
        }
    }

    @Test
    void chunkingDoesNotMatter() {
        float[] x = new float[10_000];
        Random r = new Random(13);
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextFloat() - 0.5f;
        }
        float[] expected = selectionMask(x, 1234, 10_000);
        for (int chunk : new int[] {1, 7, 512, 9999}) {
            assertArrayEquals(expected, selectionMask(x, 1234, chunk), "chunk=" + chunk);
        }
    }

    @Test
    void severalTensorsAtOnceGiveEachItsOwnThreshold() {
        Random r = new Random(15);
        // below and above the length from which the histograms count in four lanes
        for (int n : new int[] {50_000, 70_001}) {
            float[][] xs = new float[3][n];
            for (float[] x : xs) {
                for (int i = 0; i < n; i++) {
                    x[i] = (float) r.nextGaussian() * (r.nextInt(4) + 1) / 4f;
                }
            }
            long[] ks = {0, n / 3, n};
            MagnitudeSelection.Threshold[] joint = MagnitudeSelection.thresholds(
                    (from, chunks, m) -> {
                        for (int j = 0; j < 3; j++) {
                            System.arraycopy(xs[j], (int) from, chunks[j], 0, m);
                        }
                    }, 3, n, ks, 4096);
            for (int j = 0; j < 3; j++) {
                float[] x = xs[j];
                assertEquals(MagnitudeSelection.threshold((from, buf, m) -> System.arraycopy(x, (int) from, buf, 0,
                        m), n, ks[j], 4096), joint[j], "tensor " + j + " of " + n);
                int k = (int) ks[j];
                if (k > 0 && k < n) {
                    assertArrayEquals(sortedMask(x, k), selectionMask(x, k, 4096), "tensor " + j + " of " + n);
                }
            }
        }
    }

    @Test
    void aProfileGivesTheSameThresholdAsTheTwoPassesAtEveryK() {
        Random r = new Random(16);
        float[] gaussian = new float[3001];
        float[] tied = new float[3001];
        for (int i = 0; i < gaussian.length; i++) {
            gaussian[i] = (float) r.nextGaussian();
            tied[i] = (r.nextInt(7) - 3) * 0.5f; // many equal magnitudes, both signs, and zeros
        }
        gaussian[17] = Float.NaN; // a NaN counts as the largest magnitude in both
        gaussian[18] = Float.NEGATIVE_INFINITY;
        for (float[] x : new float[][] {gaussian, tied, {0f}, {}}) {
            MagnitudeSelection.Source source = (from, buf, n) -> System.arraycopy(x, (int) from, buf, 0, n);
            MagnitudeSelection.Profile profile = MagnitudeSelection.profile(source, x.length, 500);
            assertEquals(4L * x.length, profile.bytes());
            for (long k = -1; k <= x.length + 1; k++) {
                assertEquals(MagnitudeSelection.threshold(source, x.length, k, 500), profile.threshold(k),
                        "k=" + k + " of " + x.length);
            }
        }
    }
}
