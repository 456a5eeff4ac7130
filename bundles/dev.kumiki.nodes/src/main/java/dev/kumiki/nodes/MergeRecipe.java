package dev.kumiki.nodes;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

import dev.kumiki.merge.MergeMethod;
import dev.kumiki.merge.MergeMethods;
import dev.kumiki.merge.MergePlan;
import dev.kumiki.merge.MergePlanner;
import dev.kumiki.merge.config.ConfigException;
import dev.kumiki.merge.config.Location;
import dev.kumiki.merge.config.MergeConfig;
import dev.kumiki.merge.config.ParameterValue;
import dev.kumiki.nodes.settings.DataType;
import dev.kumiki.nodes.settings.Merge;
import dev.kumiki.nodes.settings.MergeParameter;
import dev.kumiki.nodes.settings.MergeSlice;
import dev.kumiki.nodes.settings.ModelParameters;
import dev.kumiki.nodes.settings.SliceSource;

/**
 * A Merge node's settings with its input models: a mergekit recipe. It becomes the merge library's typed
 * {@link MergeConfig} directly ({@link #config()}: models named by the input nodes' ids, so that problems name
 * nodes and map to settings), is planned once when the pipeline is configured ({@link #plan()}), and is written as
 * mergekit YAML with the models' folders as paths (the recipe kept beside the merged model, ExportMergekitYaml).
 *
 * @param settings the Merge node's settings (a copy, so later edits do not change a running merge)
 * @param models   the folders of the models connected to {@code models}, by node id, in connection order
 * @param base     the node id and folder of the model connected to {@code base}, if any
 * @param baseDir  the pipeline's folder
 * @param planned  the plan made from the models' headers when the node was configured, once it is
 */
