package dev.kumiki.tensor.kernel;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.DoubleAdder;

import dev.kumiki.tensor.kernel.internal.VectorKernels;

/**
 * The bandwidth baseline of memory-bound kernels: a plain read of every byte of a segment (summed as F32 lanes with
 * the Vector API, so that nothing is optimised away) on the threads of a {@link MatrixOps}. Benchmarks report a
 * decode kernel's GB/s as a ratio to this read of the same bytes on the same threads.
 * {@snippet :
 * long t0 = System.nanoTime();
 * StreamRead.sum(ops, weights);
 * double gbPerSecond = weights.byteSize() / (double) (System.nanoTime() - t0);
 * }
 */
public final class StreamRead {
    /** Bytes per block the threads share out: whole pages. */
    private static final long BLOCK = 1 << 16;

    private StreamRead() {
    }

    /**
     * Reads {@code segment} (its whole length but for a last partial float) and returns the sum of its bytes taken as
     * F32 values; the Vector API must be available.
     */
    public static double sum(MatrixOps ops, MemorySegment segment) {
        long size = segment.byteSize() & ~3L;
        int blocks = (int) Math.min(Integer.MAX_VALUE, (size + BLOCK - 1) / BLOCK);
        DoubleAdder total = new DoubleAdder();
        ops.split(blocks, 1, (b0, b1) -> total.add(
                VectorKernels.streamSum(segment, b0 * BLOCK, Math.min(size, b1 * BLOCK))));
        return total.sum();
    }
}
