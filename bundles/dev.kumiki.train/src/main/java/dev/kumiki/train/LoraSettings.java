package dev.kumiki.train;

import java.util.List;

/**
 * LoRA's settings, named as PEFT's {@code LoraConfig} names them ({@code r}, {@code lora_alpha}, {@code lora_dropout},
 * {@code target_modules}, {@code use_rslora}).
 *
 * @param rank          r, the adapters' inner dimension
 * @param alpha         lora_alpha; the update is scaled by alpha / r (alpha / sqrt(r) with rsLoRA)
 * @param dropout       lora_dropout, applied to the adapter's input while training
 * @param targetModules module names as PEFT matches them: a name matches a module whose path ends with it
 *                      ({@code q_proj} matches {@code model.layers.3.self_attn.q_proj})
 * @param rslora        use_rslora: scale by alpha / sqrt(r)
 */
public record LoraSettings(int rank, double alpha, double dropout, List<String> targetModules, boolean rslora) {

    /** PEFT's defaults for Llama (r 8, alpha 8, no dropout, q_proj and v_proj). */
    public static LoraSettings defaults() {
        return new LoraSettings(8, 8, 0, List.of("q_proj", "v_proj"), false);
    }

    public LoraSettings {
        targetModules = List.copyOf(targetModules);
    }

    /** The factor the product B·A is multiplied by. */
    public double scaling() {
        return rslora ? alpha / Math.sqrt(rank) : alpha / rank;
    }
}