public record MergeRecipe(Merge settings, Map<String, Path> models, Optional<Map.Entry<String, Path>> base,
                          Path baseDir, Optional<MergePlan> planned) {
    public MergeRecipe {
        models = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(models));
        Objects.requireNonNull(planned, "planned");
    }

    public MergeRecipe(Merge settings, Map<String, Path> models, Optional<Map.Entry<String, Path>> base,
            Path baseDir) {
        this(settings, models, base, baseDir, Optional.empty());
    }

    /** This recipe with its plan. */
    public MergeRecipe withPlan(MergePlan plan) {
        return new MergeRecipe(settings, models, base, baseDir, Optional.of(plan));
    }

    /** The plan made at configure time, or made now from the headers (when the recipe was not configured). */
    public MergePlan plan() throws ConfigException, IOException {
        return planned.isPresent() ? planned.get() : MergePlanner.plan(config());
    }

    /** Every input's folder by node id, the base included. */
    public Map<String, Path> folders() {
        Map<String, Path> all = new LinkedHashMap<>(models);
        base.ifPresent(b -> all.putIfAbsent(b.getKey(), b.getValue()));
        return all;
    }

    /** The recipe as mergekit YAML, each model named by {@code name} (given its node id). */
    public String text(Function<String, String> name, Optional<DataType> outDtype) {
        Map<String, Object> top = new LinkedHashMap<>();
        top.put("merge_method", settings.getMethod().getLiteral());
        base.ifPresent(b -> top.put("base_model", name.apply(b.getKey())));
        if (settings.getSlices().isEmpty()) {
            List<Object> list = new ArrayList<>();
            for (String id : models.keySet()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("model", name.apply(id));
                settings.getModels().stream().filter(p -> p.getModel().equals(id)).findFirst()
                        .map(ModelParameters::getParameters).filter(p -> !p.isEmpty())
                        .ifPresent(p -> m.put("parameters", parameters(p)));
                list.add(m);
            }
            top.put("models", list);
        } else {
            List<Object> slices = new ArrayList<>();
            for (MergeSlice s : settings.getSlices()) {
                Map<String, Object> slice = new LinkedHashMap<>();
                List<Object> sources = new ArrayList<>();
                for (SliceSource src : s.getSources()) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("model", name.apply(src.getModel()));
                    m.put("layer_range", List.copyOf(src.getLayerRange()));
                    if (!src.getParameters().isEmpty()) {
                        m.put("parameters", parameters(src.getParameters()));
                    }
                    sources.add(m);
                }
                slice.put("sources", sources);
                if (!s.getParameters().isEmpty()) {
                    slice.put("parameters", parameters(s.getParameters()));
                }
                slices.add(slice);
            }
            top.put("slices", slices);
        }
        if (!settings.getParameters().isEmpty()) {
            top.put("parameters", parameters(settings.getParameters()));
        }
        if (settings.getDtype() != DataType.AUTO) {
            top.put("dtype", settings.getDtype().getLiteral());
        }
        Optional<DataType> out = outDtype.filter(d -> d != DataType.AUTO)
                .or(() -> Optional.of(settings.getOutDtype()).filter(d -> d != DataType.AUTO));
        out.ifPresent(d -> top.put("out_dtype", d.getLiteral()));
        if (settings.getTokenizerSource() != null && !settings.getTokenizerSource().isBlank()) {
            String t = settings.getTokenizerSource();
            top.put("tokenizer_source", t.equals("base") || t.equals("union") ? t : name.apply(t));
        }
        if (settings.getChatTemplate() != null && !settings.getChatTemplate().isBlank()) {
            top.put("chat_template", settings.getChatTemplate());
        }
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        options.setIndent(2);
        options.setIndicatorIndent(0);
        options.setWidth(120);
        return new Yaml(options).dump(top);
    }

    private static Map<String, Object> parameters(List<MergeParameter> params) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (MergeParameter p : params) {
            m.put(p.getName(), p.getValue() == null ? null : p.getValue().toYaml());
        }
        return m;
    }

    /** The recipe with absolute folder paths: what mergekit (or kumiki merge) runs anywhere. */
    public String portableText(Optional<DataType> outDtype) {
        Map<String, Path> folders = folders();
        return text(id -> folders.get(id).toString(), outDtype);
    }

    /**
     * The merge library's configuration of this recipe, built from the settings without YAML: models are named by
     * the id of the node they come from, with their folders. Problems carry a {@link Location} that
     * {@link #setting} maps to the node's setting.
     */
    public MergeConfig config() throws ConfigException {
        MergeMethod method = MergeMethods.byName(settings.getMethod().getLiteral()).orElseThrow(
                () -> new IllegalStateException("the merge library has no method " + settings.getMethod()));
        MergeConfig.Builder b = MergeConfig.builder().method(method);
        base.ifPresent(e -> b.base(e.getKey(), e.getValue()));
        folders().forEach(b::folder);
        try {
            if (settings.getSlices().isEmpty()) {
                for (String id : models.keySet()) {
                    Optional<ModelParameters> given = settings.getModels().stream()
                            .filter(p -> p.getModel().equals(id)).findFirst();
                    b.add(id, values(given.map(ModelParameters::getParameters).orElse(null), Location.model(id)));
                }
            } else {
                int index = 0;
                for (MergeSlice slice : settings.getSlices()) {
                    List<MergeConfig.Builder.Source> sources = new ArrayList<>();
                    for (SliceSource src : slice.getSources()) {
                        List<Integer> range = src.getLayerRange();
                        sources.add(new MergeConfig.Builder.Source(src.getModel(), range.get(0), range.get(1),
                                values(src.getParameters(), Location.source(index, sources.size(), src.getModel()))));
                    }
                    b.slice(sources, values(slice.getParameters(), Location.slice(index)));
                    index++;
                }
            }
        } catch (IllegalArgumentException e) {
            throw new ConfigException(Location.key("slices"), e.getMessage());
        }
        values(settings.getParameters(), Location.key("parameters")).forEach(b::parameter);
        if (settings.getDtype() != DataType.AUTO) {
            b.dtype(settings.getDtype().getLiteral());
        }
        if (settings.getOutDtype() != DataType.AUTO) {
            b.outDtype(settings.getOutDtype().getLiteral());
        }
        if (settings.getTokenizerSource() != null && !settings.getTokenizerSource().isBlank()) {
            b.tokenizerSource(settings.getTokenizerSource());
        }
        if (settings.getChatTemplate() != null && !settings.getChatTemplate().isBlank()) {
            b.chatTemplate(settings.getChatTemplate());
        }
        return b.build();
    }

    private static Map<String, ParameterValue> values(List<MergeParameter> params, Location at)
            throws ConfigException {
        Map<String, ParameterValue> m = new LinkedHashMap<>();
        if (params != null) {
            for (MergeParameter p : params) {
                if (p.getValue() == null) {
                    throw new ConfigException(at.parameter(p.getName()), "parameter '" + p.getName() + "' has no "
                            + "value; give a number, a list of numbers (a gradient over the layers) or true/false");
                }
                m.put(p.getName(), p.getValue());
            }
        }
        return m;
    }

    /**
     * The setting of a Merge node a place in its configuration is: {@code parameters.t},
     * {@code models.chat.weight}, {@code slices}, {@code method}, {@code dtype}…; null for the node as a whole.
     */
    public static String setting(Location l) {
        if (l.parameter().isPresent()) {
            String name = l.parameter().get();
            if (l.slice() >= 0) {
                return "slices";
            }
            return l.model().map(m -> "models." + m + "." + name).orElse("parameters." + name);
        }
        return switch (l.key()) {
            case "" -> null;
            case "merge_method" -> "method";
            case "base_model" -> "base";
            default -> l.key();
        };
    }

    /**
     * The merge planned for writing in {@code outDtype} (empty: as configured), with the recipe written beside the
     * model naming the models' folders.
     */
    public MergePlan planFor(Optional<DataType> outDtype) throws ConfigException, IOException {
        Optional<String> type = outDtype.filter(d -> d != DataType.AUTO).map(DataType::getLiteral);
        return plan().withOutput(type, portableText(outDtype));
    }
}
