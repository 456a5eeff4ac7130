package dev.kumiki.merge.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import dev.kumiki.merge.MergeMethod;

/**
 * A merge as mergekit's {@code MergeConfiguration} describes it, typed: either {@code models} to merge whole, or
 * output {@code slices} built from layer ranges of input models; a merge method with its parameters; optional base
 * model, {@code dtype}, {@code out_dtype}, {@code tokenizer_source} and {@code chat_template}. Two front ends make
 * it: {@link #builder()} (in code, e.g. from a pipeline's Merge node) and {@link MergeConfigReader} (mergekit YAML).
 * Every part carries its {@link Location}, so that problems found later name the place.
 *
 * @param file            the YAML file, when read from one (relative model references resolve against its folder)
 * @param method          the merge method
 * @param baseModel       {@code base_model}
 * @param models          {@code models}, empty when {@code slices} are given
 * @param slices          {@code slices}, empty when {@code models} are given
 * @param parameters      top-level {@code parameters}, in the order given
 * @param dtype           {@code dtype}: the type tensors are computed in before merging (mergekit casts inputs)
 * @param outDtype        {@code out_dtype}: the type written
 * @param tokenizerSource {@code tokenizer_source}: {@code base}, {@code union} or a model
 * @param chatTemplate    {@code chat_template}
 * @param where           where each top-level key is given
 * @param folders         model folders given explicitly, by model reference (others resolve against {@code file})
 * @param text            the recipe as mergekit YAML, kept beside the merged model (empty: none written)
 */
