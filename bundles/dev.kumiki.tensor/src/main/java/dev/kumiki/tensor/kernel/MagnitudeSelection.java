package dev.kumiki.tensor.kernel;

/**
 * Keeps the {@code k} elements of largest magnitude of a tensor that is produced chunk by chunk (a delta computed
 * from memory-mapped weights, say), without sorting it and without holding it whole: two streaming passes count
 * 16-bit radix histograms of the magnitudes' float bits (positive floats order like their bits), which pin down the
 * k-th largest magnitude exactly.
 * <p>
 * Elements equal to the threshold are kept in index order until {@code k} are kept, so exactly {@code k} survive.
 * {@snippet :
 * MagnitudeSelection.Threshold t = MagnitudeSelection.threshold(delta, length, k, 65536);
 * MagnitudeSelection.Mask mask = t.mask();
 * for (long at = 0; at < length; at += chunk) {
 *     delta.fill(at, buffer, n);
 *     mask.apply(buffer, keep, 0, n); // keep[i] = 1 or 0
 * }
 * }
 */
public final class MagnitudeSelection {
    private MagnitudeSelection() {
    }

    /** Produces several tensors of one length in order, e.g. the task vectors of several models over one base. */
    @FunctionalInterface
    public interface Sources {
        /** Fills {@code chunks[j][0, n)} with elements {@code [from, from + n)} of tensor j. */
        void fill(long from, float[][] chunks, int n);
    }

    /**
     * The thresholds of several tensors at once, {@code ks[j]} largest magnitudes of tensor j kept, sharing the two
     * passes (and whatever the tensors share, such as a base model's weights) — equal to
     * {@link #threshold(Source, long, long, int)} of each.
     */
    public static Threshold[] thresholds(Sources sources, int tensors, long length, long[] ks, int chunk) {
        Threshold[] result = new Threshold[tensors];
        int n0 = (int) Math.min(chunk, Math.max(1, length));
        float[][] buffers = new float[tensors][n0];
        int[][][] lanes = new int[tensors][][];
        for (int j = 0; j < tensors; j++) {
            if (ks[j] <= 0) {
                result[j] = new Threshold(Integer.MAX_VALUE, 0);
            } else if (ks[j] >= length) {
                result[j] = new Threshold(0, length);
            } else {
                lanes[j] = new int[lanes(length)][1 << 15];
            }
        }
        for (long at = 0; at < length; at += n0) {
            int n = (int) Math.min(n0, length - at);
            sources.fill(at, buffers, n);
            for (int j = 0; j < tensors; j++) {
                if (lanes[j] != null) {
                    histogramHigh(buffers[j], n, lanes[j]);
                }
            }
        }
        int[] bins = new int[tensors];
        long[] above = new long[tensors];
        int[][] lows = new int[tensors][];
        for (int j = 0; j < tensors; j++) {
            if (lanes[j] == null) {
                continue;
            }
            int[] high = summed(lanes[j]);
            int bin = high.length - 1;
            while (above[j] + high[bin] < ks[j]) {
                above[j] += high[bin--];
            }
            bins[j] = bin;
            lows[j] = new int[1 << 16];
        }
        for (long at = 0; at < length; at += n0) {
            int n = (int) Math.min(n0, length - at);
            sources.fill(at, buffers, n);
            for (int j = 0; j < tensors; j++) {
                if (lows[j] != null) {
                    lowHistogram(buffers[j], n, bins[j], lows[j]);
                }
            }
        }
        for (int j = 0; j < tensors; j++) {
            if (lows[j] == null) {
                continue;
            }
            int lowBin = lows[j].length - 1;
            while (above[j] + lows[j][lowBin] < ks[j]) {
                above[j] += lows[j][lowBin--];
            }
            result[j] = new Threshold(bins[j] << 16 | lowBin, ks[j] - above[j]);
        }
        return result;
    }

