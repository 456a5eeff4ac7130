package dev.kumiki.nodes;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

import dev.kumiki.engine.ExecuteContext;
import dev.kumiki.merge.MergePlan;
import dev.kumiki.merge.Merger;
import dev.kumiki.merge.config.ConfigException;
import dev.kumiki.nodes.settings.DataType;
import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.hardware.Backend;
import dev.kumiki.tensor.hardware.HardwareProfile;
import dev.kumiki.tensor.kernel.Kernels;

/** Writes a model given as a mergekit recipe, streaming, with progress and cancellation from the node's context. */
final class PlanWriter {
    private static volatile Kernels kernels;
    private static volatile String chosenWith;

    private PlanWriter() {
    }

    /**
     * The kernels a run asked for ({@link ExecuteContext#backend()}), else those of the detected backend.
     *
     * @throws IllegalArgumentException naming the choices when the backend is unknown
     */
    static Kernels kernels(ExecuteContext context) {
        return context.backend().map(b -> Kernels.of(Backend.ofId(b))).orElseGet(PlanWriter::kernels);
    }

    /**
     * The kernels of the detected backend; detected again when the JVM's backend override ({@code -Dkumiki.backend},
     * set when Kumiki starts) changes.
     */
    static Kernels kernels() {
        String setting = String.valueOf(System.getProperty("kumiki.backend"));
        Kernels k = kernels;
        if (k == null || !setting.equals(chosenWith)) {
            k = Kernels.of(HardwareProfile.detect());
            kernels = k;
            chosenWith = setting;
        }
        return k;
    }

    static DataType dataType(Optional<DType> dtype) {
        return dtype.map(d -> switch (d) {
            case F32 -> DataType.FLOAT32;
            case F16 -> DataType.FLOAT16;
            case BF16 -> DataType.BFLOAT16;
            default -> throw new IllegalArgumentException("models cannot be written as " + d);
        }).orElse(DataType.AUTO);
    }

    static ModelHandle.SaveSummary write(MergeRecipe recipe, Path out, long shardBytes, Optional<DType> dtype,
            long seed, ExecuteContext context) throws IOException {
        MergePlan plan;
        try {
            // the plan made at configure time, written in the type the SaveModel asks for
            plan = recipe.planFor(Optional.of(dataType(dtype)));
        } catch (ConfigException e) {
            throw new IOException(e.problem(), e);
        }
        return write(plan, out, shardBytes, seed, context);
    }

    /** Writes {@code plan} (already in the type to write), streaming, with the node's progress and cancellation. */
    static ModelHandle.SaveSummary write(MergePlan plan, Path out, long shardBytes, long seed, ExecuteContext context)
            throws IOException {
        long start = System.nanoTime();
        try (MergePlan.Inputs inputs = plan.open()) {
            Kernels k = kernels(context);
            context.log(plan.method().name() + " of " + plan.folders().size() + " model(s): " + plan.tensors().size()
                    + " tensors, " + ModelSpec.size(plan.outputBytes()) + ", " + k.name() + " kernels, "
                    + context.threads() + " threads");
            Merger.builder(plan, inputs.models()).kernels(k).threads(context.threads()).shardBytes(shardBytes)
                    .seed(seed).listener((t, done, total, bytes, totalBytes) -> context.progress(
                            (double) bytes / totalBytes, done + "/" + total + " tensors"))
                    .build().run(out);
            return new ModelHandle.SaveSummary(plan.tensors().size(), plan.outputBytes(),
                    (System.nanoTime() - start) / 1e9, k.name());
        }
    }
}
