package dev.kumiki.merge;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the layer number sits in a tensor name: {@code model.layers.12.mlp.up_proj.weight} (Llama, Mistral, Qwen,
 * Gemma, Phi-3), {@code transformer.h.12.attn.c_attn.weight} (GPT-2), {@code ….blocks.12.…}, {@code ….layer.12.…}.
 */
public final class LayerNames {
    private static final Pattern LAYER = Pattern.compile("^(.*?(?:^|\\.)(?:layers|h|blocks|layer)\\.)(\\d+)(\\..*|)$");

    private LayerNames() {
    }

    /** The layer number of a tensor, or empty for tensors outside the layers (embeddings, final norm, head). */
    public static Optional<Integer> layer(String tensor) {
        Matcher m = LAYER.matcher(tensor);
        return m.matches() ? Optional.of(Integer.parseInt(m.group(2))) : Optional.empty();
    }

    /** The same tensor in layer {@code layer}: {@code withLayer("model.layers.3.x", 7)} is {@code model.layers.7.x}. */
    public static String withLayer(String tensor, int layer) {
        Matcher m = LAYER.matcher(tensor);
        if (!m.matches()) {
            throw new IllegalArgumentException(tensor + " is not a layer tensor");
        }
        return m.group(1) + layer + m.group(3);
    }

    /** Whether a non-layer tensor comes before the layers (embeddings) rather than after (final norm, head). */
    public static boolean isBeforeLayers(String tensor) {
        return tensor.contains("embed") || tensor.contains(".wte.") || tensor.contains(".wpe.")
                || tensor.startsWith("wte.") || tensor.startsWith("wpe.");
    }

    /** Whether a tensor holds token embeddings or the output head (rows indexed by token id). */
    public static boolean isVocabulary(String tensor) {
        return tensor.contains("embed_tokens") || tensor.contains("lm_head") || tensor.contains(".wte.")
                || tensor.startsWith("wte.");
    }
}
