package dev.kumiki.llm.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.MappedTensor;
import dev.kumiki.tensor.Shape;
import dev.kumiki.tensor.TensorFormatException;
import dev.kumiki.tensor.TensorInfo;
import dev.kumiki.tensor.io.MappedReads;
import dev.kumiki.tensor.io.ModelFolder;
import dev.kumiki.tensor.kernel.Kernels;

/**
 * A model's tensors where the kernels read them, in their stored dtype: slices of the mapped safetensors files, or, for
 * a model computed in memory, BF16 and F16 tensors in off-heap memory of this model's own (2 bytes an element, read by
 * the same kernels as mapped ones) and F32 tensors on the heap.
 */
final class Weights implements AutoCloseable {

    /** One tensor's bytes, dtype and shape. */
    record Tensor(String name, MemorySegment data, DType type, Shape shape) {
    }

    private final String name;
    private final String configSource;
    private final JsonNode config;
    private final Map<String, Tensor> tensors;
    private final AutoCloseable owner;
    /** The mapped folder, or null for a model computed in memory. */
    private final ModelFolder folder;

    private Weights(String name, String configSource, JsonNode config, Map<String, Tensor> tensors,
            AutoCloseable owner, ModelFolder folder) {
        this.name = name;
        this.configSource = configSource;
        this.config = config;
        this.tensors = tensors;
        this.owner = owner;
        this.folder = folder;
    }

    /** The mapped tensors of a model folder; nothing is copied. */
    static Weights open(Path dir) throws IOException {
        ModelFolder folder = ModelFolder.open(dir);
        try {
            Path configFile = folder.dir().resolve(ModelFolder.CONFIG);
            JsonNode config = folder.config().orElseThrow(() -> new TensorFormatException(folder.dir()
                    + " has no " + ModelFolder.CONFIG + "; a Hugging Face model folder has one")).json();
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (String n : folder.names()) {
                MappedTensor t = folder.tensor(n);
                tensors.put(n, new Tensor(n, t.data(), t.info().dtype(), t.info().shape()));
            }
            String name = folder.dir().getFileName() == null ? folder.dir().toString()
                    : folder.dir().getFileName().toString();
            return new Weights(name, configFile.toString(), config, tensors, folder, folder);
        } catch (IOException | RuntimeException e) {
            folder.close();
            throw e;
        }
    }

    /**
     * Every tensor of {@code source}, computed now and held in its declared dtype: BF16 and F16 values are rounded
     * (to nearest even, as a saved copy is) into memory of a shared arena the model closes; others stay F32 arrays.
     */
    static Weights compute(TensorSource source, Kernels kernels) throws IOException {
        // shared: the matrix kernels' pool threads read the tensors
        Arena arena = Arena.ofShared();
        try (source) {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (TensorInfo info : source.tensors()) {
                float[] values = source.read(info.name());
                if (values == null || values.length != info.shape().elements()) {
                    throw new TensorFormatException(source.name() + ": tensor '" + info.name() + "' should have "
                            + info.shape().elements() + " values (shape " + info.shape() + "), the source gave "
                            + (values == null ? "none" : values.length));
                }
                DType type = info.dtype();
                MemorySegment data;
                if (type == DType.BF16 || type == DType.F16) {
                    data = arena.allocate((long) values.length * type.bytes(), 64);
                    kernels.store(values, 0, values.length, data, type, 0);
                } else {
                    type = DType.F32;
                    data = MemorySegment.ofArray(values);
                }
                tensors.put(info.name(), new Tensor(info.name(), data, type, info.shape()));
            }
            return new Weights(source.name(), source.name() + " config.json", source.config(), tensors,
                    arena::close, null);
        } catch (IOException e) {
            arena.close();
            throw e;
        } catch (Exception e) {
            arena.close();
            throw new IOException(source.name() + ": " + e.getMessage(), e);
        }
    }

    String name() {
        return name;
    }

    /** Where config.json came from, for messages. */
    String configSource() {
        return configSource;
    }

    JsonNode config() {
        return config;
    }

    Map<String, Tensor> tensors() {
        return tensors;
    }

    /**
     * Fails, naming the file, when a mapped weight file changed on disk since it was opened. The kernels read the
     * mappings directly (a copy would halve decode's bandwidth), and a vector load from a page the file lost kills the
     * JVM with SIGBUS instead of raising an error; so every forward pass checks first (one stat per file). A file
     * truncated while a pass is running can still take the process down: the check narrows that to the pass.
     *
     * @throws UncheckedIOException naming the file, how it changed and what to do
     */
    void requireUnchanged() {
        if (folder != null) {
            Optional<String> changed = folder.changed();
            if (changed.isPresent()) {
                String message = changed.get() + "; " + name
                        + " was not run: open the model again once the file is complete";
                throw new UncheckedIOException(message, new IOException(message));
            }
        }
    }

    /**
     * The error for a fault HotSpot raised while a pass read the mappings (the file shrank or its disk failed): the
     * file that changed, or the fault.
     */
    UncheckedIOException faulted(InternalError e) {
        IOException io = MappedReads.faulted(e, "the weights of " + name, name + " stopped",
                folder == null ? List.of() : List.of(folder));
        return new UncheckedIOException(io.getMessage(), io);
    }

    @Override
    public void close() {
        try {
            owner.close();
        } catch (Exception e) {
            // closing a mapping or a heap model cannot fail in a way the caller could act on
        }
    }
}