    private static void lowHistogram(float[] x, int n, int bin, int[] low) {
        for (int i = 0; i < n; i++) {
            int b = Float.floatToRawIntBits(x[i]) & 0x7FFFFFFF;
            if (b >>> 16 == bin) {
                low[b & 0xFFFF]++;
            }
        }
    }

    /** Produces the tensor's values in order: {@code n} elements starting at element {@code from}. */
    @FunctionalInterface
    public interface Source {
        void fill(long from, float[] chunk, int n);
    }

    /**
     * The k-th largest magnitude as float bits, and how many elements equal to it are kept.
     *
     * @param bits     float bits of the smallest kept magnitude ({@link Integer#MAX_VALUE} with no ties when nothing
     *                 is kept)
     * @param atBits   how many elements with exactly that magnitude are kept, in index order
     */
    public record Threshold(int bits, long atBits) {
        /** A fresh, stateful mask to apply over the chunks in index order. */
        public Mask mask() {
            return new Mask(bits, atBits);
        }

        /** The magnitude of the threshold. */
        public float magnitude() {
            return bits == Integer.MAX_VALUE && atBits == 0 ? Float.POSITIVE_INFINITY : Float.intBitsToFloat(bits);
        }
    }

    /**
     * A tensor's magnitudes, sorted: every threshold of it at once, each found by a binary search instead of two
     * passes — for a tensor thresholded again and again at different k (the same task vector at each density a merge
     * search tries). Costs 4 bytes an element.
     */
    public static final class Profile {
        private final int[] sorted;

        private Profile(int[] sorted) {
            this.sorted = sorted;
        }

        /** Number of elements. */
        public long length() {
            return sorted.length;
        }

        /** Bytes held. */
        public long bytes() {
            return 4L * sorted.length;
        }

        /** The threshold keeping the {@code k} largest magnitudes: equal to {@link #threshold(Source, long, long, int)}. */
        public Threshold threshold(long k) {
            int n = sorted.length;
            if (k <= 0) {
                return new Threshold(Integer.MAX_VALUE, 0);
            }
            if (k >= n) {
                return new Threshold(0, n);
            }
            int bits = sorted[(int) (n - k)];
            // elements above the k-th largest: after the last one equal to it
            int lo = (int) (n - k);
            int hi = n;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (sorted[mid] <= bits) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return new Threshold(bits, k - (n - lo));
        }
    }

    /**
     * The sorted magnitudes of the {@code length} elements of {@code source} (one pass).
     *
     * @throws IllegalArgumentException when the tensor has more elements than a Java array holds
     */
    public static Profile profile(Source source, long length, int chunk) {
        if (length > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(length + " elements are more than a profile holds");
        }
        int[] bits = new int[(int) length];
        float[] buffer = new float[(int) Math.max(1, Math.min(chunk, length))];
        for (long at = 0; at < length; at += buffer.length) {
            int n = (int) Math.min(buffer.length, length - at);
            source.fill(at, buffer, n);
            for (int i = 0; i < n; i++) {
                bits[(int) at + i] = Float.floatToRawIntBits(buffer[i]) & 0x7FFFFFFF;
            }
        }
        java.util.Arrays.sort(bits); // non-negative ints order like the magnitudes they hold
        return new Profile(bits);
    }

    /** Writes 1 for kept elements and 0 for the others; chunks must be applied in index order. */
    public static final class Mask {
        private final int bits;
        private long tiesLeft;

        Mask(int bits, long tiesLeft) {
            this.bits = bits;
            this.tiesLeft = tiesLeft;
        }

        public void apply(float[] chunk, float[] keep, int off, int n) {
            apply(Kernels.scalar(), chunk, keep, off, n);
        }

        /** As {@link #apply(float[], float[], int, int)}, comparing with {@code kernels}. */
        public void apply(Kernels kernels, float[] chunk, float[] keep, int off, int n) {
            kernels.aboveMagnitude(chunk, bits, keep, off, n);
            // elements equal to the threshold are kept in index order until k are kept
            if (tiesLeft > 0) {
                for (int i = off; i < off + n && tiesLeft > 0; i++) {
                    if ((Float.floatToRawIntBits(chunk[i]) & 0x7FFFFFFF) == bits) {
                        keep[i] = 1f;
                        tiesLeft--;
                    }
                }
            }
        }
    }

