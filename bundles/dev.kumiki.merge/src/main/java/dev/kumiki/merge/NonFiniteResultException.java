package dev.kumiki.merge;

/**
 * A merge whose result holds NaN or infinite values, refused (see {@link Merger.Builder#allowNonFinite(boolean)}). The
 * message names the tensor, how many values and the likely cause.
 */
public final class NonFiniteResultException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public NonFiniteResultException(String message) {
        super(message);
    }
}
