package dev.kumiki.merge;

import dev.kumiki.tensor.Shape;
import dev.kumiki.tensor.kernel.Kernels;
import dev.kumiki.tensor.kernel.MagnitudeSelection;

/**
 * One output tensor being merged: its inputs streamed chunk by chunk as floats (converted from their stored type on
 * the fly), its parameters, and where its result goes. Methods read inputs as often as they need (a pass for norms,
 * a pass for the result): reads come from memory-mapped files, so a pass costs bandwidth, not memory.
 */
public interface TensorJob {

    /** The output tensor's name. */
    String name();

    Shape shape();

    /** Number of elements. */
    long elements();

    /** Number of non-base inputs. */
    int models();

    /** Whether there is a base model input. */
    boolean hasBase();

    /** Fills {@code buf[0, n)} with elements {@code [from, from + n)} of input {@code model} (0-based, base excluded). */
    void input(int model, long from, float[] buf, int n);

    /** Fills {@code buf[0, n)} with elements {@code [from, from + n)} of the base model's tensor. */
    void base(long from, float[] buf, int n);

    /** A per-model parameter of input {@code model} as a number. */
    double number(int model, String parameter);

    /** A per-model parameter of input {@code model} as a boolean. */
    boolean bool(int model, String parameter);

    /** A global parameter as a number. */
    double number(String parameter);

    /** A global parameter as a boolean. */
    boolean bool(String parameter);

    /** A global parameter as text. */
    String text(String parameter);

    /** Seed of the random stream of input {@code model} for this tensor (DARE, DELLA). */
    long seed(int model);

    /** Writes {@code buf[0, n)} as output elements {@code [from, from + n)}, converted to the output type. */
    void write(long from, float[] buf, int n);

    /**
     * For every input, the threshold keeping the {@code ks[i]} largest magnitudes of its task vector (input minus
     * base; none kept where {@code ks[i] <= 0}, all where it is at least {@link #elements()}): two passes shared by
     * the inputs, unless the merge keeps {@link MagnitudeProfiles} of them.
     */
    default MagnitudeSelection.Threshold[] deltaThresholds(long[] ks) {
        int k = models();
        long n = elements();
        float[] base = new float[chunk()];
        MagnitudeSelection.Sources deltas = (from, chunks, count) -> {
            base(from, base, count);
            for (int i = 0; i < k; i++) {
                if (ks[i] > 0 && ks[i] < n) {
                    input(i, from, chunks[i], count);
                    kernels().subtract(chunks[i], base, chunks[i], 0, count);
                }
            }
        };
        return MagnitudeSelection.thresholds(deltas, k, n, ks, chunk());
    }

    /** The kernels to compute with. */
    Kernels kernels();

    /** Preferred chunk length in elements. */
    int chunk();
}
