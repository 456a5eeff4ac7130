package dev.kumiki.tensor.kernel;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

import dev.kumiki.tensor.DType;

/**
 * The matrix kernels of a {@link Kernels} spread over a pool of threads sized for the work: each call splits the
 * weight matrix's rows into as many contiguous blocks as there are threads, and the calling thread computes one of
 * them. With one thread everything runs on the caller, and so does a matrix too small to be worth splitting (a block
 * gets at least {@value #MIN_BLOCK_ELEMENTS} weights: handing a block to a pool thread and waiting for it costs some
 * ten microseconds, the time to stream that many weights). The pool threads are daemons named
 * {@code kumiki-matrix-<pool>-<n>}; {@link #close()} stops them. The pool threads read the weights: segments must be
 * of a shared or global arena (as mapped model files are), not a confined one.
 * {@snippet :
 * try (MatrixOps ops = MatrixOps.of(Kernels.of(HardwareProfile.detect()), 2)) {
 *     ops.matVec(weight.data(), DType.BF16, rows, cols, x, y);
 * }
 * }
 */
public final class MatrixOps implements AutoCloseable {
    /** The fewest weights a block of a split matrix gets. */
    public static final int MIN_BLOCK_ELEMENTS = 1 << 16;

    private static final AtomicInteger POOLS = new AtomicInteger();

    private final Kernels kernels;
    private final int threads;
    private final ExecutorService pool;
    private volatile boolean closed;

    private MatrixOps(Kernels kernels, int threads) {
        this.kernels = kernels;
        this.threads = threads;
        if (threads > 1) {
            int id = POOLS.incrementAndGet();
            AtomicInteger n = new AtomicInteger();
            ThreadFactory factory = r -> {
                Thread t = new Thread(r, "kumiki-matrix-" + id + "-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            };
            // a fixed pool rather than a ForkJoinPool: blocks are few, equal and never split further, so there is
            // nothing to steal
            this.pool = Executors.newFixedThreadPool(threads - 1, factory);
        } else {
            this.pool = null;
        }
    }

    /**
     * Matrix kernels on {@code threads} threads (the caller and {@code threads - 1} pool threads).
     *
     * @throws IllegalArgumentException when threads is below 1
     */
    public static MatrixOps of(Kernels kernels, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, not " + threads);
        }
        return new MatrixOps(kernels, threads);
    }

    /** The kernels every block runs. */
    public Kernels kernels() {
        return kernels;
    }

    /** The threads a call uses at most, the caller's included. */
    public int threads() {
        return threads;
    }

    /** {@code y[r] = Σ_c W[r, c] · x[c]} for every row of the {@code rows × cols} matrix W; see {@link Kernels#matVec}. */
    public void matVec(MemorySegment w, DType type, int rows, int cols, float[] x, float[] y) {
        split(rows, minRows(cols, 1), 4, (r0, r1) -> kernels.matVec(w, type, cols, x, 0, y, 0, r0, r1));
    }

    /** {@code Y = X · Wᵀ} for {@code n} tokens; see {@link Kernels#matMul}. */
    public void matMul(MemorySegment w, DType type, int rows, int cols, float[] x, int n, float[] y) {
        if (n == 1) {
            matVec(w, type, rows, cols, x, y);
            return;
        }
        // each block packs all n tokens again: blocks of at least 64 rows keep that under 2 % of the block's work
        split(rows, Math.max(64, minRows(cols, n)), 8,
                (r0, r1) -> kernels.matMul(w, type, rows, cols, x, n, y, r0, r1));
    }

    private static int minRows(int cols, int n) {
        return (int) Math.max(1, MIN_BLOCK_ELEMENTS / Math.max(1L, (long) cols * n));
    }

    /** A block of rows. */
    @FunctionalInterface
    public interface RowBlock {
        /** Computes rows {@code [r0, r1)}. */
        void run(int r0, int r1);
    }

    /**
     * Runs {@code block} over {@code [0, rows)} split into contiguous blocks, one per thread (fewer when a block would
     * have under {@code minRows} rows); returns when all are done, also when one failed or the caller was interrupted
     * (its interrupt status is kept). The first failure of any block is then rethrown as it was (an unchecked
     * exception or an error).
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public void split(int rows, int minRows, RowBlock block) {
        split(rows, minRows, 1, block);
    }

    /** {@link #split(int, int, RowBlock)} with block boundaries at multiples of {@code align} (but the last). */
    private void split(int rows, int minRows, int align, RowBlock block) {
        if (closed) {
            throw new IllegalStateException("this MatrixOps is closed; make a new one with MatrixOps.of");
        }
        int parts = Math.max(1, Math.min(threads, rows / Math.max(1, minRows)));
        if (parts == 1) {
            block.run(0, rows);
            return;
        }
        int[] bounds = new int[parts + 1];
        for (int p = 1; p < parts; p++) {
            bounds[p] = (int) ((long) rows * p / parts / align * align);
        }
        bounds[parts] = rows;
        List<Future<?>> futures = new ArrayList<>(parts - 1);
        for (int p = 1; p < parts; p++) {
            int r0 = bounds[p];
            int r1 = bounds[p + 1];
            futures.add(pool.submit(() -> block.run(r0, r1)));
        }
        Throwable failure = null;
        try {
            block.run(0, bounds[1]);
        } catch (RuntimeException | Error e) {
            failure = e;
        }
        boolean interrupted = false;
        for (Future<?> f : futures) {
            while (true) {
                try {
                    f.get();
                    break;
                } catch (ExecutionException e) {
                    if (failure == null) {
                        failure = e.getCause();
                    }
                    break;
                } catch (InterruptedException e) {
                    // the blocks write into the caller's arrays: never return while one still runs
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure instanceof RuntimeException e) {
            throw e;
        }
        if (failure instanceof Error e) {
            throw e;
        }
    }

    /** Stops the pool threads; calls after this throw. */
    @Override
    public void close() {
        closed = true;
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}
