package dev.kumiki.nodes;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

import dev.kumiki.merge.MergePlan;
import dev.kumiki.merge.MergePlanner;
import dev.kumiki.merge.config.ConfigException;
import dev.kumiki.merge.config.MergeConfig;
import dev.kumiki.merge.config.MergeConfigReader;
import dev.kumiki.nodes.settings.DataType;
import dev.kumiki.nodes.settings.Merge;
import dev.kumiki.nodes.settings.MergeParameter;
import dev.kumiki.nodes.settings.MergeSlice;
import dev.kumiki.nodes.settings.ModelParameters;
import dev.kumiki.nodes.settings.SliceSource;
import dev.kumiki.tensor.io.ModelFolder;

/**
 * A Merge node's settings with its input models: a mergekit recipe. The same recipe is planned with the input
 * nodes' ids as model names (so messages name nodes), and written with the models' folders as paths (for the
 * recipe kept beside the merged model and for ExportMergekitYaml).
 *
 * @param settings the Merge node's settings (a copy, so later edits do not change a running merge)
 * @param models   the folders of the models connected to {@code models}, by node id, in connection order
 * @param base     the node id and folder of the model connected to {@code base}, if any
 * @param baseDir  the pipeline's folder
 */
public record MergeRecipe(Merge settings, Map<String, Path> models, Optional<Map.Entry<String, Path>> base,
                          Path baseDir) {
    public MergeRecipe {
        models = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(models));
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
            m.put(p.getName(), p.getValue() == null ? null : new Yaml().load(p.getValue()));
        }
        return m;
    }

    /** The recipe with absolute folder paths: what mergekit (or kumiki merge) runs anywhere. */
    public String portableText(Optional<DataType> outDtype) {
        Map<String, Path> folders = folders();
        return text(id -> folders.get(id).toString(), outDtype);
    }

    /**
     * Plans the merge from headers. With {@code byNodeId} the models are named by node id (for messages); else by
     * folder (for the files written). Folders opened are put in {@code opened}, which the caller closes.
     */
    public MergePlan plan(boolean byNodeId, Optional<DataType> outDtype, Map<String, ModelFolder> opened)
            throws ConfigException, IOException {
        Map<String, Path> folders = folders();
        Function<String, String> name = byNodeId ? id -> id : id -> folders.get(id).toString();
        for (Map.Entry<String, Path> m : folders.entrySet()) {
            String key = name.apply(m.getKey());
            if (!opened.containsKey(key)) {
                opened.put(key, ModelFolder.open(m.getValue()));
            }
        }
        MergeConfig config = MergeConfigReader.parse(baseDir.resolve("mergekit_config.yml"),
                text(name, outDtype), w -> { });
        return MergePlanner.plan(config, opened);
    }

    /** A planner message without its place in the generated recipe (which users never see). */
    static String problem(ConfigException e) {
        return e.getMessage().replaceFirst("^\\S*mergekit_config\\.yml(:\\d+:\\d+)?: ", "");
    }
}
