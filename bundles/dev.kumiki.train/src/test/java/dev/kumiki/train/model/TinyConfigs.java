package dev.kumiki.train.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Tiny Hugging Face configs for the tests. */
final class TinyConfigs {
    static final ObjectMapper JSON = new ObjectMapper();

    private TinyConfigs() {
    }

    /** 2 layers, hidden 32, 4 heads over 2 key/value heads (head_dim 8), MLP 48, vocabulary 64, context 64. */
    static ObjectNode llama() {
        ObjectNode c = JSON.createObjectNode();
        c.putArray("architectures").add("LlamaForCausalLM");
        c.put("model_type", "llama");
        c.put("hidden_size", 32);
        c.put("intermediate_size", 48);
        c.put("num_hidden_layers", 2);
        c.put("num_attention_heads", 4);
        c.put("num_key_value_heads", 2);
        c.put("vocab_size", 64);
        c.put("max_position_embeddings", 64);
        c.put("rms_norm_eps", 1e-5);
        c.put("rope_theta", 10000.0);
        c.put("tie_word_embeddings", false);
        c.put("hidden_act", "silu");
        c.put("initializer_range", 0.02);
        c.put("torch_dtype", "float32");
        return c;
    }

    /** {@link #llama()} with Llama 3's rope_theta and frequency scaling. */
    static ObjectNode llama3Rope() {
        ObjectNode c = llama();
        c.put("rope_theta", 500000.0);
        ObjectNode s = c.putObject("rope_scaling");
        s.put("rope_type", "llama3");
        s.put("factor", 8.0);
        s.put("low_freq_factor", 1.0);
        s.put("high_freq_factor", 4.0);
        s.put("original_max_position_embeddings", 8);
        return c;
    }

    /** Qwen2: q/k/v biases; here with tied embeddings. */
    static ObjectNode qwen2Tied() {
        ObjectNode c = llama();
        c.putArray("architectures").add("Qwen2ForCausalLM");
        c.put("model_type", "qwen2");
        c.put("tie_word_embeddings", true);
        c.put("rope_theta", 1000000.0);
        return c;
    }

    /** Qwen3: per-head q/k norms, and a head_dim that is not hidden / heads (4 × 16 = 64 ≠ 32). */
    static ObjectNode qwen3() {
        ObjectNode c = llama();
        c.putArray("architectures").add("Qwen3ForCausalLM");
        c.put("model_type", "qwen3");
        c.put("head_dim", 16);
        c.put("num_key_value_heads", 1);
        return c;
    }
}
