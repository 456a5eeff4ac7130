package dev.kumiki.train.optim;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * AdamW with decoupled weight decay, step for step as PyTorch's {@code torch.optim.AdamW} (single-tensor path):
 * {@code p ← p·(1 − lr·wd)}; {@code m ← β1·m + (1 − β1)·g}; {@code v ← β2·v + (1 − β2)·g²};
 * {@code p ← p − lr / (1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + ε)}. Weight decay applies only to the parameters
 * {@link #decays(String)} selects (Hugging Face's rule: not to biases and norms).
 *
 * <p>The moments live in a manager of their own ({@link #close()} frees them) and can be saved and restored
 * exactly, so that a resumed run continues bit for bit.
 */
public final class AdamW implements AutoCloseable {
    private final Map<String, NDArray> parameters;
    private final double beta1;
    private final double beta2;
    private final double epsilon;
    private final double weightDecay;
    private final Predicate<String> decayed;
    private final NDManager manager;
    private final Map<String, NDArray> first = new LinkedHashMap<>();
    private final Map<String, NDArray> second = new LinkedHashMap<>();
    private int steps;

    /**
     * @param parameters  the trained parameters by name (float32, updated in place)
     * @param manager     a manager the moments are created in (a sub-manager of it, closed with this optimizer)
     * @param beta1       β1
     * @param beta2       β2
     * @param epsilon     ε
     * @param weightDecay decoupled weight decay, for the parameters {@code decayed} accepts
     * @param decayed     which parameter names get weight decay, usually {@link #decays(String)}
     */
    public AdamW(Map<String, NDArray> parameters, NDManager manager, double beta1, double beta2, double epsilon,
            double weightDecay, Predicate<String> decayed) {
        this.parameters = new LinkedHashMap<>(parameters);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        this.weightDecay = weightDecay;
        this.decayed = decayed;
        this.manager = manager.newSubManager();
        for (Map.Entry<String, NDArray> p : this.parameters.entrySet()) {
            if (p.getValue().getDataType() != DataType.FLOAT32) {
                throw new IllegalArgumentException("parameter " + p.getKey() + " is " + p.getValue().getDataType()
                        + "; AdamW here trains float32 parameters");
            }
            first.put(p.getKey(), this.manager.zeros(p.getValue().getShape(), DataType.FLOAT32));
            second.put(p.getKey(), this.manager.zeros(p.getValue().getShape(), DataType.FLOAT32));
        }
    }

    /**
     * Hugging Face Trainer's rule for weight decay: every parameter except biases and the weights of normalisation
     * layers ({@code input_layernorm}, {@code post_attention_layernorm}, {@code model.norm}).
     */
    public static boolean decays(String name) {
        String n = name.toLowerCase(java.util.Locale.ROOT);
        return !n.contains("bias") && !n.contains("norm");
    }

    /**
     * One update of every parameter with its gradient in {@code gradients} and learning rate {@code rate}.
     * Temporaries are created in {@code scope}, which the caller closes after the step.
     */
    public void step(Map<String, NDArray> gradients, double rate, NDManager scope) {
        // every scalar goes in as a float: DJL turns a double into a float64 tensor, and PyTorch computes float32
        // parameters' updates with float32 scalars
        steps++;
        double correction1 = 1 - Math.pow(beta1, steps);
        double correction2Root = Math.sqrt(1 - Math.pow(beta2, steps));
        double stepSize = rate / correction1;
        for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
            String name = e.getKey();
            NDArray p = e.getValue();
            NDArray g = gradients.get(name);
            if (g == null) {
                throw new IllegalStateException("no gradient for parameter " + name);
            }
            if (weightDecay != 0 && decayed.test(name)) {
                p.muli((float) (1 - rate * weightDecay));
            }
            NDArray m = first.get(name);
            NDArray v = second.get(name);
            m.muli((float) beta1).addi(scoped(g.mul((float) (1 - beta1)), scope));
            // as addcmul_: (value · g) · g
            v.muli((float) beta2).addi(scoped(g.mul((float) (1 - beta2)), scope).muli(g));
            NDArray denominator = scoped(v.sqrt(), scope).divi((float) correction2Root).addi((float) epsilon);
            NDArray update = scoped(m.div(denominator), scope).muli((float) stepSize);
            p.subi(update);
        }
    }

    private static NDArray scoped(NDArray a, NDManager scope) {
        a.attach(scope);
        return a;
    }

    /** Optimizer steps done (restored ones included). */
    public int steps() {
        return steps;
    }

    /** The first moments (exp_avg) by parameter name; live arrays, for saving. */
    public Map<String, NDArray> firstMoments() {
        return Collections.unmodifiableMap(first);
    }

    /** The second moments (exp_avg_sq) by parameter name; live arrays, for saving. */
    public Map<String, NDArray> secondMoments() {
        return Collections.unmodifiableMap(second);
    }

    /**
     * Continues from a saved state: {@code steps} done, with these moments (float32 values in each parameter's
     * shape, row-major).
     *
     * @throws IllegalArgumentException when a parameter's moments are missing or have the wrong size
     */
    public void restore(int steps, Map<String, float[]> firstMoments, Map<String, float[]> secondMoments) {
        for (String name : parameters.keySet()) {
            restore(name, first, firstMoments.get(name), "first");
            restore(name, second, secondMoments.get(name), "second");
        }
        this.steps = steps;
    }

    private void restore(String name, Map<String, NDArray> moments, float[] values, String which) {
        NDArray old = moments.get(name);
        if (values == null || values.length != old.size()) {
            throw new IllegalArgumentException("the saved optimizer state has " + (values == null ? "no"
                    : values.length + " values of the") + " " + which + " moment for " + name + " (expected "
                    + old.size() + ")");
        }
        moments.put(name, manager.create(values, old.getShape()));
        old.close();
    }

    @Override
    public void close() {
        manager.close();
    }
}
