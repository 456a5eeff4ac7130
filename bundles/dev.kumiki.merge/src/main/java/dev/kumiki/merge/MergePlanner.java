package dev.kumiki.merge;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import dev.kumiki.merge.config.ConfigException;
import dev.kumiki.merge.config.Location;
import dev.kumiki.merge.config.Problem;
import dev.kumiki.merge.config.MergeConfig;
import dev.kumiki.merge.config.MergeConfigReader;
import dev.kumiki.merge.config.ParameterSetting;
import dev.kumiki.merge.lora.LoraCache;
import dev.kumiki.merge.lora.LoraReference;
import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.Shape;
import dev.kumiki.tensor.TensorInfo;
import dev.kumiki.tensor.io.ModelConfig;
import dev.kumiki.tensor.io.ModelFolder;

/**
 * Turns a {@link MergeConfig} into a {@link MergePlan} the way mergekit's planner does, reading only headers and
 * config.json: {@code models} become one slice over all layers (the base model added when it is not listed);
 * embeddings are planned before the layers and the final norm and head after them, both at t = 0 as current
 * mergekit does, and the layers of each slice with t running from 0 to 1; parameters are looked up in the slice source, the slice, then
 * the top level, each through filters and gradients.
 * <p>
 * Every problem found is a {@link ConfigException} naming the place in the YAML: unknown method (with the nearest
 * name), missing model folders, layer ranges beyond a model's layers, missing tensors, shape mismatches, missing
 * required parameters, values out of range.
 */
public final class MergePlanner {
    private final MergeConfig config;
    private final MergeMethod method;
    private final Map<String, ModelFolder> models;
    private final List<Problem> warnings = new ArrayList<>();
    private Optional<TokenizerPlan> vocabulary = Optional.empty();

    private MergePlanner(MergeConfig config, MergeMethod method, Map<String, ModelFolder> models) {
        this.config = config;
        this.method = method;
        this.models = models;
    }

    /**
     * The folder a model reference names: the one the configuration gives for it, else the reference as a path,
     * absolute or relative to the configuration file's folder.
     */
    public static Path resolve(MergeConfig config, String model) {
        Path p = Path.of(model);
        if (p.isAbsolute()) {
            return p;
        }
        Path given = config.folders().get(model);
        if (given != null) {
            return given;
        }
        Path dir = config.file().map(f -> f.toAbsolutePath().getParent()).orElse(null);
        return dir == null ? p.toAbsolutePath() : dir.resolve(p).normalize();
    }

    /**
     * Plans {@code config} from the headers of the models it names, which are opened and closed again before this
     * returns; {@link MergePlan#open()} maps them for a run.
     */
    public static MergePlan plan(MergeConfig config) throws ConfigException, IOException {
        Map<String, ModelFolder> opened = new LinkedHashMap<>();
        try {
            return plan(config, opened);
        } finally {
            opened.values().forEach(ModelFolder::close);
        }
    }

    /**
     * Plans {@code config}, opening the models it names that are not in {@code opened} yet (they stay open in
     * {@code opened}, which the caller closes: several plans can share the models' headers this way).
     */
    public static MergePlan plan(MergeConfig config, Map<String, ModelFolder> opened) throws ConfigException, IOException {
        MergeMethod method = config.method();
        if (config.chatTemplate().isPresent()) {
            String tpl = config.chatTemplate().get();
            if (!tpl.equals("auto") && !tpl.equals("chatml") && !tpl.contains("{%") && !tpl.contains("{{")) {
                throw new ConfigException(config.locationOf("chat_template"), "unknown chat_template '" + tpl
                        + "'; use auto (the template the input models share), chatml, or a Jinja template");
            }
        }
        for (String key : new String[] {"dtype", "out_dtype"}) {
            Optional<String> d = key.equals("dtype") ? config.dtype() : config.outDtype();
            if (d.isPresent()) {
                try {
                    DType.ofUserName(d.get());
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(config.locationOf(key), e.getMessage());
                }
            }
        }
        List<String> needed = new ArrayList<>(config.referencedModels());
        config.tokenizerSource().filter(s -> !s.equals("base") && !s.equals("union") && !needed.contains(s))
                .ifPresent(needed::add);
        for (String model : needed) {
            if (opened.containsKey(model)) {
                continue;
            }
            Optional<LoraReference> lora = lora(config, model, whereModel(config, model));
            if (lora.isPresent()) {
                opened.put(model, adapted(config, model, lora.get()));
                continue;
            }
            Path dir = resolve(config, model);
            if (!Files.isDirectory(dir)) {
                throw new ConfigException(whereModel(config, model), "model '" + model + "' is not a folder here ("
                        + dir + "); Kumiki reads local Hugging Face model folders and does not download models");
            }
            try {
                opened.put(model, ModelFolder.open(dir));
            } catch (IOException e) {
                throw new ConfigException(whereModel(config, model), "model '" + model + "' cannot be read: "
                        + e.getMessage());
            }
        }
        return new MergePlanner(config, method, opened).plan();
    }

