package dev.kumiki.merge.lora;

/**
 * One adapted linear layer: the update of weight {@code module + ".weight"} (shape [out, in]) is
 * {@code scaling · B·A}.
 *
 * @param module the module's path in the model's own tensor names, e.g. {@code model.layers.0.self_attn.q_proj}
 * @param rank   r
 * @param in     the layer's input features
 * @param out    the layer's output features
 * @param a      lora_A, [rank, in], row-major, F32
 * @param b      lora_B, [out, rank], row-major, F32
 */
public record LoraModule(String module, int rank, int in, int out, float[] a, float[] b) {
    public LoraModule {
        if (a.length != (long) rank * in || b.length != (long) out * rank) {
            throw new IllegalArgumentException(module + ": lora_A needs " + rank + "×" + in + " and lora_B " + out
                    + "×" + rank + " values, found " + a.length + " and " + b.length);
        }
    }
}
