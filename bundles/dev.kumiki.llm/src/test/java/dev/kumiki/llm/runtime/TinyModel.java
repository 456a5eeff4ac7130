package dev.kumiki.llm.runtime;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.Shape;
import dev.kumiki.tensor.TensorInfo;
import dev.kumiki.tensor.io.ModelWriter;
import dev.kumiki.tensor.kernel.Kernels;

/**
 * Tiny seeded random models of each supported architecture, written as Hugging Face folders, for the tests: the same
 * settings always give the same bytes. The tensor list comes from the config through
 * {@link Transformer#expectedTensors}, so a test that wants a wrong model edits the config or the list.
 */
final class TinyModel {
    static final ObjectMapper JSON = new ObjectMapper();

    String architecture = "LlamaForCausalLM";
    int layers = 2;
    int hidden = 64;
    int intermediate = 96;
    int heads = 4;
    int kvHeads = 2;
    Integer headDim;
    int vocab = 260;
    int maxPositions = 128;
    boolean tied;
    boolean attentionBias;
    double ropeTheta = 10000;
    boolean llama3Scaling;
    DType dtype = DType.F32;
    long seed = 7;
    long shardBytes = ModelWriter.DEFAULT_SHARD_BYTES;
    final Map<String, Object> extra = new LinkedHashMap<>();

    static TinyModel llama() {
        return new TinyModel();
    }

    static TinyModel of(String architecture) {
        TinyModel m = new TinyModel();
        m.architecture = architecture;
        return m;
    }

    TinyModel set(java.util.function.Consumer<TinyModel> change) {
        change.accept(this);
        return this;
    }

    ObjectNode config() {
        ObjectNode c = JSON.createObjectNode();
        c.putArray("architectures").add(architecture);
        c.put("model_type", switch (architecture) {
            case "MistralForCausalLM" -> "mistral";
            case "Qwen2ForCausalLM" -> "qwen2";
            case "Qwen3ForCausalLM" -> "qwen3";
            default -> "llama";
        });
        c.put("hidden_size", hidden);
        c.put("intermediate_size", intermediate);
        c.put("num_hidden_layers", layers);
        c.put("num_attention_heads", heads);
        c.put("num_key_value_heads", kvHeads);
        if (headDim != null) {
            c.put("head_dim", headDim);
        }
        c.put("rms_norm_eps", 1e-6);
        c.put("rope_theta", ropeTheta);
        if (llama3Scaling) {
            c.putObject("rope_scaling").put("rope_type", "llama3").put("factor", 8.0).put("low_freq_factor", 1.0)
                    .put("high_freq_factor", 8.0).put("original_max_position_embeddings", 64);
        } else {
            c.putNull("rope_scaling");
        }
        c.put("max_position_embeddings", maxPositions);
        c.put("vocab_size", vocab);
        c.put("tie_word_embeddings", tied);
        c.put("hidden_act", "silu");
        if (!architecture.equals("Qwen2ForCausalLM") && !architecture.equals("MistralForCausalLM")) {
            c.put("attention_bias", attentionBias);
        }
        c.put("bos_token_id", 0);
        c.put("eos_token_id", 1);
        c.put("torch_dtype", dtype == DType.BF16 ? "bfloat16" : dtype == DType.F16 ? "float16" : "float32");
        extra.forEach((k, v) -> c.set(k, JSON.valueToTree(v)));
        return c;
    }

    /**
     * The tensors of the config, in the order transformers saves them; {@link #extra} keys are left out, so that a
     * test can write a model whose config the runtime must refuse.
     */
    List<TensorInfo> tensors() throws IOException {
        Map<String, Object> kept = new LinkedHashMap<>(extra);
        extra.clear();
        DecoderConfig config;
        try {
            config = DecoderConfig.of(config(), "tiny model");
        } finally {
            extra.putAll(kept);
        }
        List<TensorInfo> list = new ArrayList<>();
        for (Map.Entry<String, Shape> e : Transformer.expectedTensors(config).entrySet()) {
            list.add(new TensorInfo(e.getKey(), dtype, e.getValue()));
        }
        return list;
    }

    /** The values of one tensor: norms near 1, everything else N(0, 0.2²), biases N(0, 0.1²). */
    float[] values(TensorInfo t) {
        SplittableRandom r = new SplittableRandom(seed * 1_000_003L + t.name().hashCode());
        float[] v = new float[(int) t.shape().elements()];
        boolean norm = t.name().endsWith("norm.weight");
        boolean bias = t.name().endsWith(".bias");
        for (int i = 0; i < v.length; i++) {
            double g = r.nextGaussian();
            v[i] = (float) (norm ? 1 + 0.1 * g : bias ? 0.1 * g : 0.2 * g);
        }
        return v;
    }

    Path write(Path dir) throws IOException {
        return write(dir, tensors());
    }

    /** Writes config.json and the given tensors (values from {@link #values}) into {@code dir}. */
    Path write(Path dir, List<TensorInfo> tensors) throws IOException {
        try (ModelWriter w = ModelWriter.create(dir, tensors, shardBytes, Map.of("format", "pt"))) {
            for (TensorInfo t : tensors) {
                float[] v = values(t);
                MemorySegment bytes = MemorySegment.ofArray(new byte[(int) t.byteSize()]);
                Kernels.scalar().store(v, 0, v.length, bytes, t.dtype(), 0);
                w.write(t.name(), 0, bytes);
            }
            w.commit();
        }
        Files.writeString(dir.resolve("config.json"), JSON.writerWithDefaultPrettyPrinter()
                .writeValueAsString(config()));
        return dir;
    }
}