public record MergeConfig(Optional<Path> file, MergeMethod method, Optional<String> baseModel, List<InputModel> models,
                          List<OutputSlice> slices, Map<String, ParameterSetting> parameters, Optional<String> dtype,
                          Optional<String> outDtype, Optional<String> tokenizerSource, Optional<String> chatTemplate,
                          Map<String, Location> where, Map<String, Path> folders, String text) {

    /** An entry of {@code models}. */
    public record InputModel(String model, Map<String, ParameterSetting> parameters, Location location) {
        public InputModel {
            Objects.requireNonNull(model, "model");
            Objects.requireNonNull(location, "location");
            parameters = ordered(parameters);
        }

        public String where() {
            return location.toString();
        }
    }

    /** A source of an output slice: layers {@code [from, to)} of {@code model}. */
    public record InputSlice(String model, int from, int to, Map<String, ParameterSetting> parameters,
                             Location location) {
        public InputSlice {
            Objects.requireNonNull(model, "model");
            Objects.requireNonNull(location, "location");
            if (from < 0 || to <= from) {
                throw new IllegalArgumentException("layer_range [" + from + ", " + to + "] of '" + model
                        + "' must have 0 <= FROM < TO");
            }
            parameters = ordered(parameters);
        }

        public int layers() {
            return to - from;
        }

        public String where() {
            return location.toString();
        }
    }

    /** An entry of {@code slices}. */
    public record OutputSlice(List<InputSlice> sources, Optional<String> baseModel,
                              Map<String, ParameterSetting> parameters, Location location) {
        public OutputSlice {
            sources = List.copyOf(sources);
            if (sources.isEmpty()) {
                throw new IllegalArgumentException("a slice needs at least one source");
            }
            Objects.requireNonNull(baseModel, "baseModel");
            Objects.requireNonNull(location, "location");
            parameters = ordered(parameters);
        }

        public String where() {
            return location.toString();
        }
    }

    public MergeConfig {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(method, "method");
        models = List.copyOf(models);
        slices = List.copyOf(slices);
        if (models.isEmpty() == slices.isEmpty()) {
            throw new IllegalArgumentException("a merge has either models or slices");
        }
        parameters = ordered(parameters);
        where = Map.copyOf(where);
        folders = Map.copyOf(folders);
        Objects.requireNonNull(text, "text");
    }

    private static <V> Map<String, V> ordered(Map<String, V> map) {
        return Collections.unmodifiableMap(new LinkedHashMap<>(map));
    }

    /** mergekit's name of the method. */
    public String mergeMethod() {
        return method.name();
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

    /** Where a top-level key is given, or the file (or nothing) when it is not. */
    public Location locationOf(String key) {
        Location l = where.get(key);
        return l != null ? l : Location.key(key).at(file.map(Path::toString).orElse(""));
    }

    /** {@link #locationOf} for messages. */
    public String whereOf(String key) {
        return locationOf(key).toString();
    }

    /** The same merge, written in {@code outDtype} with {@code text} as its recipe. */
    public MergeConfig withOutput(Optional<String> outDtype, String text) {
        return new MergeConfig(file, method, baseModel, models, slices, parameters, dtype, outDtype, tokenizerSource,
                chatTemplate, where, folders, text);
    }

    /**
     * Whether {@code other} describes the same merge: the same method, models (compared by the folders their
     * references name, so a recipe read from YAML equals one built in code), layer ranges, parameter values, types,
     * tokenizer source and chat template. Where things are given ({@link Location}s, the file, the text) is ignored.
     */
    public boolean sameRecipe(MergeConfig other) {
        return method.name().equals(other.method.name())
                && baseModel.map(this::folder).equals(other.baseModel.map(other::folder))
                && models.size() == other.models.size() && slices.size() == other.slices.size()
                && java.util.stream.IntStream.range(0, models.size()).allMatch(i -> {
                    InputModel a = models.get(i);
                    InputModel b = other.models.get(i);
                    return folder(a.model()).equals(other.folder(b.model()))
                            && values(a.parameters()).equals(values(b.parameters()));
                })
                && java.util.stream.IntStream.range(0, slices.size()).allMatch(i -> sameSlice(slices.get(i),
                        other, other.slices.get(i)))
                && values(parameters).equals(values(other.parameters)) && dtype.equals(other.dtype)
                && outDtype.equals(other.outDtype) && chatTemplate.equals(other.chatTemplate)
                && tokenizerSource.map(this::tokenizer).equals(other.tokenizerSource.map(other::tokenizer));
    }

    private boolean sameSlice(OutputSlice a, MergeConfig other, OutputSlice b) {
        if (a.sources().size() != b.sources().size()
                || !a.baseModel().map(this::folder).equals(b.baseModel().map(other::folder))
                || !values(a.parameters()).equals(values(b.parameters()))) {
            return false;
        }
        for (int i = 0; i < a.sources().size(); i++) {
            InputSlice x = a.sources().get(i);
            InputSlice y = b.sources().get(i);
            if (!folder(x.model()).equals(other.folder(y.model())) || x.from() != y.from() || x.to() != y.to()
                    || !values(x.parameters()).equals(values(y.parameters()))) {
                return false;
            }
        }
        return true;
    }

    private Path folder(String model) {
        return dev.kumiki.merge.MergePlanner.resolve(this, model).toAbsolutePath().normalize();
    }

    private Object tokenizer(String source) {
        return source.equals("base") || source.equals("union") ? source : folder(source);
    }

    private static Map<String, ParameterValue> values(Map<String, ParameterSetting> settings) {
        Map<String, ParameterValue> map = new java.util.HashMap<>();
        settings.forEach((k, v) -> map.put(k, v.value()));
        return map;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Builds a configuration in code, without YAML:
     * {@snippet :
     * MergeConfig config = MergeConfig.builder().method(MergeMethods.TIES).base("base", baseDir)
     *         .add("chat", chatDir, Map.of("weight", ParameterValue.of(0.5), "density", ParameterValue.of(0.6)))
     *         .parameter("normalize", ParameterValue.of(true)).build();
     * }
     * Locations are structural ({@link Location#model}, {@link Location#slice}…), for the caller to map to its own
     * places.
     */
    public static final class Builder {
        private Optional<Path> file = Optional.empty();
        private MergeMethod method;
        private Optional<String> base = Optional.empty();
        private final List<InputModel> models = new ArrayList<>();
        private final List<OutputSlice> slices = new ArrayList<>();
        private final Map<String, ParameterSetting> parameters = new LinkedHashMap<>();
        private Optional<String> dtype = Optional.empty();
        private Optional<String> outDtype = Optional.empty();
        private Optional<String> tokenizerSource = Optional.empty();
        private Optional<String> chatTemplate = Optional.empty();
        private final Map<String, Path> folders = new LinkedHashMap<>();
        private String text = "";

        private Builder() {
        }

        /** A source of one output slice: layers {@code [from, to)} of {@code model}. */
        public record Source(String model, int from, int to, Map<String, ParameterValue> parameters) {
            public Source {
                Objects.requireNonNull(model, "model");
                parameters = ordered(parameters);
            }
        }

        /** The file relative model references resolve against. */
        public Builder file(Path f) {
            this.file = Optional.of(f);
            return this;
        }

        public Builder method(MergeMethod m) {
            this.method = Objects.requireNonNull(m, "method");
            return this;
        }

        /** The base model, by reference. */
        public Builder base(String model) {
            this.base = Optional.of(model);
            return this;
        }

        /** The base model, by reference, in {@code folder}. */
        public Builder base(String model, Path folder) {
            folders.put(model, folder);
            return base(model);
        }

        /** A model to merge whole, with its parameters (in the order given). */
        public Builder add(String model, Map<String, ParameterValue> params) {
            Location at = Location.model(model);
            models.add(new InputModel(model, settings(params, at), at));
            return this;
        }

        /** A model to merge whole, in {@code folder}, with its parameters. */
        public Builder add(String model, Path folder, Map<String, ParameterValue> params) {
            folders.put(model, folder);
            return add(model, params);
        }

        /** An output slice from {@code sources}, with parameters for the whole slice. */
        public Builder slice(List<Source> sources, Map<String, ParameterValue> params) {
            int index = slices.size();
            List<InputSlice> list = new ArrayList<>();
            for (int i = 0; i < sources.size(); i++) {
                Source s = sources.get(i);
                Location at = Location.source(index, i, s.model());
                list.add(new InputSlice(s.model(), s.from(), s.to(), settings(s.parameters(), at), at));
            }
            Location at = Location.slice(index);
            slices.add(new OutputSlice(list, Optional.empty(), settings(params, at), at));
            return this;
        }

        /** Where a model reference is. */
        public Builder folder(String model, Path folder) {
            folders.put(model, folder);
            return this;
        }

        /** A top-level parameter. */
        public Builder parameter(String name, ParameterValue value) {
            parameters.put(name, new ParameterSetting(value, Location.key("parameters").parameter(name)));
            return this;
        }

        public Builder dtype(String d) {
            this.dtype = Optional.of(d);
            return this;
        }

        public Builder outDtype(String d) {
            this.outDtype = Optional.of(d);
            return this;
        }

        /** {@code base}, {@code union} or a model reference. */
        public Builder tokenizerSource(String s) {
            this.tokenizerSource = Optional.of(s);
            return this;
        }

        /** {@code auto}, {@code chatml} or a Jinja template. */
        public Builder chatTemplate(String t) {
            this.chatTemplate = Optional.of(t);
            return this;
        }

        /** The recipe as mergekit YAML, written beside the merged model. */
        public Builder text(String t) {
            this.text = Objects.requireNonNull(t, "text");
            return this;
        }

        private static Map<String, ParameterSetting> settings(Map<String, ParameterValue> params, Location at) {
            Map<String, ParameterSetting> map = new LinkedHashMap<>();
            params.forEach((k, v) -> map.put(k, new ParameterSetting(v, at.parameter(k))));
            return map;
        }

        /**
         * The configuration.
         *
         * @throws ConfigException when there is no method, neither or both of models and slices, or a slice whose
         *                         sources differ in layer count
         */
        public MergeConfig build() throws ConfigException {
            if (method == null) {
                throw new ConfigException(Location.key("merge_method"), "a merge needs a method");
            }
            if (models.isEmpty() == slices.isEmpty()) {
                throw new ConfigException(Location.NONE, "give either models to merge whole or slices of layers; "
                        + "this merge has " + (models.isEmpty() ? "neither" : "both"));
            }
            for (OutputSlice s : slices) {
                int n = s.sources().get(0).layers();
                for (InputSlice src : s.sources()) {
                    if (src.layers() != n) {
                        throw new ConfigException(src.location(), "all sources of a slice must have as many layers; "
                                + "the first has " + n + ", this one " + src.layers() + " ([" + src.from() + ", "
                                + src.to() + "])");
                    }
                }
            }
            return new MergeConfig(file, method, base, models, slices, parameters, dtype, outDtype, tokenizerSource,
                    chatTemplate, Map.of(), folders, text);
        }
    }
}
