package dev.kumiki.merge;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.Shape;
import dev.kumiki.tensor.TensorInfo;
import dev.kumiki.tensor.io.ModelWriter;
import dev.kumiki.tensor.kernel.Kernels;

/** Tiny Llama-shaped Hugging Face folders with seeded weights, for tests. */
public final class TinyModels {
    static final int HIDDEN = 16;
    static final int INTERMEDIATE = 24;
    static final int VOCAB = 40;

    private TinyModels() {
    }

    public static List<TensorInfo> tensors(int layers, DType type, boolean tied) {
        List<TensorInfo> t = new ArrayList<>();
        t.add(new TensorInfo("model.embed_tokens.weight", type, Shape.of(VOCAB, HIDDEN)));
        for (int i = 0; i < layers; i++) {
            String p = "model.layers." + i + ".";
            for (String proj : new String[] {"q_proj", "k_proj", "v_proj", "o_proj"}) {
                t.add(new TensorInfo(p + "self_attn." + proj + ".weight", type, Shape.of(HIDDEN, HIDDEN)));
            }
            t.add(new TensorInfo(p + "mlp.gate_proj.weight", type, Shape.of(INTERMEDIATE, HIDDEN)));
            t.add(new TensorInfo(p + "mlp.up_proj.weight", type, Shape.of(INTERMEDIATE, HIDDEN)));
            t.add(new TensorInfo(p + "mlp.down_proj.weight", type, Shape.of(HIDDEN, INTERMEDIATE)));
            t.add(new TensorInfo(p + "input_layernorm.weight", type, Shape.of(HIDDEN)));
            t.add(new TensorInfo(p + "post_attention_layernorm.weight", type, Shape.of(HIDDEN)));
        }
        t.add(new TensorInfo("model.norm.weight", type, Shape.of(HIDDEN)));
        if (!tied) {
            t.add(new TensorInfo("lm_head.weight", type, Shape.of(VOCAB, HIDDEN)));
        }
        return t;
    }

    /**
     * A model whose weights are a shared seeded "base" plus {@code spread} times a perturbation seeded by {@code seed}
     * (spread 0: the base itself), like fine-tunes of one base.
     */
    public static Path model(Path dir, int layers, DType type, long seed, float spread) throws IOException {
        List<TensorInfo> infos = tensors(layers, type, false);
        try (ModelWriter w = ModelWriter.create(dir, infos, ModelWriter.DEFAULT_SHARD_BYTES, Map.of("format", "pt"))) {
            Random base = new Random(1234);
            Random own = new Random(seed);
            for (TensorInfo t : infos) {
                int n = (int) t.shape().elements();
                float[] v = new float[n];
                boolean norm = t.shape().rank() == 1;
                for (int i = 0; i < n; i++) {
                    v[i] = norm ? 1f + 0.1f * (float) base.nextGaussian() : 0.2f * (float) base.nextGaussian();
                    v[i] += spread * (float) own.nextGaussian() * (norm ? 0.05f : 0.1f);
                }
                MemorySegment target = w.data(t.name());
                Kernels.scalar().store(v, 0, n, target, type, 0);
            }
            w.commit();
        }
        Files.writeString(dir.resolve("config.json"), """
                {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": %d,
                 "intermediate_size": %d, "num_attention_heads": 2, "num_key_value_heads": 2,
                 "num_hidden_layers": %d, "vocab_size": %d, "rms_norm_eps": 1e-05, "tie_word_embeddings": false,
                 "torch_dtype": "%s"}
                """.formatted(HIDDEN, INTERMEDIATE, layers, VOCAB, type == DType.BF16 ? "bfloat16" : "float32"));
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"model_max_length\": 64, \"seed\": " + seed + "}");
        Files.writeString(dir.resolve("tokenizer.json"), "{\"version\": \"1.0\", \"model\": {\"type\": \"BPE\"}}");
        return dir;
    }
}
