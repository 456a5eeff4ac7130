package dev.kumiki.nodes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.eclipse.emf.ecore.EClass;
import org.eclipse.emf.ecore.util.EcoreUtil;

import dev.kumiki.engine.ConfigureContext;
import dev.kumiki.engine.ExecuteContext;
import dev.kumiki.engine.Inputs;
import dev.kumiki.engine.NodeKind;
import dev.kumiki.engine.ParameterField;
import dev.kumiki.engine.Port;
import dev.kumiki.engine.PortSpec;
import dev.kumiki.engine.PortValue;
import dev.kumiki.merge.MergeMethod;
import dev.kumiki.merge.MergeMethods;
import dev.kumiki.merge.MergePlan;
import dev.kumiki.merge.MergePlanner;
import dev.kumiki.merge.ParameterDef;
import dev.kumiki.merge.config.ConfigException;
import dev.kumiki.merge.config.ParameterValue;
import dev.kumiki.nodes.settings.DataType;
import dev.kumiki.nodes.settings.Merge;
import dev.kumiki.nodes.settings.MergeParameter;
import dev.kumiki.nodes.settings.ModelParameters;
import dev.kumiki.nodes.settings.NodesPackage;
import dev.kumiki.nodes.settings.SliceSource;
import dev.kumiki.tensor.TensorInfo;
import dev.kumiki.tensor.io.Names;

/**
 * Merge: every method of the merge library over the models at its inputs, planned from headers at configure time.
 * Its output is the recipe, computed tensor by tensor by whatever reads it.
 */
public final class MergeKind implements NodeKind<Merge> {
    @Override
    public EClass settingsClass() {
        return NodesPackage.Literals.MERGE;
    }

    @Override
    public List<Port> inputs() {
        return List.of(new Port("models", ModelPorts.MODEL, "the models to merge, in order", false, true),
                new Port("base", ModelPorts.MODEL, "the base model (base_model), for methods that merge task vectors "
                        + "or interpolate from it", true, false));
    }

    @Override
    public List<Port> outputs() {
        return List.of(Port.of("model", ModelPorts.MODEL, "the merged model, computed while it is read"));
    }

    /**
     * The parameters of the selected method, from the merge library's definitions: each parameter given once
     * ({@code parameters.NAME}); each parameter per model for all models ({@code parameters.NAME}, mergekit's
     * fallback) and for each model connected to {@code models} ({@code models.ID.NAME}). Slices keep their
     * parameters in the {@code slices} setting.
     */
    @Override
    public List<ParameterField> parameterFields(Merge s, Map<String, List<String>> connected) {
        Optional<MergeMethod> method = MergeMethods.byName(s.getMethod().getLiteral());
        if (method.isEmpty()) {
            return List.of();
        }
        List<ParameterField> fields = new ArrayList<>();
        for (ParameterDef p : method.get().parameters()) {
            fields.add(field("parameters." + p.name(), p.name(), p.doc(), p, value(s.getParameters(), p.name()),
                    defaultText(p)));
        }
        for (ParameterDef p : method.get().modelParameters()) {
            String all = value(s.getParameters(), p.name());
            fields.add(field("parameters." + p.name(), p.name() + " (all models)", p.doc()
                    + "; for every model that does not give its own", p, all, defaultText(p)));
            if (s.getSlices().isEmpty()) {
                for (String id : connected.getOrDefault("models", List.of())) {
                    String own = s.getModels().stream().filter(m -> m.getModel().equals(id)).findFirst()
                            .map(m -> value(m.getParameters(), p.name())).orElse("");
                    fields.add(field("models." + id + "." + p.name(), p.name() + " · " + id, p.doc() + " (model '" + id
                            + "')", p, own, all.isEmpty() ? defaultText(p) : Optional.of(all)));
                }
            }
        }
        return fields;
    }

    private static ParameterField field(String path, String label, String doc, ParameterDef p, String value,
            Optional<String> defaultValue) {
        return new ParameterField(path, label, doc, p.kind() == ParameterDef.Kind.FLAG ? ParameterField.Kind.FLAG
                : ParameterField.Kind.NUMBER, value, defaultValue, p.min(), p.max());
    }

    private static String value(List<MergeParameter> params, String name) {
        return params.stream().filter(p -> p.getName().equals(name) && p.getValue() != null).findFirst()
                .map(p -> p.getValue().toString()).orElse("");
    }

