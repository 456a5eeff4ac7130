package dev.kumiki.train;

/** Seeds derived from the run's seed, so that no random stream depends on what ran before it. */
final class Seeds {
    private Seeds() {
    }

    /** A well-mixed 64-bit value of the inputs (SplitMix64's finaliser over their combination). */
    static long mix(long... parts) {
        long h = 0x9E3779B97F4A7C15L;
        for (long p : parts) {
            h = finish(h ^ finish(p + 0x9E3779B97F4A7C15L));
        }
        return h;
    }

    private static long finish(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The dropout seed of micro-batch {@code micro} of optimizer step {@code step} (0-based). */
    static long dropout(long seed, int step, int micro) {
        return mix(seed, 0xD209L, step, micro);
    }
}
