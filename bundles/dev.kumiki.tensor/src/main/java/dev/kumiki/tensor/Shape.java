package dev.kumiki.tensor;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The dimensions of a tensor, outermost first. Immutable. */
public final class Shape {
    private final long[] dims;

    private Shape(long[] dims) {
        this.dims = dims;
    }

    /**
     * @throws IllegalArgumentException for a negative dimension or an element count beyond {@code Long.MAX_VALUE}
     */
    public static Shape of(long... dims) {
        long[] copy = dims.clone();
        long n = 1;
        for (long d : copy) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in " + Arrays.toString(copy));
            }
            n = Math.multiplyExact(n, d);
        }
        return new Shape(copy);
    }

    public int rank() {
        return dims.length;
    }

    public long dim(int i) {
        return dims[i];
    }

    public long[] dims() {
        return dims.clone();
    }

    /** Number of elements (1 for a scalar). */
    public long elements() {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        return n;
    }

    /** Elements per outermost index (a row of a matrix); the whole tensor for rank 0 and 1. */
    public long rowLength() {
        return dims.length < 2 ? elements() : elements() / dims[0];
    }

    /** Number of rows: the outermost dimension for rank >= 2, else 1. */
    public long rows() {
        return dims.length < 2 ? 1 : dims[0];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    /** {@code [4096, 11008]}, as safetensors headers and PyTorch write shapes. */
    @Override
    public String toString() {
        return Arrays.stream(dims).mapToObj(Long::toString).collect(Collectors.joining(", ", "[", "]"));
    }
}
