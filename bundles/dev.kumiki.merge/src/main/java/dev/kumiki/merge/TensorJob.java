package dev.kumiki.merge;

import dev.kumiki.tensor.Shape;
import dev.kumiki.tensor.kernel.Kernels;

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

    /** The kernels to compute with. */
    Kernels kernels();

    /** Preferred chunk length in elements. */
    int chunk();
}
