package dev.kumiki.tensor.kernel;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

import dev.kumiki.tensor.DType;

/**
 * The matrix kernels of a {@link Kernels} spread over a pool of threads sized for the work: each call splits the
 * weight matrix's rows into as many contiguous blocks as there are threads, and the calling thread computes one of
 * them. With one thread everything runs on the caller, and so does a matrix too small to be worth splitting (a block
 * gets at least {@value #MIN_BLOCK_ELEMENTS} weights, the time to stream them being about what a hand-off costs). The pool
 * threads are daemons named {@code kumiki-matrix-<pool>-<n>}; {@link #close()} stops them. The pool threads read the
 * weights: segments must be of a shared or global arena (as mapped model files are), not a confined one.
 * <p>
 * A forward pass makes hundreds of calls a second, each a few hundred microseconds of work. The pool threads
 * therefore wait for the next block by spinning for {@value #SPIN_MICROS} µs before they park, as OpenMP runtimes do
 * (llama.cpp and PyTorch's threads too): waking a parked thread took up to a millisecond on the 2-vCPU VMs this was
 * measured on, which made RMSNorm on two threads ten times slower than on one. A call made while another thread's
 * call is running on the same {@code MatrixOps}, or from inside a block, runs on its caller alone; results never
 * depend on the split, so this changes only the speed.
 * {@snippet :
 * try (MatrixOps ops = MatrixOps.of(Kernels.of(HardwareProfile.detect()), 2)) {
 *     ops.matVec(weight.data(), DType.BF16, rows, cols, x, y);
 * }
 * }
 */
public final class MatrixOps implements AutoCloseable {
    /** The fewest weights a block of a split matrix gets. */
    public static final int MIN_BLOCK_ELEMENTS = 1 << 16;

    /** How long a pool thread spins for its next block before it parks, and the caller for a block's end. */
    static final int SPIN_MICROS = 1000;
    private static final long SPIN_NANOS = SPIN_MICROS * 1000L;
    private static final AtomicInteger POOLS = new AtomicInteger();

    private final Kernels kernels;
    private final int threads;
    private final Worker[] workers;
    /** Held by the thread whose call owns the workers. */
    private final ReentrantLock calling = new ReentrantLock();
    private volatile boolean closed;

