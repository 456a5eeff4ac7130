package dev.kumiki.llm.runtime;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.MappedTensor;
import dev.kumiki.tensor.Shape;
import dev.kumiki.tensor.TensorFormatException;
import dev.kumiki.tensor.TensorInfo;
import dev.kumiki.tensor.io.ModelFolder;

/**
 * A model's tensors where the kernels read them: slices of the mapped safetensors files in their stored dtype, or F32
 * heap segments of a model computed in memory.
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

    private Weights(String name, String configSource, JsonNode config, Map<String, Tensor> tensors,
            AutoCloseable owner) {
        this.name = name;
        this.configSource = configSource;
        this.config = config;
        this.tensors = tensors;
        this.owner = owner;
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
            return new Weights(name, configFile.toString(), config, tensors, folder);
        } catch (IOException | RuntimeException e) {
            folder.close();
            throw e;
        }
    }

    /** Every tensor of {@code source}, computed now and held as F32 on the heap. */
    static Weights compute(TensorSource source) throws IOException {
        try (source) {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (TensorInfo info : source.tensors()) {
                float[] values = source.read(info.name());
                if (values == null || values.length != info.shape().elements()) {
                    throw new TensorFormatException(source.name() + ": tensor '" + info.name() + "' should have "
                            + info.shape().elements() + " values (shape " + info.shape() + "), the source gave "
                            + (values == null ? "none" : values.length));
                }
                tensors.put(info.name(), new Tensor(info.name(), MemorySegment.ofArray(values), DType.F32,
                        info.shape()));
            }
            return new Weights(source.name(), source.name() + " config.json", source.config(), tensors, () -> {
            });
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
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

    @Override
    public void close() {
        try {
            owner.close();
        } catch (Exception e) {
            // closing a mapping or a heap model cannot fail in a way the caller could act on
        }
    }
}
