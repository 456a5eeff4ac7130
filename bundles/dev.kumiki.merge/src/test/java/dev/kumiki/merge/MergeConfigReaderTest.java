package dev.kumiki.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.kumiki.merge.config.ConfigException;
import dev.kumiki.merge.config.MergeConfig;
import dev.kumiki.merge.config.MergeConfigReader;
import dev.kumiki.merge.config.ParameterSetting;

class MergeConfigReaderTest {
    static final Path FILE = Path.of("merge.yml");

    static MergeConfig parse(String yaml) throws ConfigException {
        return MergeConfigReader.parse(FILE, yaml, w -> { });
    }

    static String error(String yaml) {
        return assertThrows(ConfigException.class, () -> parse(yaml)).getMessage();
    }

    /** mergekit's README slerp example, unchanged. */
    static final String SLERP = """
            slices:
              - sources:
                  - model: psmathur/orca_mini_v3_13b
                    layer_range: [0, 40]
                  - model: garage-bAInd/Platypus2-13B
                    layer_range: [0, 40]
            merge_method: slerp
            base_model: psmathur/orca_mini_v3_13b
            parameters:
              t:
                - filter: self_attn
                  value: [0, 0.5, 0.3, 0.7, 1]
                - filter: mlp
                  value: [1, 0.5, 0.7, 0.3, 0]
                - value: 0.5 # fallback for rest of tensors
            dtype: float16
            """;

    @Test
    void readsMergekitsSlerpExample() throws ConfigException {
        MergeConfig c = parse(SLERP);
        assertEquals("slerp", c.mergeMethod());
        assertEquals("psmathur/orca_mini_v3_13b", c.baseModel().orElseThrow());
        assertEquals(1, c.slices().size());
        assertEquals(40, c.slices().get(0).sources().get(1).layers());
        assertEquals("float16", c.dtype().orElseThrow());
        ParameterSetting t = c.parameters().get("t");
        // layer 10 of 40: t = 10/39; self_attn gradient [0, .5, .3, .7, 1] at 4·10/39 = 1.0256 -> .5 + .0256·(.3-.5)
        double pos = 10 / 39.0;
        double scaled = pos * 4;
        assertEquals(0.5 + (scaled - 1) * (0.3 - 0.5), (Double) t.evaluate("model.layers.10.self_attn.q_proj.weight",
                pos).orElseThrow(), 1e-12);
        assertEquals(1.0, (Double) t.evaluate("model.layers.0.mlp.up_proj.weight", 0).orElseThrow());
        assertEquals(0.5, (Double) t.evaluate("model.norm.weight", 0).orElseThrow(), "the entry without filter");
        assertEquals(List.of("psmathur/orca_mini_v3_13b", "garage-bAInd/Platypus2-13B"), c.referencedModels());
    }

    @Test
    void gradientsFollowMergekitsInterpolation() throws ConfigException {
        MergeConfig c = parse("""
                models:
                  - model: a
                    parameters: {weight: [0, 0.5, 1], density: 0.5}
                merge_method: ties
                base_model: b
                """);
        ParameterSetting w = c.models().get(0).parameters().get("weight");
        // docs/merge-methods.md: 32 layers, weight [0, 0.5, 1], layer 8 -> t = 8/31, value ≈ 0.258
        assertEquals(0.5 * (16 / 31.0), (Double) w.evaluate("x", 8 / 31.0).orElseThrow(), 1e-12);
        assertEquals(1.0, (Double) w.evaluate("x", 1).orElseThrow());
        assertEquals(0.5, (Double) c.models().get(0).parameters().get("density").evaluate("x", 0.7).orElseThrow());
    }

