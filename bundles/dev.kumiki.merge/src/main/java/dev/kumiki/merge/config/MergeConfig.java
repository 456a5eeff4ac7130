package dev.kumiki.merge.config;

import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A merge as mergekit's YAML describes it (mergekit's {@code MergeConfiguration}): either {@code models} to merge
 * whole, or output {@code slices} built from layer ranges of input models; a {@code merge_method} with its
 * {@code parameters}; optional {@code base_model}, {@code dtype}, {@code out_dtype}, {@code tokenizer_source} and
 * {@code chat_template}. Model references are as written (folder paths); {@link MergeConfigReader} reads it.
 *
 * @param file            the YAML file (relative model paths resolve against its folder)
 * @param mergeMethod     mergekit's method name
 * @param baseModel       {@code base_model}
 * @param models          {@code models}, empty when {@code slices} are given
 * @param slices          {@code slices}, empty when {@code models} are given
 * @param parameters      top-level {@code parameters}
 * @param dtype           {@code dtype}: the type tensors are computed in before merging (mergekit casts inputs)
 * @param outDtype        {@code out_dtype}: the type written
 * @param tokenizerSource {@code tokenizer_source}: {@code base}, {@code union} or a model
 * @param chatTemplate    {@code chat_template}
 * @param where           {@code FILE:LINE:COLUMN} of each top-level key, for messages
 * @param text            the YAML as written, for the recipe kept beside the merged model
 */
public record MergeConfig(Path file, String mergeMethod, Optional<String> baseModel, List<InputModel> models,
                          List<OutputSlice> slices, Map<String, ParameterSetting> parameters, Optional<String> dtype,
                          Optional<String> outDtype, Optional<String> tokenizerSource, Optional<String> chatTemplate,
                          Map<String, String> where, String text) {

    /** An entry of {@code models}. */
    public record InputModel(String model, Map<String, ParameterSetting> parameters, String where) {
        public InputModel {
            Objects.requireNonNull(model, "model");
            parameters = Map.copyOf(parameters);
        }
    }

    /** A source of an output slice: layers {@code [from, to)} of {@code model}. */
    public record InputSlice(String model, int from, int to, Map<String, ParameterSetting> parameters, String where) {
        public InputSlice {
            Objects.requireNonNull(model, "model");
            parameters = Map.copyOf(parameters);
        }

        public int layers() {
            return to - from;
        }
    }

    /** An entry of {@code slices}. */
    public record OutputSlice(List<InputSlice> sources, Optional<String> baseModel,
                              Map<String, ParameterSetting> parameters, String where) {
        public OutputSlice {
            sources = List.copyOf(sources);
            parameters = Map.copyOf(parameters);
        }
    }

    public MergeConfig {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(mergeMethod, "mergeMethod");
        models = List.copyOf(models);
        slices = List.copyOf(slices);
        parameters = Map.copyOf(parameters);
        where = Map.copyOf(where);
    }

    /** Every model the merge reads, base first, in order of appearance. */
    public List<String> referencedModels() {
        Set<String> all = new LinkedHashSet<>();
        baseModel.ifPresent(all::add);
        models.forEach(m -> all.add(m.model()));
        for (OutputSlice s : slices) {
            s.baseModel().ifPresent(all::add);
            s.sources().forEach(src -> all.add(src.model()));
        }
        return List.copyOf(all);
    }

    /** Where a top-level key is written, or the file when it is not. */
    public String whereOf(String key) {
        return where.getOrDefault(key, file.toString());
    }
}
