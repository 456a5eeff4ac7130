package dev.kumiki.tensor.kernel;

/**
 * A counter-based random generator: draw {@code i} of stream {@code seed} is a pure function of both (SplitMix64's
 * finaliser over {@code seed + (i + 1) · golden ratio}), so a tensor's random mask is the same however it is chunked
 * or split across threads, and can be recomputed instead of stored.
 */
public final class CounterRandom {
    static final long GOLDEN = 0x9E3779B97F4A7C15L;
    static final long MIX1 = 0xBF58476D1CE4E5B9L;
    static final long MIX2 = 0x94D049BB133111EBL;

    private CounterRandom() {
    }

    /** 64 random bits for element {@code index} of stream {@code seed}. */
    public static long bits(long seed, long index) {
        long z = seed + (index + 1) * GOLDEN;
        z = (z ^ (z >>> 30)) * MIX1;
        z = (z ^ (z >>> 27)) * MIX2;
        return z ^ (z >>> 31);
    }

    /** A uniform float in [0, 1) for element {@code index} of stream {@code seed} (24 random bits). */
    public static float uniform(long seed, long index) {
        return (bits(seed, index) >>> 40) * 0x1.0p-24f;
    }

    /** A stream seed for one tensor of one model, derived from a run's seed. */
    public static long stream(long seed, String tensor, int model) {
        return bits(seed ^ (tensor.hashCode() * GOLDEN), model);
    }
}
