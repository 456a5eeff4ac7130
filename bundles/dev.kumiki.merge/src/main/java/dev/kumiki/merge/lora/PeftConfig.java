package dev.kumiki.merge.lora;

import java.util.List;
import java.util.Optional;

/**
 * The keys of PEFT's {@code adapter_config.json} that decide what an adapter computes.
 *
 * @param rank           {@code r}
 * @param alpha          {@code lora_alpha}
 * @param dropout        {@code lora_dropout} (training only; kept so that a written file says what was used)
 * @param targetModules  {@code target_modules}
 * @param rslora         {@code use_rslora}: scale by alpha / sqrt(r) instead of alpha / r
 * @param baseModel      {@code base_model_name_or_path}, when the file names one
 */
public record PeftConfig(int rank, double alpha, double dropout, List<String> targetModules, boolean rslora,
        Optional<String> baseModel) {

    public PeftConfig {
        targetModules = List.copyOf(targetModules);
    }

    /** The factor B·A is multiplied by before it is added to the base weight. */
    public double scaling() {
        return rslora ? alpha / Math.sqrt(rank) : alpha / rank;
    }
}
