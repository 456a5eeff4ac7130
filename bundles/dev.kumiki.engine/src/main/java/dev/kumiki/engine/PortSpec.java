package dev.kumiki.engine;

/**
 * What a port will carry, known at configure time without running anything: a model's architecture and tensor
 * shapes, a dataset's columns. Downstream nodes check their inputs against it.
 */
public interface PortSpec {
    /** One line for users, e.g. "LlamaForCausalLM, 4 layers, 40×16 vocabulary, bf16, 0.2 MB". */
    String summary();
}