    /** Counts the upper 16 bits of |x| in four interleaved histograms (repeated bins do not stall each other). */
    /**
     * Histogram lanes for a tensor of {@code length} elements: four independent counters (adjacent equal elements do
     * not wait on each other's increment) pay for their zeroing and summing from a few chunks on; a small tensor,
     * such as one of the many a search merges in memory, counts in one.
     */
    private static int lanes(long length) {
        return length >= 1 << 16 ? 4 : 1;
    }

    /** The lanes' counts added up (the lane itself when there is one). */
    private static int[] summed(int[][] lanes) {
        if (lanes.length == 1) {
            return lanes[0];
        }
        int[] high = new int[1 << 15];
        for (int[] lane : lanes) {
            for (int b = 0; b < high.length; b++) {
                high[b] += lane[b];
            }
        }
        return high;
    }

    private static void histogramHigh(float[] x, int n, int[][] lanes) {
        if (lanes.length == 1) {
            int[] h = lanes[0];
            for (int i = 0; i < n; i++) {
                h[(Float.floatToRawIntBits(x[i]) & 0x7FFFFFFF) >>> 16]++;
            }
            return;
        }
        int[] h0 = lanes[0];
        int[] h1 = lanes[1];
        int[] h2 = lanes[2];
        int[] h3 = lanes[3];
        int i = 0;
        for (; i + 3 < n; i += 4) {
            h0[(Float.floatToRawIntBits(x[i]) & 0x7FFFFFFF) >>> 16]++;
            h1[(Float.floatToRawIntBits(x[i + 1]) & 0x7FFFFFFF) >>> 16]++;
            h2[(Float.floatToRawIntBits(x[i + 2]) & 0x7FFFFFFF) >>> 16]++;
            h3[(Float.floatToRawIntBits(x[i + 3]) & 0x7FFFFFFF) >>> 16]++;
        }
        for (; i < n; i++) {
            h0[(Float.floatToRawIntBits(x[i]) & 0x7FFFFFFF) >>> 16]++;
        }
    }

    /**
     * Finds the threshold keeping the {@code k} largest magnitudes of the {@code length} elements of {@code source}.
     *
     * @param chunk how many elements to produce at a time
     */
    public static Threshold threshold(Source source, long length, long k, int chunk) {
        if (k <= 0) {
            return new Threshold(Integer.MAX_VALUE, 0);
        }
        if (k >= length) {
            return new Threshold(0, length); // everything: magnitude >= +0 with all zeros kept
        }
        float[] buffer = new float[(int) Math.min(chunk, length)];
        int[][] lanes = new int[lanes(length)][1 << 15];
        for (long at = 0; at < length; at += buffer.length) {
            int n = (int) Math.min(buffer.length, length - at);
            source.fill(at, buffer, n);
            histogramHigh(buffer, n, lanes);
        }
        int[] high = summed(lanes);
        long above = 0;
        int bin = high.length - 1;
        while (above + high[bin] < k) {
            above += high[bin--];
        }
        int[] low = new int[1 << 16];
        for (long at = 0; at < length; at += buffer.length) {
            int n = (int) Math.min(buffer.length, length - at);
            source.fill(at, buffer, n);
            for (int i = 0; i < n; i++) {
                int b = Float.floatToRawIntBits(buffer[i]) & 0x7FFFFFFF;
                if (b >>> 16 == bin) {
                    low[b & 0xFFFF]++;
                }
            }
        }
        int lowBin = low.length - 1;
        while (above + low[lowBin] < k) {
            above += low[lowBin--];
        }
        return new Threshold(bin << 16 | lowBin, k - above);
    }
}
