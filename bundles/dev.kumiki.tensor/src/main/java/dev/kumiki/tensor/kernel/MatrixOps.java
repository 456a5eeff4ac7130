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
 * them. With one thread everything runs on the caller.
 * {@snippet :
 * try (MatrixOps ops = MatrixOps.of(Kernels.of(HardwareProfile.detect()), 2)) {
 *     ops.matVec(weight.data(), DType.BF16, rows, cols, x, y);
 * }
 * }
 */
public final class MatrixOps implements AutoCloseable {
    private static final AtomicInteger POOLS = new AtomicInteger();

    private final Kernels kernels;
    private final int threads;
    private final ExecutorService pool;

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

    public Kernels kernels() {
        return kernels;
    }

    public int threads() {
        return threads;
    }

    /** {@code y[r] = Σ_c W[r, c] · x[c]} for every row of the {@code rows × cols} matrix W; see {@link Kernels#matVec}. */
    public void matVec(MemorySegment w, DType type, int rows, int cols, float[] x, float[] y) {
        split(rows, 64, (r0, r1) -> kernels.matVec(w, type, cols, x, 0, y, 0, r0, r1));
    }

    /** {@code Y = X · Wᵀ} for {@code n} tokens; see {@link Kernels#matMul}. */
    public void matMul(MemorySegment w, DType type, int rows, int cols, float[] x, int n, float[] y) {
        if (n == 1) {
            matVec(w, type, rows, cols, x, y);
            return;
        }
        split(rows, 16, (r0, r1) -> kernels.matMul(w, type, rows, cols, x, n, y, r0, r1));
    }

    /** A block of rows. */
    @FunctionalInterface
    public interface RowBlock {
        void run(int r0, int r1);
    }

    /**
     * Runs {@code block} over {@code [0, rows)} split into contiguous blocks, one per thread (fewer when a block would
     * have under {@code minRows} rows); returns when all are done. Runtime exceptions of any block are rethrown.
     */
    public void split(int rows, int minRows, RowBlock block) {
        int parts = Math.max(1, Math.min(threads, rows / Math.max(1, minRows)));
        if (parts == 1 || pool == null) {
            block.run(0, rows);
            return;
        }
        List<Future<?>> futures = new ArrayList<>(parts - 1);
        for (int p = 1; p < parts; p++) {
            int r0 = (int) ((long) rows * p / parts);
            int r1 = (int) ((long) rows * (p + 1) / parts);
            futures.add(pool.submit(() -> block.run(r0, r1)));
        }
        RuntimeException failure = null;
        try {
            block.run(0, (int) ((long) rows / parts));
        } catch (RuntimeException e) {
            failure = e;
        }
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause() instanceof RuntimeException re ? re
                            : new IllegalStateException(e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (failure == null) {
                    failure = new IllegalStateException("interrupted while waiting for a matrix kernel", e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}
