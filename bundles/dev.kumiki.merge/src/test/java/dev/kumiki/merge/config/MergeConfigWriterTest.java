package dev.kumiki.merge.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.kumiki.merge.MergeMethods;

/** A typed recipe written as mergekit YAML reads back to the same recipe, and equals the YAML written by hand. */
class MergeConfigWriterTest {
    private static final Path DIR = Path.of("/models");

    private static MergeConfig read(String yaml) throws ConfigException {
        List<String> warnings = new ArrayList<>();
        MergeConfig c = MergeConfigReader.parse(DIR.resolve("recipe.yml"), yaml, warnings::add);
        assertEquals(List.of(), warnings);
        return c;
    }

    @Test
    void wholeModelsRoundTripAndMatchTheHandWrittenYaml() throws ConfigException {
        Map<String, ParameterValue> ja = new LinkedHashMap<>();
        ja.put("weight", ParameterValue.of(0.25));
        ja.put("density", ParameterValue.gradient(0.2, 0.7, 1));
        MergeConfig built = MergeConfig.builder().method(MergeMethods.TIES).base("base", DIR.resolve("base"))
                .add("ja", DIR.resolve("ja"), ja)
                .add("math", DIR.resolve("math"), Map.of("weight", ParameterValue.valueOf(
                        "[{filter: mlp, value: 0.5}, {value: 0.001}]")))
                .parameter("normalize", ParameterValue.of(true)).dtype("bfloat16").tokenizerSource("base")
                .chatTemplate("{% for m in messages %}{{ m['content'] }}: {% endfor %}").build();
        String yaml = MergeConfigWriter.write(built);
        assertEquals("""
                merge_method: ties
                base_model: /models/base
                models:
                  - model: /models/ja
                    parameters:
                      weight: 0.25
                      density: [0.2, 0.7, 1]
                  - model: /models/math
                    parameters:
                      weight: [{filter: mlp, value: 0.5}, {value: 0.001}]
                parameters:
                  normalize: true
                dtype: bfloat16
                tokenizer_source: base
                chat_template: '{% for m in messages %}{{ m[''content''] }}: {% endfor %}'
                """, yaml);
        MergeConfig back = read(yaml);
        assertTrue(back.sameRecipe(built));
        assertTrue(built.sameRecipe(back));
        // relative references in a file resolve against its folder: the same recipe
        MergeConfig hand = read("""
                merge_method: ties
                base_model: base
                models:
                  - model: ja
                    parameters: {weight: 0.25, density: [0.2, 0.7, 1.0]}
                  - model: math
                    parameters:
                      weight:
                        - filter: mlp
                          value: 0.5
                        - value: 1.0e-3
                parameters: {normalize: true}
                dtype: bfloat16
                tokenizer_source: base
                chat_template: "{% for m in messages %}{{ m['content'] }}: {% endfor %}"
                """);
        assertTrue(hand.sameRecipe(built));
    }

    @Test
    void slicesRoundTrip() throws ConfigException {
        MergeConfig built = MergeConfig.builder().method(MergeMethods.DARE_TIES).base("base", DIR.resolve("base"))
                .folder("ja", DIR.resolve("ja"))
                .slice(List.of(new MergeConfig.Builder.Source("ja", 0, 2, Map.of("weight", ParameterValue.of(-0.5))),
                        new MergeConfig.Builder.Source("base", 0, 2, Map.of())), Map.of("lambda",
                                ParameterValue.of(1.5)))
                .slice(List.of(new MergeConfig.Builder.Source("ja", 2, 4, Map.of("weight", ParameterValue.of(3))),
                        new MergeConfig.Builder.Source("base", 2, 4, Map.of())), Map.of())
                .build();
        String yaml = MergeConfigWriter.write(built, name -> name);
        assertEquals("""
                merge_method: dare_ties
                base_model: base
                slices:
                  - sources:
                      - model: ja
                        layer_range: [0, 2]
                        parameters:
                          weight: -0.5
                      - model: base
                        layer_range: [0, 2]
                    parameters:
                      lambda: 1.5
                  - sources:
                      - model: ja
                        layer_range: [2, 4]
                        parameters:
                          weight: 3
                      - model: base
                        layer_range: [2, 4]
                """, yaml);
        assertTrue(read(yaml).sameRecipe(built));
    }

    @Test
    void differentRecipesDiffer() throws ConfigException {
        MergeConfig a = read("merge_method: linear\nmodels:\n  - model: a\n    parameters: {weight: 0.5}\n"
                + "  - model: b\n    parameters: {weight: 0.5}\n");
        assertTrue(a.sameRecipe(read(MergeConfigWriter.write(a))));
        assertFalse(a.sameRecipe(read("merge_method: linear\nmodels:\n  - model: a\n    parameters: {weight: 0.5}\n"
                + "  - model: b\n    parameters: {weight: 0.50001}\n")));
        assertFalse(a.sameRecipe(read("merge_method: linear\nmodels:\n  - model: a\n    parameters: {weight: 0.5}\n"
                + "  - model: c\n    parameters: {weight: 0.5}\n")));
        assertFalse(a.sameRecipe(read("merge_method: linear\nmodels:\n  - model: a\n    parameters: {weight: 0.5}\n"
                + "  - model: b\n    parameters: {weight: 0.5}\ndtype: float32\n")));
        assertEquals(Optional.empty(), a.dtype());
    }
}