    /**
     * The {@code model+lora} reference {@code model} is, unless the configuration gives a folder for that name (a
     * pipeline's node ids are names, not references).
     */
    static Optional<LoraReference> lora(MergeConfig config, String model, Location where) throws ConfigException {
        if (config.folders().containsKey(model)) {
            return Optional.empty();
        }
        try {
            return LoraReference.parse(model);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(where, e.getMessage());
        }
    }

    /**
     * The model {@code reference} names, with its adapter applied: from the LoRA cache ({@link LoraCache}), written
     * there first when it is not there yet, as mergekit does before it merges. The adapter is checked against the
     * model before anything is computed.
     */
    private static ModelFolder adapted(MergeConfig config, String name, LoraReference reference)
            throws ConfigException, IOException {
        Location where = whereModel(config, name);
        Path model = resolve(config, reference.model());
        Path adapter = resolve(config, reference.adapter());
        if (!Files.isDirectory(model)) {
            throw new ConfigException(where, "model '" + reference.model() + "' of '" + name + "' is not a folder "
                    + "here (" + model + "); Kumiki reads local Hugging Face model folders and does not download models");
        }
        if (!Files.isDirectory(adapter)) {
            throw new ConfigException(where, "adapter '" + reference.adapter() + "' of '" + name + "' is not a "
                    + "folder here (" + adapter + "); give the folder of a PEFT adapter (adapter_config.json and "
                    + "adapter_model.safetensors)");
        }
        Path copy;
        try {
            copy = LoraCache.materialise(model, adapter);
        } catch (dev.kumiki.tensor.TensorFormatException | java.nio.file.NoSuchFileException e) {
            throw new ConfigException(where, "'" + name + "': " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(where, "'" + name + "': the model with the adapter applied cannot be written "
                    + "to the LoRA cache " + LoraCache.directory() + ": " + e.getMessage());
        }
        try {
            return ModelFolder.open(copy);
        } catch (IOException e) {
            throw new ConfigException(where, "'" + name + "' cannot be read from the LoRA cache (" + copy + "): "
                    + e.getMessage());
        }
    }

    /** The folders a merge of {@code config} reads: each model's, and for {@code model+lora} both of its inputs. */
    static java.util.Set<Path> sources(MergeConfig config, Map<String, Path> folders) {
        java.util.Set<Path> all = new LinkedHashSet<>(folders.values());
        for (String name : folders.keySet()) {
            try {
                lora(config, name, Location.key(name)).ifPresent(r -> {
                    all.add(resolve(config, r.model()));
                    all.add(resolve(config, r.adapter()));
                });
            } catch (ConfigException e) {
                // planned already, so it parsed then
            }
        }
        return all;
    }

    private static Location whereModel(MergeConfig config, String model) {
        for (MergeConfig.InputModel m : config.models()) {
            if (m.model().equals(model)) {
                return m.location();
            }
        }
        for (MergeConfig.OutputSlice s : config.slices()) {
            for (MergeConfig.InputSlice src : s.sources()) {
                if (src.model().equals(model)) {
                    return src.location();
                }
            }
        }
        return config.baseModel().filter(model::equals).isPresent() ? config.locationOf("base_model")
                : config.locationOf("tokenizer_source");
    }

    /** Layers of a model: config.json's num_hidden_layers, else counted from tensor names. */
    private int layers(String model) {
        ModelFolder f = models.get(model);
        if (f.config().isPresent() && f.config().get().layers().isPresent()) {
            return f.config().get().layers().getAsInt();
        }
        return f.names().stream().map(LayerNames::layer).flatMap(Optional::stream).mapToInt(i -> i + 1).max()
                .orElse(0);
    }

    private MergePlan plan() throws ConfigException {
        try {
            return planTensors();
        } catch (ConfigException e) {
            throw e.withWarnings(warnings);
        }
    }

    private MergePlan planTensors() throws ConfigException {
        Optional<String> base = config.baseModel();
        if (method.baseUse() == MergeMethod.BaseUse.REQUIRED && base.isEmpty()
                && config.slices().stream().allMatch(s -> s.baseModel().isEmpty())) {
            throw new ConfigException(config.locationOf("merge_method"), method.name() + " merges deltas from a "
                    + "base model; add base_model: PATH");
        }
        List<MergeConfig.OutputSlice> slices = config.slices().isEmpty() ? List.of(wholeModels()) : config.slices();
        unknownParameters(config.parameters());
        config.models().forEach(m -> unknownParameters(m.parameters()));
        for (MergeConfig.OutputSlice s : config.slices()) {
            unknownParameters(s.parameters());
            s.sources().forEach(src -> unknownParameters(src.parameters()));
        }
        for (MergeConfig.OutputSlice s : slices) {
            for (MergeConfig.InputSlice src : s.sources()) {
                int have = layers(src.model());
                if (src.to() > have) {
                    throw new ConfigException(src.location(), "layer_range [" + src.from() + ", " + src.to()
                            + "] goes beyond the " + have + " layers of model '" + src.model() + "'");
                }
            }
        }
        if (config.tokenizerSource().isPresent()) {
            try {
                vocabulary = Optional.of(tokenizerPlan(slices.get(0), base));
            } catch (IOException e) {
                throw new ConfigException(config.locationOf("tokenizer_source"), "cannot read a tokenizer: "
                        + e.getMessage());
            }
        }
        List<PlannedTensor> tensors = new ArrayList<>();
        Set<String> planned = new LinkedHashSet<>();
        String reference = slices.get(0).sources().get(0).model();
        ModelFolder first = models.get(reference);
        // before the layers: embeddings, from the first slice at t = 0
        for (String name : names(slices.get(0), -1, n -> LayerNames.layer(n).isEmpty() && LayerNames.isBeforeLayers(n))) {
            planTensor(tensors, planned, name, slices.get(0), name, 0, 0);
        }
        int outLayer = 0;
        for (MergeConfig.OutputSlice s : slices) {
            MergeConfig.InputSlice lead = s.sources().get(0);
            int n = lead.layers();
            for (int i = 0; i < n; i++) {
                double t = n > 1 ? i / (double) (n - 1) : 1;
                int inLayer = lead.from() + i;
                for (String name : names(s, i, any -> true)) {
                    planTensor(tensors, planned, LayerNames.withLayer(name, outLayer), s, name, t, i);
                }
                outLayer++;
            }
        }
        // after the layers: final norm and head, from the last slice; current mergekit evaluates gradients of every
        // tensor outside the layers at t = 0 (its 2024 planner used t = 1 here)
        MergeConfig.OutputSlice last = slices.get(slices.size() - 1);
        for (String name : names(last, -1, n -> LayerNames.layer(n).isEmpty() && !LayerNames.isBeforeLayers(n))) {
            planTensor(tensors, planned, name, last, name, 0, 0);
        }
        Map<String, Path> folders = new LinkedHashMap<>();
        for (String m : config.referencedModels()) {
            folders.put(m, models.get(m).dir());
        }
        models.forEach((k, v) -> folders.putIfAbsent(k, v.dir()));
        String filesFrom = base.orElse(reference);
        return new MergePlan(config, method, tensors, folders, filesFrom,
                outLayer > 0 ? Optional.of(outLayer) : Optional.empty(), vocabulary, warnings);
    }

    /** Parameters the method does not have are ignored, as mergekit ignores them; they are likely misspelt. */
    private void unknownParameters(Map<String, ParameterSetting> given) {
        Set<String> known = new LinkedHashSet<>();
        method.parameters().forEach(p -> known.add(p.name()));
        method.modelParameters().forEach(p -> known.add(p.name()));
        for (Map.Entry<String, ParameterSetting> e : given.entrySet()) {
            if (!known.contains(e.getKey())) {
                warnings.add(new Problem(e.getValue().location(), method.name() + " has no parameter '" + e.getKey() + "'"
                        + MergeConfigReader.nearest(e.getKey(), known).map(n -> " (did you mean '" + n + "'?)")
                                .orElse("") + "; it is ignored" + (known.isEmpty() ? "" : " (" + method.name()
                                        + " has " + String.join(", ", known) + ")")));
            }
        }
    }

    /** Rows of a model's token embedding (its vocabulary as the weights see it). */
    private int embeddingRows(String model) throws ConfigException {
        ModelFolder f = models.get(model);
        for (String name : f.names()) {
            if (name.contains("embed_tokens") || name.contains(".wte.") || name.startsWith("wte.")) {
                return (int) f.info(name).orElseThrow().shape().dim(0);
            }
        }
        if (f.config().isPresent() && f.config().get().vocabSize().isPresent()) {
            return f.config().get().vocabSize().getAsInt();
        }
        throw new ConfigException(config.locationOf("tokenizer_source"), "model '" + model + "' has no token "
                + "embedding (embed_tokens) and no vocab_size in config.json");
    }

    /** mergekit's build_tokenizer: the output vocabulary and each model's rows on it. */
    private TokenizerPlan tokenizerPlan(MergeConfig.OutputSlice first, Optional<String> base)
            throws ConfigException, IOException {
        List<String> merged = new ArrayList<>();
        base.filter(b -> method.baseUse() != MergeMethod.BaseUse.NONE).ifPresent(merged::add);
        for (MergeConfig.InputSlice s : first.sources()) {
            if (!merged.contains(s.model())) {
                merged.add(s.model());
            }
        }
        List<Vocabulary> vocabularies = new ArrayList<>();
        for (String m : merged) {
            vocabularies.add(Vocabulary.read(m, models.get(m).dir(), embeddingRows(m)));
        }
        String source = config.tokenizerSource().get();
        Optional<Vocabulary> sourceVocabulary = Optional.empty();
        if (!source.equals("base") && !source.equals("union")) {
            sourceVocabulary = Optional.of(Vocabulary.read(source, models.get(source).dir(), embeddingRows(source)));
        }
        try {
            return TokenizerPlan.of(source, sourceVocabulary, base, vocabularies);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(config.locationOf("tokenizer_source"), e.getMessage());
        }
    }

    /**
     * The tensors of a slice in its first source's naming: outside the layers ({@code offset} -1), or of layer
     * {@code offset} of the slice; the union over every source, so that a tensor one source lacks is reported, not
     * silently left out.
     */
    private List<String> names(MergeConfig.OutputSlice slice, int offset, java.util.function.Predicate<String> which) {
        MergeConfig.InputSlice lead = slice.sources().get(0);
        Set<String> names = new LinkedHashSet<>();
        for (MergeConfig.InputSlice src : slice.sources()) {
            for (String name : models.get(src.model()).names()) {
                Optional<Integer> layer = LayerNames.layer(name);
                if (offset < 0 ? layer.isEmpty() && which.test(name)
                        : layer.orElse(-1) == src.from() + offset) {
                    names.add(offset < 0 ? name : LayerNames.withLayer(name, lead.from() + offset));
                }
            }
        }
        return List.copyOf(names);
    }

    /** The {@code models} form as one slice over every layer, with the base model added when missing. */
    private MergeConfig.OutputSlice wholeModels() throws ConfigException {
        List<MergeConfig.InputSlice> sources = new ArrayList<>();
        boolean baseIncluded = false;
        for (MergeConfig.InputModel m : config.models()) {
            baseIncluded |= config.baseModel().map(m.model()::equals).orElse(false);
            sources.add(new MergeConfig.InputSlice(m.model(), 0, layers(m.model()), m.parameters(), m.location()));
        }
        if (config.baseModel().isPresent() && !baseIncluded) {
            if (method.baseUse() == MergeMethod.BaseUse.NONE) {
                warnings.add(new Problem(config.locationOf("base_model"), method.name() + " has no base model; base_model '"
                        + config.baseModel().get() + "' is not among the models and is ignored"));
            } else {
                String b = config.baseModel().get();
                sources.add(new MergeConfig.InputSlice(b, 0, layers(b), Map.of(), config.locationOf("base_model")));
            }
        }
        int n = sources.get(0).layers();
        for (MergeConfig.InputSlice s : sources) {
            if (s.layers() != n) {
                throw new ConfigException(s.location(), "model '" + s.model() + "' has " + s.layers() + " layers but '"
                        + sources.get(0).model() + "' has " + n + "; merging whole models needs equal layer counts "
                        + "(use slices with layer_range to combine different depths)");
            }
        }
        return new MergeConfig.OutputSlice(sources, Optional.empty(), Map.of(), config.locationOf("models"));
    }

    /** Whether model {@code name}'s config.json ties the output head to the embeddings. */
    private boolean tied(String name) {
        return models.get(name).config().map(ModelConfig::tiedEmbeddings).orElse(false);
    }

    private void planTensor(List<PlannedTensor> out, Set<String> planned, String output, MergeConfig.OutputSlice slice,
            String leadName, double t, int offset) throws ConfigException {
        if (!planned.add(output)) {
            return;
        }
        Optional<String> baseModel = slice.baseModel().or(config::baseModel);
        boolean usesBase = method.baseUse() != MergeMethod.BaseUse.NONE && baseModel.isPresent();
        if (usesBase && slice.sources().stream().noneMatch(s -> s.model().equals(baseModel.get()))) {
            throw new ConfigException(slice.location(), "base model '" + baseModel.get() + "' is not among the "
                    + "sources of this slice; add it with the same layer_range as the others");
        }
        MergeConfig.InputSlice lead = slice.sources().get(0);
        Optional<TensorInfo> leadTensor = models.get(lead.model()).info(leadName);
        if (leadTensor.isEmpty()) {
            if (leadName.contains("lm_head")) {
                if (models.get(lead.model()).config().isEmpty()) {
                    warnings.add(new Problem(lead.location(), "model '" + lead.model() + "' has no " + leadName
                            + " and no config.json to say whether it ties the embeddings; " + output
                            + " is left out"));
                    return;
                }
                if (!tied(lead.model())) {
                    throw new ConfigException(lead.location(), "model '" + lead.model() + "' has no " + leadName
                            + " but its config.json does not tie the embeddings (tie_word_embeddings is not true), so "
                            + "the merged model would have no output head; the model is incomplete: use a complete "
                            + "copy of it, or put a model that has " + leadName + " first");
                }
                warnings.add(new Problem(lead.location(), "model '" + lead.model() + "' has no " + leadName
                        + " because it ties the embeddings (tie_word_embeddings: true); " + output + " is left out"));
                return;
            }
            String holder = slice.sources().stream().map(MergeConfig.InputSlice::model)
                    .filter(m -> !m.equals(lead.model())).findFirst().orElse("another model");
            throw new ConfigException(lead.location(), "model '" + lead.model() + "' has no tensor '" + leadName
                    + "' (needed for " + output + "; model '" + holder + "' has it)");
        }
        TensorInfo leadInfo = leadTensor.get();
        PlannedTensor.Input baseInput = null;
        boolean rowsDiffer = false;
        Map<String, Long> rows = new LinkedHashMap<>();
        List<PlannedTensor.Input> inputs = new ArrayList<>();
        List<Map<String, Object>> modelParams = new ArrayList<>();
        for (MergeConfig.InputSlice src : slice.sources()) {
            String name = LayerNames.layer(leadName).isPresent()
                    ? LayerNames.withLayer(leadName, src.from() + offset)
                    : leadName;
            ModelFolder folder = models.get(src.model());
            Optional<TensorInfo> info = folder.info(name);
            if (info.isEmpty()) {
                if (LayerNames.isVocabulary(name) && name.contains("lm_head")) {
                    warnings.add(new Problem(src.location(), tied(src.model())
                            ? "model '" + src.model() + "' has no " + name + " because it ties the embeddings "
                                    + "(tie_word_embeddings: true); it is left out of " + output
                            : "model '" + src.model() + "' has no " + name + " although its config.json does not tie "
                                    + "the embeddings (the model looks incomplete); " + output + " is merged from the "
                                    + "other models only"));
                    continue;
                }
                throw new ConfigException(src.location(), "model '" + src.model() + "' has no tensor '" + name
                        + "' (needed for " + output + ")");
            }
            Shape have = info.get().shape();
            boolean sameWidth = LayerNames.isVocabulary(name) && have.rank() == 2 && leadInfo.shape().rank() == 2
                    && have.dim(1) == leadInfo.shape().dim(1);
            boolean passthrough = method.name().equals("passthrough");
            if (!have.equals(leadInfo.shape())) {
                if (!sameWidth || vocabulary.isEmpty() && passthrough) {
                    throw new ConfigException(src.location(), "tensor '" + name + "' of model '" + src.model()
                            + "' is " + have + " but '" + leadName + "' of '" + lead.model() + "' is "
                            + leadInfo.shape() + (sameWidth ? "; the vocabularies differ and passthrough cannot "
                                    + "merge them" : "; models merged together need the same architecture and sizes"));
                }
                rowsDiffer = vocabulary.isEmpty();
            }
            if (have.rank() == 2) {
                rows.put(src.model(), have.dim(0));
            }
            PlannedTensor.Input input = new PlannedTensor.Input(src.model(), name, info.get().dtype());
            if (usesBase && src.model().equals(baseModel.get())) {
                baseInput = input;
            } else {
                inputs.add(input);
                modelParams.add(modelParameters(slice, src, output, t));
            }
        }
        if (!leadInfo.dtype().isFloatingPoint() && !method.name().equals("passthrough")) {
            throw new ConfigException(lead.location(), "tensor '" + leadName + "' is " + leadInfo.dtype()
                    + "; only passthrough can carry non-float tensors");
        }
        DType type = outputType(baseInput != null ? baseInput.type() : leadInfo.dtype(), leadInfo.dtype());
        Map<String, Object> params = new LinkedHashMap<>();
        for (ParameterDef p : method.parameters()) {
            params.put(p.name(), value(p, slice, null, output, t));
        }
        Optional<TokenizerPlan> permuted = vocabulary.filter(v -> LayerNames.isVocabulary(leadName)
                && leadInfo.shape().rank() == 2);
        Shape shape = permuted.map(v -> Shape.of(v.size(), leadInfo.shape().dim(1))).orElse(leadInfo.shape());
        if (rowsDiffer) {
            shape = Shape.of(commonRows(slice.location(), output, baseInput, rows), leadInfo.shape().dim(1));
        }
        PlannedTensor tensor = new PlannedTensor(output, shape, type, Optional.ofNullable(baseInput), inputs,
                t, params, modelParams, permuted);
        String problem = method.check(PlannedJob.headersOnly(tensor));
        if (problem != null) {
            throw new ConfigException(slice.location(), method.name() + ", tensor " + output + ": " + problem);
        }
        out.add(tensor);
    }

    /**
     * The rows an embedding or head is merged over when the models' vocabularies differ in size and there is no
     * tokenizer_source: mergekit cuts task vectors to the base's rows and everything else to the rows all inputs
     * have.
     */
    private long commonRows(Location where, String output, PlannedTensor.Input base, Map<String, Long> rows) throws ConfigException {
        String advice = " (set tokenizer_source: base, union or a model to keep every token)";
        if (base != null && method.cutsEmbeddingsToBase()) {
            long baseRows = rows.get(base.model());
            for (Map.Entry<String, Long> e : rows.entrySet()) {
                if (e.getValue() < baseRows) {
                    throw new ConfigException(where, output + " of model '"
                            + e.getKey() + "' has " + e.getValue() + " rows, fewer than the " + baseRows + " of base "
                            + "model '" + base.model() + "'; " + method.name() + " cannot subtract them without "
                            + "tokenizer_source: set tokenizer_source: base, union or a model");
                }
            }
            warnings.add(new Problem(where.at(""), output + ": the models' vocabularies differ in size; using the base model's " + baseRows
                    + " rows as mergekit does" + advice));
            return baseRows;
        }
        long common = rows.values().stream().mapToLong(Long::longValue).min().orElseThrow();
        warnings.add(new Problem(where.at(""), output + ": the models' vocabularies differ in size; using their common first " + common
                + " rows as mergekit does" + advice));
        return common;
    }

    private DType outputType(DType inputType, DType leadType) throws ConfigException {
        if (!leadType.isFloatingPoint()) {
            return leadType;
        }
        Optional<String> name = config.outDtype().or(config::dtype);
        if (name.isEmpty()) {
            return inputType;
        }
        try {
            return DType.ofUserName(name.get());
        } catch (IllegalArgumentException e) {
            String key = config.outDtype().isPresent() ? "out_dtype" : "dtype";
            throw new ConfigException(config.locationOf(key), e.getMessage());
        }
    }

    private Map<String, Object> modelParameters(MergeConfig.OutputSlice slice, MergeConfig.InputSlice src, String tensor,
            double t) throws ConfigException {
        Map<String, Object> values = new LinkedHashMap<>();
        for (ParameterDef p : method.modelParameters()) {
            values.put(p.name(), value(p, slice, src, tensor, t));
        }
        return values;
    }

    /** mergekit's ConfigReader.parameter: source, slice, top level, then the default. */
    private Object value(ParameterDef p, MergeConfig.OutputSlice slice, MergeConfig.InputSlice src, String tensor,
            double t) throws ConfigException {
        List<Map<String, ParameterSetting>> levels = new ArrayList<>();
        if (src != null) {
            levels.add(src.parameters());
        }
        levels.add(slice.parameters());
        levels.add(config.parameters());
        for (Map<String, ParameterSetting> level : levels) {
            ParameterSetting s = level.get(p.name());
            if (s != null) {
                Optional<Object> v = s.evaluate(tensor, t);
                if (v.isPresent()) {
                    return typed(p, v.get(), s.location());
                }
            }
        }
        if (p.defaultValue().isPresent()) {
            return p.defaultValue().get();
        }
        throw new ConfigException((src != null ? src.location() : config.locationOf("parameters")).parameter(p.name()),
                method.name()
                + " needs parameter '" + p.name() + "' (" + p.doc() + ")" + (src != null ? " for model '" + src.model()
                        + "'" : "") + " for tensor " + tensor);
    }

    private static Object typed(ParameterDef p, Object value, Location where) throws ConfigException {
        Object kind = p.defaultValue().orElse(0.0);
        if (kind instanceof Boolean) {
            if (value instanceof Boolean) {
                return value;
            }
            if (value instanceof Double d && (d == 0 || d == 1)) {
                return d == 1;
            }
            throw new ConfigException(where, "parameter '" + p.name() + "' is true or false, found '" + value + "'");
        }
        if (kind instanceof Double) {
            if (value instanceof Double) {
                return value;
            }
            if (value instanceof Boolean b) {
                return b ? 1.0 : 0.0;
            }
            throw new ConfigException(where, "parameter '" + p.name() + "' is a number, found '" + value + "'");
        }
        return value.toString();
    }
}
