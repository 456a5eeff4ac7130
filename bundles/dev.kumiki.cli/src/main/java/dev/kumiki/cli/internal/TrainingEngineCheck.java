package dev.kumiki.cli.internal;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import ai.djl.util.Utils;

/**
 * Whether training can run in this installation: DJL's PyTorch engine (the optional feature "Kumiki Training (DJL
 * PyTorch)") loads, and its autograd gives the right gradient of a small function. Used by {@code kumiki backends
 * --training}, which the distribution checks run in a product with and without the feature.
 *
 * <p>Inside OSGi the engine, its JNI library and libtorch are fragments of DJL's api bundle; DJL finds them with
 * ServiceLoader and class-path resources through the thread context class loader, which must therefore be that
 * bundle's loader when DJL's {@link Engine} class is first used.
 */
final class TrainingEngineCheck {
    /** The feature that brings the engine, as the Studio's and the command line's messages name it. */
    static final String FEATURE = "\"Kumiki Training (DJL PyTorch)\" (feature id dev.kumiki.train.feature)";

    private static final String ENGINE = "PyTorch";

    private TrainingEngineCheck() {
    }

    /**
     * What was found.
     *
     * @param works   the engine loaded and computed the expected gradient
     * @param summary one line for people
     * @param version PyTorch's version, or null when it did not load
     * @param problem why training cannot run, or null
     */
    record Outcome(boolean works, String summary, String version, String problem) {
        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("available", works);
            m.put("engine", "DJL " + ENGINE);
            m.put("version", version);
            m.put("problem", problem);
            return m;
        }
    }

    /** Loads the engine (extracting libtorch on first use) and checks one gradient; never throws. */
    static Outcome run() {
        if (System.getenv("DJL_OFFLINE") == null && System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        if (System.getProperty("org.slf4j.simpleLogger.log.ai.djl") == null) {
            System.setProperty("org.slf4j.simpleLogger.log.ai.djl", "warn");
        }
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(Engine.class.getClassLoader());
        long t0 = System.nanoTime();
        try {
            if (!Engine.hasEngine(ENGINE)) {
                String problem = "DJL's PyTorch engine is not installed; install " + FEATURE
                        + " into this Kumiki (Kumiki's own distributions include it)";
                return new Outcome(false, problem, null, problem);
            }
            Engine engine = Engine.getEngine(ENGINE);
            String version = engine.getVersion();
            double seconds = (System.nanoTime() - t0) / 1e9;
            // d/dx sum(w * x^2) = 2 w x: autograd, the part of PyTorch training needs beyond inference
            float[] x0 = {1f, 2f, 3f};
            float[] w0 = {0.5f, -1f, 2f};
            float[] expected = {1f, -4f, 12f};
            float[] gradient;
            try (NDManager manager = engine.newBaseManager()) {
                NDArray x = manager.create(x0);
                x.setRequiresGradient(true);
                NDArray w = manager.create(w0);
                try (GradientCollector collector = engine.newGradientCollector()) {
                    collector.backward(x.mul(x).mul(w).sum());
                }
                gradient = x.getGradient().toFloatArray();
            }
            if (!Arrays.equals(gradient, expected)) {
                String problem = "PyTorch " + version + " computed the gradient " + Arrays.toString(gradient)
                        + " where " + Arrays.toString(expected) + " is right";
                return new Outcome(false, problem, version, problem);
            }
            return new Outcome(true, String.format(Locale.ROOT, "DJL %s engine, PyTorch %s (%s), loaded in %.1f s "
                    + "from %s; a gradient checked: ok", ENGINE, version, System.getProperty("os.arch"), seconds,
                    Utils.getEngineCacheDir()), version, null);
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            String problem = "DJL's PyTorch engine is installed but does not load (" + e.getMessage() + "); DJL "
                    + "extracts libtorch into " + cacheDirectory() + ", which must be writable and not mounted "
                    + "noexec (choose another with DJL_CACHE_DIR)";
            return new Outcome(false, problem, null, problem);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    private static String cacheDirectory() {
        try {
            return Utils.getEngineCacheDir().toString();
        } catch (RuntimeException e) {
            return "DJL_CACHE_DIR";
        }
    }
}
