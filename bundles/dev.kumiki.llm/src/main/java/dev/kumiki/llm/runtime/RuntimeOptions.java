package dev.kumiki.llm.runtime;

import java.util.Objects;

import dev.kumiki.tensor.hardware.HardwareProfile;
import dev.kumiki.tensor.kernel.Kernels;

/**
 * How a {@link Transformer} computes: which kernels, on how many threads, and how many prompt tokens a batched prefill
 * step takes at once (a larger batch reuses each weight more often but needs activation buffers
 * {@code batch × intermediate_size} floats large).
 *
 * @param kernels      the matrix kernels ({@code Kernels.of(HardwareProfile.detect())}, or the scalar reference)
 * @param threads      threads for matrix work and attention, at least 1
 * @param prefillBatch tokens per prefill step, at least 1
 */
public record RuntimeOptions(Kernels kernels, int threads, int prefillBatch) {

    public RuntimeOptions {
        Objects.requireNonNull(kernels, "kernels");
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, not " + threads);
        }
        if (prefillBatch < 1) {
            throw new IllegalArgumentException("prefillBatch must be at least 1, not " + prefillBatch);
        }
    }

    /**
     * The kernels of this machine's backend on every available processor, prefill batches of 128 tokens (measured
     * against 64 on a 0.5 B BF16 model: 1.1× the vector kernels' GFLOP/s and more for oneDNN's, for 2.9 MB more of
     * activation buffers per session at an MLP of 5632).
     */
    public static RuntimeOptions defaults() {
        HardwareProfile hw = HardwareProfile.detect();
        return new RuntimeOptions(Kernels.of(hw), Math.max(1, hw.availableProcessors()), 128);
    }

    public RuntimeOptions withThreads(int n) {
        return new RuntimeOptions(kernels, n, prefillBatch);
    }

    public RuntimeOptions withKernels(Kernels k) {
        return new RuntimeOptions(k, threads, prefillBatch);
    }

    public RuntimeOptions withPrefillBatch(int n) {
        return new RuntimeOptions(kernels, threads, n);
    }
}
