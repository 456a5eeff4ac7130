package dev.kumiki.tensor.hardware;

import java.util.Objects;

/**
 * Whether the Java Vector API is usable in this JVM, and with which preferred species.
 *
 * @param enabled       whether vector kernels may be used
 * @param preferredBits {@code FloatVector.SPECIES_PREFERRED.vectorBitSize()}, 0 when not enabled
 * @param note          why vectors are off, or empty
 */
public record VectorSupport(boolean enabled, int preferredBits, String note) {

    /** System property that switches vector kernels off ({@code -Dkumiki.vector=off}), for comparisons and bugs. */
    public static final String SWITCH_PROPERTY = "kumiki.vector";

    public VectorSupport {
        Objects.requireNonNull(note, "note");
        if (enabled && preferredBits < 64) {
            throw new IllegalArgumentException("an enabled Vector API needs a species of at least 64 bits, was " + preferredBits);
        }
    }

    public static VectorSupport of(int preferredBits) {
        return new VectorSupport(true, preferredBits, "");
    }

    public static VectorSupport off(String why) {
        return new VectorSupport(false, 0, why);
    }

    /** Number of float lanes in the preferred species. */
    public int floatLanes() {
        return preferredBits / Float.SIZE;
    }
}
