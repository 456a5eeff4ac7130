package dev.kumiki.merge.methods;

import dev.kumiki.merge.TensorJob;

/** Helpers for walking a tensor in chunks. */
final class Chunks {
    private Chunks() {
    }

    /** A chunk length that is a whole number of rows of {@code rowLength} (at least one row). */
    static int rowAligned(TensorJob job, long rowLength) {
        if (rowLength <= 0) {
            return job.chunk();
        }
        long rows = Math.max(1, job.chunk() / rowLength);
        return (int) Math.min(Integer.MAX_VALUE - 8, rows * rowLength);
    }

    /** {@code out = input(model) - base} for the chunk. */
    static void delta(TensorJob job, int model, long from, float[] base, float[] scratch, float[] out, int n) {
        job.input(model, from, scratch, n);
        job.kernels().subtract(scratch, base, out, 0, n);
    }
}
