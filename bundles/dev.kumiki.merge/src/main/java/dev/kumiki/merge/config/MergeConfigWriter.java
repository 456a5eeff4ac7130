package dev.kumiki.merge.config;

import java.util.Map;
import java.util.function.Function;

import dev.kumiki.merge.MergePlanner;

/**
 * Writes a {@link MergeConfig} as mergekit YAML that mergekit and {@link MergeConfigReader} read back to the same
 * recipe ({@link MergeConfig#sameRecipe}): top-level keys in mergekit's order, {@code models} or {@code slices} with
 * their {@code layer_range}s, and every parameter value in the flow form {@link ParameterValue#toString()} writes
 * (numbers exactly as given, gradients as lists, filters as {@code {filter, value}} lists). Written by hand rather
 * than by a YAML dumper so that numbers never come out as {@code 1.0E10}, which YAML 1.1 reads as text.
 */
public final class MergeConfigWriter {
    private MergeConfigWriter() {
    }

    /**
     * The recipe with each model written as its folder's absolute path (what mergekit or {@code kumiki merge} runs
     * from anywhere): the folder the configuration gives for it, else the reference resolved against the file.
     */
    public static String write(MergeConfig config) {
        return write(config, model -> MergePlanner.resolve(config, model).toAbsolutePath().normalize().toString());
    }

    /** The recipe with each model reference written as {@code reference} maps it. */
    public static String write(MergeConfig config, Function<String, String> reference) {
        StringBuilder b = new StringBuilder();
        b.append("merge_method: ").append(config.method().name()).append('\n');
        config.baseModel().ifPresent(m -> b.append("base_model: ").append(scalar(reference.apply(m))).append('\n'));
        if (!config.models().isEmpty()) {
            b.append("models:\n");
            for (MergeConfig.InputModel m : config.models()) {
                b.append("  - model: ").append(scalar(reference.apply(m.model()))).append('\n');
                parameters(b, m.parameters(), "    ");
            }
        } else {
            b.append("slices:\n");
            for (MergeConfig.OutputSlice s : config.slices()) {
                b.append("  - sources:\n");
                for (MergeConfig.InputSlice src : s.sources()) {
                    b.append("      - model: ").append(scalar(reference.apply(src.model()))).append('\n');
                    b.append("        layer_range: [").append(src.from()).append(", ").append(src.to()).append("]\n");
                    parameters(b, src.parameters(), "        ");
                }
                s.baseModel().ifPresent(m -> b.append("    base_model: ").append(scalar(reference.apply(m)))
                        .append('\n'));
                parameters(b, s.parameters(), "    ");
            }
        }
        parameters(b, config.parameters(), "");
        config.dtype().ifPresent(d -> b.append("dtype: ").append(scalar(d)).append('\n'));
        config.outDtype().ifPresent(d -> b.append("out_dtype: ").append(scalar(d)).append('\n'));
        config.tokenizerSource().ifPresent(t -> b.append("tokenizer_source: ")
                .append(scalar(t.equals("base") || t.equals("union") ? t : reference.apply(t))).append('\n'));
        config.chatTemplate().ifPresent(t -> b.append("chat_template: ").append(scalar(t)).append('\n'));
        return b.toString();
    }

    private static void parameters(StringBuilder b, Map<String, ParameterSetting> params, String indent) {
        if (params.isEmpty()) {
            return;
        }
        b.append(indent).append("parameters:\n");
        params.forEach((name, setting) -> b.append(indent).append("  ").append(scalar(name)).append(": ")
                .append(setting.value()).append('\n'));
    }

    private static String scalar(String s) {
        return ParameterValues.flow(s);
    }
}
