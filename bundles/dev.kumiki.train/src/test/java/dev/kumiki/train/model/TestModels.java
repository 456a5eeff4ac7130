package dev.kumiki.train.model;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.kumiki.llm.runtime.DecoderConfig;
import dev.kumiki.llm.runtime.Transformer;
import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.Shape;
import dev.kumiki.tensor.TensorInfo;
import dev.kumiki.tensor.io.SafetensorsWriter;
import dev.kumiki.tensor.kernel.ScalarKernels;

/** Seeded test weights and Hugging Face folders written with the tensor bundle's writer. */
final class TestModels {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private TestModels() {
    }

    /**
     * Weights for {@code config} large enough that every path through the model matters: norms 1 ± 0.2, biases of
     * 0.1, linear weights of about 1/√in, embeddings of 1.
     */
    static Map<String, float[]> randomWeights(ObjectNode config, long seed) throws IOException {
        DecoderConfig c = DecoderConfig.of(config, "test config");
        Map<String, float[]> out = new LinkedHashMap<>();
        SplittableRandom random = new SplittableRandom(seed);
        for (Map.Entry<String, Shape> e : Transformer.expectedTensors(c).entrySet()) {
            String name = e.getKey();
            float[] v = new float[(int) e.getValue().elements()];
            double std;
            double mean = 0;
            if (name.endsWith("norm.weight")) {
                mean = 1;
                std = 0.2;
            } else if (name.endsWith(".bias")) {
                std = 0.1;
            } else if (name.equals("model.embed_tokens.weight")) {
                std = 1;
            } else {
                std = 1 / Math.sqrt(e.getValue().dim(1));
            }
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (mean + std * random.nextGaussian());
            }
            out.put(name, v);
        }
        return out;
    }

    /** Writes config.json and model.safetensors ({@code dtype}: F32, F16 or BF16) into {@code dir}. */
    static Path writeFolder(Path dir, ObjectNode config, Map<String, float[]> weights, DType dtype)
            throws IOException {
        return writeFolder(dir, config, weights, dtype, Map.of());
    }

    static Path writeFolder(Path dir, ObjectNode config, Map<String, float[]> weights, DType dtype,
            Map<String, DType> exceptions) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), TinyConfigs.JSON.writerWithDefaultPrettyPrinter()
                .writeValueAsString(config));
        DecoderConfig c = DecoderConfig.of(config, "test config");
        Map<String, Shape> shapes = Transformer.expectedTensors(c);
        writeSafetensors(dir.resolve("model.safetensors"), weights, shapes, dtype, exceptions);
        return dir;
    }

    static void writeSafetensors(Path file, Map<String, float[]> values, Map<String, Shape> shapes, DType dtype)
            throws IOException {
        writeSafetensors(file, values, shapes, dtype, Map.of());
    }

    /** With some tensors in other types ({@code I32} stores the values rounded to integers). */
    static void writeSafetensors(Path file, Map<String, float[]> values, Map<String, Shape> shapes, DType dtype,
            Map<String, DType> exceptions) throws IOException {
        List<TensorInfo> infos = new ArrayList<>();
        values.forEach((n, v) -> infos.add(new TensorInfo(n, exceptions.getOrDefault(n, dtype), shapes.get(n))));
        try (SafetensorsWriter out = SafetensorsWriter.create(file, infos, Map.of("format", "pt"))) {
            for (TensorInfo t : infos) {
                float[] v = values.get(t.name());
                MemorySegment bytes = MemorySegment.ofArray(new byte[v.length * t.dtype().bytes()]);
                for (int i = 0; i < v.length; i++) {
                    switch (t.dtype()) {
                        case I32 -> bytes.setAtIndex(I32, i, Math.round(v[i]));
                        case F32 -> bytes.setAtIndex(F32, i, v[i]);
                        case F16 -> bytes.setAtIndex(I16, i, Float.floatToFloat16(v[i]));
                        case BF16 -> bytes.setAtIndex(I16, i, ScalarKernels.floatToBf16(v[i]));
                        default -> throw new IllegalArgumentException(t.dtype().toString());
                    }
                }
                out.write(t.name(), 0, bytes);
            }
            out.commit();
        }
    }
}
