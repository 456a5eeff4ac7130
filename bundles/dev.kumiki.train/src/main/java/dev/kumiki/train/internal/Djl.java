package dev.kumiki.train.internal;

import java.nio.file.Path;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;

/**
 * The one place that starts DJL's PyTorch engine for training, with the settings Kumiki needs around it (the same as
 * {@code dev.kumiki.llm.tokenizer.NativeTokenizers} sets for the tokenizers, so that both share one cache).
 *
 * <p>Before DJL's first use: {@code ai.djl.offline=true} unless the user set it or {@code DJL_OFFLINE} (DJL would call
 * home otherwise); {@code DJL_CACHE_DIR} becomes {@code $XDG_CACHE_HOME/kumiki/djl} (by default
 * {@code ~/.cache/kumiki/djl}) unless set, so the 445 MiB native library is not extracted under {@code ~/.djl.ai};
 * DJL's INFO lines are kept off a command line's stderr; and the intra-op thread count is fixed
 * ({@code ai.djl.pytorch.num_threads}: {@link #setThreads}, else the system property {@value #THREADS_PROPERTY}, else
 * the available processors), with one inter-op thread. Inside OSGi the PyTorch engine is a fragment of
 * {@code ai.djl.api} and DJL finds engines through the thread context class loader, so that loader is DJL's own while
 * the engine is created.
 */
public final class Djl {
    /** The engine's name in DJL. */
    public static final String ENGINE = "PyTorch";
    /** A system property with the intra-op thread count, used unless {@link #setThreads} was called. */
    public static final String THREADS_PROPERTY = "kumiki.train.threads";

    private static final Object LOCK = new Object();
    private static Engine engine;
    private static int threads;

    private Djl() {
    }

    /**
     * Fixes the intra-op thread count for the engine; only before the engine is first started.
     *
     * @throws IllegalStateException when the engine already runs with another count
     */
    public static void setThreads(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("threads must be at least 1, found " + n);
        }
        synchronized (LOCK) {
            if (engine != null && threads != n) {
                throw new IllegalStateException("DJL's PyTorch engine already runs with " + threads
                        + " threads; the count can be set only before the first training in this process");
            }
            threads = n;
        }
    }

    /** The intra-op thread count the engine runs (or will run) with. */
    public static int threads() {
        synchronized (LOCK) {
            return threads > 0 ? threads : defaultThreads();
        }
    }

    private static int defaultThreads() {
        Integer n = Integer.getInteger(THREADS_PROPERTY);
        return n != null && n > 0 ? n : Runtime.getRuntime().availableProcessors();
    }

    /**
     * DJL's PyTorch engine, started on first use.
     *
     * @throws IllegalStateException with DJL's reason when the engine cannot be loaded (the PyTorch engine and its
     *                               native library are not installed, or the native library does not load)
     */
    public static Engine engine() {
        synchronized (LOCK) {
            if (engine != null) {
                return engine;
            }
            configure();
            Thread thread = Thread.currentThread();
            ClassLoader previous = thread.getContextClassLoader();
            thread.setContextClassLoader(Engine.class.getClassLoader());
            try {
                engine = Engine.getEngine(ENGINE);
            } catch (RuntimeException | LinkageError e) {
                throw new IllegalStateException("DJL's " + ENGINE + " engine cannot be loaded: " + e.getMessage(), e);
            } finally {
                thread.setContextClassLoader(previous);
            }
            return engine;
        }
    }

    /** A new root manager of the engine (on the CPU). */
    public static NDManager newManager() {
        return engine().newBaseManager();
    }

    /**
     * Seeds the engine's random generator (dropout): the same seed gives the same dropout masks in the same
     * sequence of operations.
     */
    public static void seed(long seed) {
        engine().setRandomSeed((int) (seed ^ (seed >>> 32)));
    }

    private static void configure() {
        if (System.getenv("DJL_OFFLINE") == null && System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        if (isUnset(System.getenv("DJL_CACHE_DIR")) && isUnset(System.getProperty("DJL_CACHE_DIR"))) {
            System.setProperty("DJL_CACHE_DIR", defaultCacheDirectory().toString());
        }
        if (System.getProperty("org.slf4j.simpleLogger.log.ai.djl") == null) {
            System.setProperty("org.slf4j.simpleLogger.log.ai.djl", "warn");
        }
        if (System.getProperty("org.slf4j.simpleLogger.log.ai.djl.util.cuda") == null) {
            System.setProperty("org.slf4j.simpleLogger.log.ai.djl.util.cuda", "error");
        }
        if (threads == 0) {
            threads = defaultThreads();
        }
        // read once by the engine when it starts; the user's own setting of DJL's property wins
        if (System.getProperty("ai.djl.pytorch.num_threads") == null) {
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
        } else {
            threads = Integer.getInteger("ai.djl.pytorch.num_threads", threads);
        }
        if (System.getProperty("ai.djl.pytorch.num_interop_threads") == null) {
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        }
        // the graph optimizer is for TorchScript inference, which training never uses; it only logs a warning
        if (System.getProperty("ai.djl.pytorch.graph_optimizer") == null) {
            System.setProperty("ai.djl.pytorch.graph_optimizer", "false");
        }
    }

    /** Where DJL extracts its native library unless the user chose ({@code DJL_CACHE_DIR}). */
    static Path defaultCacheDirectory() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path cache = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return cache.resolve("kumiki").resolve("djl");
    }

    private static boolean isUnset(String value) {
        return value == null || value.isEmpty();
    }
}
