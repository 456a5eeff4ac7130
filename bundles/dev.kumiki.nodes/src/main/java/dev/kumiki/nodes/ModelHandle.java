package dev.kumiki.nodes;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

import dev.kumiki.engine.ExecuteContext;
import dev.kumiki.engine.PortValue;
import dev.kumiki.tensor.DType;

/**
 * A model at run time: a handle from which its tensors can be streamed, not the tensors. A folder's model is read
 * lazily from its memory-mapped files; a merge's model is computed tensor by tensor while it is written.
 */
public interface ModelHandle extends PortValue {
    @Override
    ModelSpec spec();

    /**
     * Streams the model into {@code out} as a Hugging Face folder, under temporary names renamed when complete.
     *
     * @param shardBytes largest shard
     * @param dtype      the type to write, or empty for the model's own
     * @return what was written, for run summaries
     */
    SaveSummary save(Path out, long shardBytes, Optional<DType> dtype, ExecuteContext context) throws IOException;

    /**
     * Opens the model for reading tensor by tensor (a merge computes each one when it is read), for nodes that
     * consume a model without writing it: evaluation, statistics. Close the reader when done.
     */
    TensorReader open() throws IOException;

    /** Reads a model's tensors one at a time, as float32. */
    interface TensorReader extends AutoCloseable {
        /** The tensors, in the model's order. */
        java.util.List<dev.kumiki.tensor.TensorInfo> tensors();

        /** The values of tensor {@code name}. */
        float[] read(String name) throws IOException;

        @Override
        void close();
    }

    /** What a save wrote and how fast. */
    record SaveSummary(int tensors, long bytes, double seconds, String kernels) {
    }
}
