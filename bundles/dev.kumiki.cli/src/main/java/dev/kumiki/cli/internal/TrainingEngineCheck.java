package dev.kumiki.cli.internal;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import ai.djl.util.Utils;
import dev.kumiki.train.Training;
import dev.kumiki.train.internal.Djl;

/**
 * Whether training can run in this installation: DJL's PyTorch engine (the optional feature "Kumiki Training (DJL
 * PyTorch)") loads, and its autograd gives the right gradient of a small function. Used by {@code kumiki backends
 * --training}, which the distribution checks run in a product with and without the feature.
 *
 * <p>Inside OSGi the engine, its JNI library and libtorch are fragments of DJL's api bundle, found through the thread
 * context class loader that the training library's engine bootstrap sets.
 */
final class TrainingEngineCheck {
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
            m.put("engine", "DJL " + Djl.ENGINE);
            m.put("version", version);
            m.put("problem", problem);
            return m;
        }
    }

    /** Loads the engine (extracting libtorch on first use) and checks one gradient; never throws. */
    static Outcome run() {
        long t0 = System.nanoTime();
        Optional<String> missing = Training.availability();
        if (missing.isPresent()) {
            return new Outcome(false, missing.get(), null, missing.get());
        }
        try {
            Engine engine = Djl.engine();
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
            return new Outcome(true, String.format(Locale.ROOT, "DJL %s engine, PyTorch %s on the CPU, %d threads, "
                    + "started in %.1f s (libtorch in %s); a gradient checked: ok", Djl.ENGINE, version,
                    Djl.threads(), seconds, cacheDirectory()), version, null);
        } catch (RuntimeException | LinkageError e) {
            String problem = "DJL's PyTorch engine loaded but failed a first computation (" + e.getMessage() + ")";
            return new Outcome(false, problem, null, problem);
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