    private MatrixOps(Kernels kernels, int threads) {
        this.kernels = kernels;
        this.threads = threads;
        this.workers = new Worker[threads - 1];
        if (threads > 1) {
            int id = POOLS.incrementAndGet();
            for (int i = 0; i < workers.length; i++) {
                workers[i] = new Worker("kumiki-matrix-" + id + "-" + (i + 1));
                workers[i].start();
            }
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
        if (closed) {
            throw new IllegalStateException("this MatrixOps is closed; make a new one with MatrixOps.of");
        }
        // kernels with threads of their own get the whole product, with this pool's thread count when it is free
        boolean free = threads > 1 && !calling.isHeldByCurrentThread() && calling.tryLock();
        try {
            if (kernels.matMulOnOwnThreads(w, type, rows, cols, x, n, y, free ? threads : 1)) {
                return;
            }
        } finally {
            if (free) {
                calling.unlock();
            }
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
        // a call from inside a block, or beside another thread's call, has no free workers: it runs on its caller
        if (parts == 1 || calling.isHeldByCurrentThread() || !calling.tryLock()) {
            block.run(0, rows);
            return;
        }
        try {
            if (closed) {
                throw new IllegalStateException("this MatrixOps is closed; make a new one with MatrixOps.of");
            }
            int[] bounds = new int[parts + 1];
            for (int p = 1; p < parts; p++) {
                bounds[p] = (int) ((long) rows * p / parts / align * align);
            }
            bounds[parts] = rows;
            long[] tickets = new long[parts - 1];
            for (int p = 1; p < parts; p++) {
                tickets[p - 1] = workers[p - 1].post(block, bounds[p], bounds[p + 1]);
            }
            Throwable failure = null;
            try {
                block.run(0, bounds[1]);
            } catch (RuntimeException | Error e) {
                failure = e;
            }
            // the blocks write into the caller's arrays: never return while one still runs, interrupted or not
            boolean interrupted = false;
            for (int p = 1; p < parts; p++) {
                Worker w = workers[p - 1];
                interrupted |= w.await(tickets[p - 1]);
                Throwable f = w.takeFailure();
                if (failure == null) {
                    failure = f;
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
            if (failure != null) {
                throw new IllegalStateException("a matrix block failed", failure);
            }
        } finally {
            calling.unlock();
        }
    }

    /**
     * A pool thread: it runs the blocks posted to it one at a time, spinning for {@link #SPIN_MICROS} after each one
     * before it parks. The block and its rows are written before the ticket (a volatile write) and read after it; the
     * failure is written before {@code finished} and read after it.
     */
    private static final class Worker extends Thread {
        private volatile long posted;
        private volatile long finished;
        private volatile boolean sleeping;
        private volatile Thread waiter;
        private volatile boolean stop;
        private RowBlock block;
        private int r0;
        private int r1;
        private Throwable failure;

        Worker(String name) {
            super(name);
            setDaemon(true);
        }

        /** Hands this worker rows {@code [from, to)} of {@code b}; returns the ticket to {@link #await} for. */
        long post(RowBlock b, int from, int to) {
            block = b;
            r0 = from;
            r1 = to;
            long ticket = posted + 1;
            posted = ticket;
            if (sleeping) {
                LockSupport.unpark(this);
            }
            return ticket;
        }

        /** Waits until the block of {@code ticket} has ended; returns whether the caller was interrupted meanwhile. */
        boolean await(long ticket) {
            boolean interrupted = false;
            long start = System.nanoTime();
            int spins = 0;
            while (finished < ticket) {
                if (System.nanoTime() - start < SPIN_NANOS) {
                    Thread.onSpinWait();
                    if ((++spins & 0xFF) == 0) {
                        Thread.yield();
                    }
                    continue;
                }
                waiter = Thread.currentThread();
                if (finished < ticket) {
                    LockSupport.park(this);
                }
                waiter = null;
                interrupted |= Thread.interrupted();
            }
            return interrupted;
        }

        Throwable takeFailure() {
            Throwable f = failure;
            failure = null;
            return f;
        }

        void shutDown() {
            stop = true;
            LockSupport.unpark(this);
        }

        @Override
        public void run() {
            long seen = 0;
            while (awaitPosted(seen + 1)) {
                seen++;
                Throwable f = null;
                try {
                    block.run(r0, r1);
                } catch (Throwable t) {
                    f = t;
                }
                failure = f;
                block = null;
                finished = seen;
                Thread w = waiter;
                if (w != null) {
                    LockSupport.unpark(w);
                }
            }
        }

        /** Waits for the ticket {@code next}; false once the pool is shut down. */
        private boolean awaitPosted(long next) {
            long start = System.nanoTime();
            int spins = 0;
            while (posted < next) {
                if (stop) {
                    return false;
                }
                if (System.nanoTime() - start < SPIN_NANOS) {
                    Thread.onSpinWait();
                    if ((++spins & 0xFF) == 0) {
                        Thread.yield(); // a busy machine: let a runnable thread have the core
                    }
                    continue;
                }
                sleeping = true;
                if (posted < next && !stop) {
                    LockSupport.park(this);
                }
                sleeping = false;
                Thread.interrupted(); // nothing interrupts a pool thread but close, which also sets stop
                start = System.nanoTime() - SPIN_NANOS; // woken: no new spin before the next check
            }
            return true;
        }
    }

    /** Stops the pool threads (after a call running on another thread has ended); calls after this throw. */
    @Override
    public void close() {
        closed = true;
        calling.lock();
        try {
            for (Worker w : workers) {
                if (w != null) {
                    w.shutDown();
                }
            }
        } finally {
            calling.unlock();
        }
    }
}
