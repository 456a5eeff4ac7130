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
}