    private static Optional<String> defaultText(ParameterDef p) {
        return p.defaultValue().map(v -> v instanceof Double d ? (d.isNaN() ? "none" : ParameterValue.of(d)
                .toString()) : v.toString());
    }

    /** The recipe of this node, or empty after reporting why there is none. */
    static Optional<MergeRecipe> recipe(Merge s, Inputs<? extends Object> inputs, ConfigureContext c) {
        Map<String, Path> models = new LinkedHashMap<>();
        boolean ok = true;
        for (var in : inputs.all("models")) {
            Optional<Path> folder = folderOf(in.value(), in.fromNode(), "models", c);
            if (folder.isEmpty()) {
                ok = false;
            } else if (models.containsValue(folder.get())) {
                c.error("models", "node '" + in.fromNode() + "' gives a model that is already connected ("
                        + folder.get() + "); connect each model once");
                ok = false;
            } else {
                models.put(in.fromNode(), folder.get());
            }
        }
        Optional<Map.Entry<String, Path>> base = Optional.empty();
        List<? extends Inputs.Connected<?>> b = inputs.all("base");
        if (!b.isEmpty()) {
            Optional<Path> folder = folderOf(b.get(0).value(), b.get(0).fromNode(), "base", c);
            if (folder.isEmpty()) {
                ok = false;
            } else {
                base = Optional.of(Map.entry(b.get(0).fromNode(), folder.get()));
            }
        }
        List<String> connected = new ArrayList<>(models.keySet());
        base.ifPresent(e -> connected.add(e.getKey()));
        for (ModelParameters p : s.getModels()) {
            if (!models.containsKey(p.getModel())) {
                c.error("models", "parameters are given for model '" + p.getModel() + "', but no node of that id is "
                        + "connected to 'models'" + Names.suggestion(p.getModel(), models.keySet())
                        + "; connected: " + String.join(", ", models.keySet()));
                ok = false;
            }
        }
        for (var slice : s.getSlices()) {
            if (slice.getSources().isEmpty()) {
                c.error("slices", "a slice needs at least one source: {model: NODE, layer_range: [FROM, TO]}");
                ok = false;
            }
            for (SliceSource src : slice.getSources()) {
                if (!connected.contains(src.getModel())) {
                    c.error("slices", "a slice takes layers from '" + src.getModel() + "', which is not connected"
                            + Names.suggestion(src.getModel(), connected) + "; connected: " + String.join(", ", connected));
                    ok = false;
                }
                if (src.getLayerRange().size() != 2 || src.getLayerRange().get(0) >= src.getLayerRange().get(1)) {
                    c.error("slices", "the layer_range of '" + src.getModel() + "' must be [from, to) with from < to, "
                            + "found " + src.getLayerRange());
                    ok = false;
                }
            }
        }
        String t = s.getTokenizerSource();
        if (t != null && !t.isBlank() && !t.equals("base") && !t.equals("union") && !connected.contains(t)) {
            c.error("tokenizer_source", "tokenizer_source is base, union or the id of a connected model node; found '"
                    + t + "'" + Names.suggestion(t, connected));
            ok = false;
        }
        return ok ? Optional.of(new MergeRecipe(EcoreUtil.copy(s), models, base, c.baseDir())) : Optional.empty();
    }

    private static Optional<Path> folderOf(Object value, String node, String port, ConfigureContext c) {
        ModelSpec spec = value instanceof ModelHandle h ? h.spec() : (ModelSpec) value;
        if (spec.folder().isEmpty()) {
            c.error(port, "the model from '" + node + "' is itself a merge's output, computed on demand; merging it "
                    + "again needs it on disk: put a SaveModel after '" + node + "' and connect the SaveModel's output");
        }
        return spec.folder();
    }

    /** What each connected input node gives, by node id. */
    private static Map<String, ModelSpec> specs(Inputs<? extends Object> inputs) {
        Map<String, ModelSpec> specs = new HashMap<>();
        for (String port : List.of("models", "base")) {
            for (var in : inputs.all(port)) {
                specs.put(in.fromNode(), in.value() instanceof ModelHandle h ? h.spec() : (ModelSpec) in.value());
            }
        }
        return specs;
    }

