package dev.kumiki.train.optim;

import java.util.Collection;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;

/**
 * Global gradient-norm clipping as {@code torch.nn.utils.clip_grad_norm_}: the 2-norm of all gradients together;
 * when it exceeds {@code maxNorm} every gradient is scaled by {@code maxNorm / (norm + 1e-6)}.
 */
public final class GradientClipping {

    private GradientClipping() {
    }

    /**
     * The global 2-norm of {@code gradients}, computed in float32 as PyTorch does (the norm of the per-tensor norms).
     * Temporaries go to the first gradient's manager.
     */
    public static double norm(Collection<NDArray> gradients) {
        if (gradients.isEmpty()) {
            return 0;
        }
        NDList norms = new NDList(gradients.size());
        for (NDArray g : gradients) {
            norms.add(g.norm());
        }
        NDArray stacked = NDArrays.stack(norms);
        NDArray total = stacked.norm();
        double value = total.getFloat();
        total.close();
        stacked.close();
        norms.close();
        return value;
    }

    /**
     * Scales {@code gradients} in place so that their global norm is at most {@code maxNorm} (nothing when
     * {@code maxNorm} is 0 or less) and returns the norm before clipping.
     */
    public static double clip(Collection<NDArray> gradients, double maxNorm) {
        double total = norm(gradients);
        if (maxNorm > 0) {
            // PyTorch divides in float32: (float) maxNorm / ((float) total + 1e-6f), clamped at 1
            float coefficient = (float) maxNorm / ((float) total + 1e-6f);
            if (coefficient < 1f) {
                for (NDArray g : gradients) {
                    g.muli(coefficient);
                }
            }
        }
        return total;
    }
}
