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

    /** Writes 1 for kept elements and 0 for the others; chunks must be applied in index order. */
    public static final class Mask {
        private final int bits;
        private long tiesLeft;

        Mask(int bits, long tiesLeft) {
            this.bits = bits;
            this.tiesLeft = tiesLeft;
        }

        public void apply(float[] chunk, float[] keep, int off, int n) {
            for (int i = off; i < off + n; i++) {
                int b = Float.floatToRawIntBits(chunk[i]) & 0x7FFFFFFF;
                boolean kept = b > bits || (b == bits && tiesLeft > 0);
                if (b == bits && tiesLeft > 0) {
                    tiesLeft--;
                }
                keep[i] = kept ? 1f : 0f;
            }
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
        long[] high = new long[1 << 15];
        for (long at = 0; at < length; at += buffer.length) {
            int n = (int) Math.min(buffer.length, length - at);
            source.fill(at, buffer, n);
            for (int i = 0; i < n; i++) {
                high[(Float.floatToRawIntBits(buffer[i]) & 0x7FFFFFFF) >>> 16]++;
            }
        }
        long above = 0;
        int bin = high.length - 1;
        while (above + high[bin] < k) {
            above += high[bin--];
        }
        long[] low = new long[1 << 16];
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
