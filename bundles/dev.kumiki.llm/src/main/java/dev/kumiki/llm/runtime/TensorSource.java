package dev.kumiki.llm.runtime;

import java.io.IOException;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import dev.kumiki.tensor.TensorInfo;

/**
 * A model that exists only in memory: its config.json and its tensors, each computed when asked for (a merge computed
 * tensor by tensor, e.g. by the merge library's {@code Merger.compute}). {@link Transformer#of(TensorSource,
 * RuntimeOptions)} asks for every tensor once and holds the values in the tensor's dtype (BF16 and F16 rounded as a saved
 * copy would be; F32 on the heap); nothing is written to disk.
 * {@snippet :
 * TensorSource merge = new TensorSource() {
 *     public String name() { return "slerp of chat, code"; }
 *     public JsonNode config() { return plan.config(); }
 *     public List<TensorInfo> tensors() { return spec.tensors(); }
 *     public float[] read(String name) throws IOException { return merger.compute(byName.get(name)); }
 * };
 * try (Transformer model = Transformer.of(merge, RuntimeOptions.defaults())) { … }
 * }
 */
public interface TensorSource extends AutoCloseable {

    /** A name for reports and messages (the merge it was computed from). */
    String name();

    /** The model's config.json, as a Hugging Face folder would hold it. */
    JsonNode config();

    /**
     * The tensors there are: names, shapes and the dtype a saved copy would have (values come as F32; the runtime
     * holds BF16 and F16 tensors in that dtype).
     */
    List<TensorInfo> tensors();

    /**
     * The values of tensor {@code name}, row-major, {@code shape.elements()} of them.
     *
     * @throws IOException when they cannot be computed (an input could not be read)
     */
    float[] read(String name) throws IOException;

    /** Releases what computing the tensors needed (e.g. the merge's mapped inputs); called once all are read. */
    @Override
    default void close() throws IOException {
    }
}