    @Test
    void aFilterListWithoutMatchFallsThrough() throws ConfigException {
        MergeConfig c = parse("""
                models: [a, b]
                merge_method: linear
                parameters:
                  weight:
                    - filter: mlp
                      value: 2
                """);
        ParameterSetting w = c.parameters().get("weight");
        assertEquals(2.0, (Double) w.evaluate("model.layers.0.mlp.up_proj.weight", 0).orElseThrow());
        assertTrue(w.evaluate("model.layers.0.self_attn.q_proj.weight", 0).isEmpty());
    }

    @Test
    void unknownKeysAreWarnedAboutWithTheNearestName() throws ConfigException {
        List<String> warnings = new ArrayList<>();
        MergeConfigReader.parse(FILE, "models: [a]\nmerge_method: linear\nout_dtyp: bfloat16\n", warnings::add);
        assertEquals(List.of("merge.yml:3:1: unknown key 'out_dtyp' in the merge configuration is ignored (did you "
                + "mean 'out_dtype'?)"), warnings);
    }

    @Test
    void mistakesNameTheLineAndColumn() {
        assertEquals("merge.yml:4:13: not valid YAML: while parsing a flow sequence (started at line 3, column 8), "
                + "expected ',' or ']', but got :", error("models:\n  - model: a\n    x: [1, 2\nmerge_method: linear\n"));
        assertEquals("merge.yml: give exactly one of 'models' (merge whole models) or 'slices' (build layers from layer "
                + "ranges); this file has neither", error("merge_method: linear\n"));
        assertEquals("merge.yml: merge_method is missing (e.g. merge_method: slerp)", error("models: [a]\n"));
        assertEquals("merge.yml:4:22: layer_range [8, 4] must have 0 <= FROM < TO", error("""
                slices:
                  - sources:
                      - model: a
                        layer_range: [8, 4]
                merge_method: passthrough
                """));
        assertEquals("merge.yml:5:9: all sources of a slice must have as many layers; the first has 4, this one 6 "
                + "([0, 6])", error("""
                slices:
                  - sources:
                      - model: a
                        layer_range: [0, 4]
                      - model: b
                        layer_range: [0, 6]
                merge_method: slerp
                """));
        assertEquals("merge.yml:2:12: 'a+b+c' has more than one '+'; a reference is MODEL or MODEL+ADAPTER (one "
                + "PEFT adapter applied to one model folder)", error("models:\n  - model: a+b+c\nmerge_method: "
                + "linear\n"));
        assertEquals("merge.yml:2:12: 'base+' names no adapter after the '+'; a reference with an adapter is "
                + "MODEL+ADAPTER (two folder paths)", error("models:\n  - model: base+\nmerge_method: linear\n"));
        assertEquals("merge.yml:2:55: override_architecture is not supported; Kumiki merges models as their "
                + "config.json describes them", error("models:\n  - model: {model: a, lora: b, "
                + "override_architecture: X}\nmerge_method: linear\n"));
        assertEquals("merge.yml:2:40: revision names a Hugging Face Hub revision; Kumiki reads local folders only "
                + "and does not download models", error("models:\n  - model: {model: {path: a, revision: main}}\n"
                + "merge_method: linear\n"));
        assertEquals("merge.yml:2:10: 'modules' (multi-module merges) is not supported yet; merge each module with its "
                + "own configuration", error("merge_method: x\nmodules: {}\n"));
    }

    @Test
    void modelPlusLoraReferencesAreReadInBothOfMergekitsForms() throws ConfigException {
        MergeConfig c = parse("""
                models:
                  - model: base+adapters/chat
                    parameters: {weight: 0.5}
                  - model:
                      model: {path: base}
                      lora: {path: adapters/code}
                    parameters: {weight: 0.5}
                  - model: {model: other, lora: adapters/math}
                base_model: base+adapters/chat
                merge_method: linear
                """);
        assertEquals(List.of("base+adapters/chat", "base+adapters/code", "other+adapters/math"),
                c.models().stream().map(MergeConfig.InputModel::model).toList());
        assertEquals("base+adapters/chat", c.baseModel().orElseThrow());
    }
}
