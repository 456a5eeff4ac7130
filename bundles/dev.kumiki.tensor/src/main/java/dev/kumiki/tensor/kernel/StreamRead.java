package dev.kumiki.tensor.kernel;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.DoubleAdder;

import dev.kumiki.tensor.kernel.internal.VectorKernels;

/**
 * The bandwidth baseline of memory-bound kernels: a plain read of every byte of some segments (summed as F32 lanes
 * with the Vector API, so that nothing is optimised away) on the threads of a {@link MatrixOps}. Benchmarks report a
 * decode kernel's GB/s as a ratio to this read of the same bytes on the same threads, taken once the bytes are
 * resident and the read is compiled ({@link #warmUp()}).
 * {@snippet :
 * StreamRead read = StreamRead.of(ops, weights);
 * read.warmUp();
 * double[] seconds = new double[5];
 * for (int i = 0; i < seconds.length; i++) {
 *     seconds[i] = read.bestSeconds(5);
 * }
 * double gbPerSecond = read.gbPerSecond(seconds);
 * }
 * <p>
 * The threads share out blocks of 64 KiB across all the segments in one hand-off per pass, and each block is summed
 * by a short call: the JIT compiles a small method called tens of thousands of times per gigabyte at once, whereas
 * one long loop per segment ran for most of a benchmark in its slow first compilations (the first version, called
 * once per tensor and thread, measured 0.7–7 GB/s where the decode kernels reading the same bytes reached more).
 */
public final class StreamRead {
    /** Bytes per block the threads share out: whole pages. */
    static final long BLOCK = 1 << 16;
    /** Passes of {@link #warmUp()}: the first faults the pages in, the next ones run compiled code. */
    static final int WARM_UP_PASSES = 3;

    private final MatrixOps ops;
    private final MemorySegment[] segments;
    /** The global index of each segment's first block, and the total after the last. */
    private final long[] firstBlock;
    private final long bytes;
    /** The sums land here, so that the reads cannot be optimised away. */
    private volatile double sink;

    private StreamRead(MatrixOps ops, List<MemorySegment> segments) {
        this.ops = ops;
        this.segments = segments.toArray(MemorySegment[]::new);
        this.firstBlock = new long[this.segments.length + 1];
        long b = 0;
        long n = 0;
        for (int i = 0; i < this.segments.length; i++) {
            firstBlock[i] = b;
            long size = readable(this.segments[i]);
            b += (size + BLOCK - 1) / BLOCK;
            n += size;
        }
        firstBlock[this.segments.length] = b;
        if (b > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("more than " + Integer.MAX_VALUE + " blocks of " + BLOCK + " bytes");
        }
        this.bytes = n;
    }

    /** A read of {@code segments} (each its whole length but for a last partial float) on the threads of {@code ops}. */
    public static StreamRead of(MatrixOps ops, List<MemorySegment> segments) {
        return new StreamRead(ops, List.copyOf(segments));
    }

    /**
     * Reads {@code segment} (its whole length but for a last partial float) and returns the sum of its bytes taken as
     * F32 values; the Vector API must be available.
     */
    public static double sum(MatrixOps ops, MemorySegment segment) {
        return of(ops, List.of(segment)).sum();
    }

    /** The bytes one pass reads. */
    public long bytes() {
        return bytes;
    }

    /** One pass over every segment: the sum of all their bytes taken as F32 values. */
    public double sum() {
        DoubleAdder total = new DoubleAdder();
        ops.split((int) firstBlock[segments.length], 1, (b0, b1) -> total.add(blocks(b0, b1)));
        return total.sum();
    }

    /** Passes enough for the pages to be resident and the read compiled, not timed. */
    public void warmUp() {
        for (int i = 0; i < WARM_UP_PASSES; i++) {
            sink += sum();
        }
    }

    /** The wall-clock seconds of one pass. */
    public double seconds() {
        long t0 = System.nanoTime();
        sink += sum();
        return (System.nanoTime() - t0) / 1e9;
    }

    /**
     * The wall-clock seconds of the fastest of {@code passes} passes, as STREAM reports its best rate: a ceiling is
     * what the read reaches, and on this JVM a pass now and then runs in a recompilation or beside another process
     * (the same compiled read measured 5 and 25 GB/s in consecutive passes on a quiet machine).
     */
    public double bestSeconds(int passes) {
        if (passes < 1) {
            throw new IllegalArgumentException("passes must be at least 1, got " + passes);
        }
        double best = Double.POSITIVE_INFINITY;
        for (int i = 0; i < passes; i++) {
            best = Math.min(best, seconds());
        }
        return best;
    }

    /** The bandwidth of this read in GB/s (10⁹ bytes a second) at the median of the given pass times. */
    public double gbPerSecond(double... seconds) {
        if (seconds.length == 0) {
            throw new IllegalArgumentException("no pass was timed");
        }
        double[] s = seconds.clone();
        Arrays.sort(s);
        double median = s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
        return bytes / median / 1e9;
    }

    /** Sums global blocks {@code [b0, b1)}, one short call per block. */
    private double blocks(int b0, int b1) {
        int found = Arrays.binarySearch(firstBlock, b0);
        // a segment that starts at or before b0; the loop below steps over empty ones (they share a first block)
        int seg = found >= 0 ? found : -found - 2;
        double s = 0;
        for (long b = b0; b < b1; b++) {
            while (b >= firstBlock[seg + 1]) {
                seg++;
            }
            MemorySegment m = segments[seg];
            long from = (b - firstBlock[seg]) * BLOCK;
            s += VectorKernels.streamSum(m, from, Math.min(readable(m), from + BLOCK));
        }
        return s;
    }

    private static long readable(MemorySegment m) {
        return m.byteSize() & ~3L;
    }
}
