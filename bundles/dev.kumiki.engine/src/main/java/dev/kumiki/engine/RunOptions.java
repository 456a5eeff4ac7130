package dev.kumiki.engine;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How to run a pipeline.
 *
 * @param cacheDir      where node outputs are kept by content key ({@code .kumiki/cache} beside the pipeline)
 * @param runsDir       where run records go, one folder per run ({@code .kumiki/runs})
 * @param useCache      false to execute every node and leave the cache alone: it is neither read nor written (nor
 *                      created), so a read-only cache is no obstacle
 * @param threads       worker threads a node may use
 * @param parallelNodes nodes executed at the same time, at most
 * @param memoryBudget  bytes the nodes running at the same time may use together (a node larger than the budget
 *                      runs alone)
 * @param backend       the kernels nodes compute with ({@code a64fx}, {@code vector}, {@code scalar}), or null for
 *                      the one the hardware profile picks; carried to nodes by {@link ExecuteContext#backend()}, so
 *                      that one run's choice never changes another's
 */
public record RunOptions(Path cacheDir, Path runsDir, boolean useCache, int threads, int parallelNodes,
                         long memoryBudget, String backend) {
    public RunOptions {
        Objects.requireNonNull(cacheDir, "cacheDir");
        Objects.requireNonNull(runsDir, "runsDir");
        if (threads < 1 || parallelNodes < 1 || memoryBudget < 1) {
            throw new IllegalArgumentException("threads, parallelNodes and memoryBudget must be positive");
        }
        if (backend != null && backend.isBlank()) {
            backend = null;
        }
    }

    /** Options without a backend choice (the hardware profile picks it). */
    public RunOptions(Path cacheDir, Path runsDir, boolean useCache, int threads, int parallelNodes,
            long memoryBudget) {
        this(cacheDir, runsDir, useCache, threads, parallelNodes, memoryBudget, null);
    }

    /**
     * The usual options for a pipeline in {@code dir}: .kumiki/ beside it, every core for each node, as many nodes
     * at once as there are cores (heavy nodes are held back by the memory budget), half the heap.
     */
    public static RunOptions defaults(Path dir) {
        int cores = Runtime.getRuntime().availableProcessors();
        return new RunOptions(dir.resolve(".kumiki/cache"), RunRecords.runsDir(dir), true, cores,
                Math.max(2, cores), Runtime.getRuntime().maxMemory() / 2);
    }

    public RunOptions withUseCache(boolean use) {
        return new RunOptions(cacheDir, runsDir, use, threads, parallelNodes, memoryBudget, backend);
    }

    public RunOptions withThreads(int n) {
        return new RunOptions(cacheDir, runsDir, useCache, n, parallelNodes, memoryBudget, backend);
    }

    public RunOptions withCacheDir(Path dir) {
        return new RunOptions(dir, runsDir, useCache, threads, parallelNodes, memoryBudget, backend);
    }

    /** The same options with the backend {@code name} ({@code a64fx}, {@code vector}, {@code scalar}; null: detect). */
    public RunOptions withBackend(String name) {
        return new RunOptions(cacheDir, runsDir, useCache, threads, parallelNodes, memoryBudget, name);
    }
}