    /**
     * Plans the recipe from headers, reporting the planner's problems at the settings they concern; the output's
     * spec, which carries the recipe with its plan (execute runs that plan, it does not plan again).
     */
    static Optional<ModelSpec> plan(MergeRecipe recipe, Map<String, ModelSpec> inputs, ConfigureContext c) {
        try {
            MergePlan plan = MergePlanner.plan(recipe.config());
            plan.problems().forEach(p -> c.warning(MergeRecipe.setting(p.location()), p.message()));
            List<TensorInfo> tensors = plan.tensors().stream()
                    .map(t -> new TensorInfo(t.output(), t.type(), t.shape())).toList();
            ModelSpec from = inputs.get(plan.baseForFiles());
            Optional<Integer> layers = plan.outputLayers().or(() -> from.layers());
            return Optional.of(new ModelSpec(from.config(), layers, tensors, Optional.empty(),
                    Optional.of(recipe.withPlan(plan))));
        } catch (ConfigException e) {
            e.warnings().forEach(p -> c.warning(MergeRecipe.setting(p.location()), p.message()));
            c.error(MergeRecipe.setting(e.location()), e.problem());
            return Optional.empty();
        } catch (IOException e) {
            c.error(null, "an input model cannot be read: " + e.getMessage());
            return Optional.empty();
        }
    }

    @Override
    public Map<String, PortSpec> configure(Merge s, Inputs<PortSpec> inputs, ConfigureContext c) {
        Optional<MergeRecipe> recipe = recipe(s, inputs, c);
        if (recipe.isEmpty()) {
            return Map.of();
        }
        Map<String, ModelSpec> specs = specs(inputs);
        Optional<ModelSpec> unwritten = unwritten(specs, recipe.get());
        if (unwritten.isPresent()) {
            return Map.of("model", unwritten.get());
        }
        return plan(recipe.get(), specs, c).<Map<String, PortSpec>>map(spec -> Map.of("model", spec))
                .orElse(Map.of());
    }

    /**
     * When an input is a folder that a node upstream writes during the run (a Train or a SaveModel that has not run
     * yet), the recipe cannot be planned from headers now: the output's spec is then the first input's (the models
     * of a merge share their architecture; the planner checks it when the merge runs) without a plan, and execute
     * plans it once the folders exist.
     */
    static Optional<ModelSpec> unwritten(Map<String, ModelSpec> specs, MergeRecipe recipe) {
        boolean pending = specs.values().stream().anyMatch(m -> m.folder()
                .filter(f -> !Files.isRegularFile(f.resolve("config.json"))).isPresent());
        if (!pending) {
            return Optional.empty();
        }
        ModelSpec first = recipe.base().flatMap(b -> Optional.ofNullable(specs.get(b.getKey())))
                .orElseGet(() -> specs.get(recipe.models().keySet().iterator().next()));
        return Optional.of(new ModelSpec(first.config(), first.layers(), first.tensors(), Optional.empty(),
                Optional.of(recipe)));
    }

    @Override
    public Map<String, PortValue> execute(Merge s, Inputs<PortValue> inputs, ExecuteContext c) throws IOException {
        // the plan made when the pipeline was configured; planned again only for a caller that did not configure
        Optional<ModelSpec> spec = c.configured("model").filter(ModelSpec.class::isInstance).map(ModelSpec.class::cast)
                .filter(m -> m.recipe().flatMap(MergeRecipe::planned).isPresent());
        if (spec.isEmpty()) {
            List<String> problems = new ArrayList<>();
            ConfigureContext collect = new ConfigureContext() {
                @Override
                public String node() {
                    return c.node();
                }

                @Override
                public Path baseDir() {
                    return c.baseDir();
                }

                @Override
                public void error(String setting, String message) {
                    problems.add(setting == null ? message : setting + ": " + message);
                }

                @Override
                public void warning(String setting, String message) {
                    c.log("warning: " + message);
                }
            };
            spec = recipe(s, inputs, collect).flatMap(r -> plan(r, specs(inputs), collect));
            if (spec.isEmpty()) {
                throw new IOException(String.join("; ", problems));
            }
        }
        MergeRecipe recipe = spec.get().recipe().orElseThrow();
        c.log("planned " + recipe.settings().getMethod().getLiteral() + ": " + spec.get().summary());
        Files.writeString(Files.createDirectories(c.recordDir()).resolve("mergekit_config.yml"),
                recipe.portableText(Optional.of(DataType.AUTO)));
        return Map.of("model", new MergedModel(spec.get(), recipe));
    }
}
