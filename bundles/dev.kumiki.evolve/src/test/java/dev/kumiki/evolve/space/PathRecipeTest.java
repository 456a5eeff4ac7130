package dev.kumiki.evolve.space;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kumiki.llm.runtime.LayerPath;

/** The layer-path YAML: written, read back to the same recipe, and refused with the file, line and key. */
class PathRecipeTest {
    @TempDir
    Path tmp;

    private PathRecipe recipe() {
        return new PathRecipe(List.of(PathRecipe.Model.folder("ja", tmp.resolve("models/ja")),
                PathRecipe.Model.folder("math 2", Path.of("/models/math")),
                PathRecipe.Model.merge("merge", "merge_method: ties\nbase_model: base\n\nmodels:\n  - model: a\n")),
                List.of(new PathRecipe.Step("ja", 0, 1), new PathRecipe.Step("math 2", 3, 0.875),
                        new PathRecipe.Step("merge", 1, 1.2), new PathRecipe.Step("ja", 1, 1)));
    }

    @Test
    void aRecipeIsWrittenAsDocumentedAndReadBackTheSame() throws Exception {
        PathRecipe r = recipe();
        String yaml = r.toYaml();
        assertTrue(yaml.startsWith("# Kumiki layer path"), yaml);
        assertTrue(yaml.contains("""
                kind: layer-path
                models:
                  - name: ja
                    folder: "%s"
                  - name: "math 2"
                    folder: "/models/math"
                  - name: merge
                    merge: |
                      merge_method: ties
                      base_model: base

                      models:
                        - model: a
                steps:
                  - {model: ja, layer: 0}
                  - {model: "math 2", layer: 3, scale: 0.875}
                  - {model: merge, layer: 1, scale: 1.2}
                  - {model: ja, layer: 1}
                """.formatted(tmp.resolve("models/ja"))), yaml);
        Path file = tmp.resolve("out/best.yml");
        r.write(file);
        assertEquals(yaml, Files.readString(file));
        try (var files = Files.list(file.getParent())) {
            assertEquals(List.of(file), files.toList(), "no temporary file left");
        }
        PathRecipe back = PathRecipe.read(file);
        // the merge's text loses only its trailing newline, as a literal block keeps one
        assertEquals(r.models().get(0), back.models().get(0));
        assertEquals(r.models().get(1), back.models().get(1));
        assertEquals(r.models().get(2).merge().get().strip(), back.models().get(2).merge().get().strip());
        assertEquals(r.steps(), back.steps());
        assertEquals(yaml, back.toYaml());
        assertTrue(PathRecipe.isPathRecipe(file));
        assertEquals(new LayerPath(3, List.of(LayerPath.Step.of(0, 0), new LayerPath.Step(1, 3, 0.875),
                new LayerPath.Step(2, 1, 1.2), LayerPath.Step.of(0, 1))), back.toLayerPath());
    }

    @Test
    void relativeFoldersAreReadFromTheFilesFolderAndMergekitRecipesAreNotPaths() throws Exception {
        Path file = Files.writeString(tmp.resolve("path.yml"), """
                kind: layer-path
                models:
                  - {name: a, folder: models/a}
                  - {name: b, folder: ../b}
                steps:
                  - {model: a, layer: 2}
                  - {model: b, layer: 0, scale: 0.5}
                """);
        PathRecipe r = PathRecipe.read(file);
        assertEquals(tmp.resolve("models/a"), r.models().get(0).folder().get());
        assertEquals(tmp.getParent().resolve("b"), r.models().get(1).folder().get());
        Path mergekit = Files.writeString(tmp.resolve("ties.yml"), "merge_method: ties\nmodels:\n  - model: a\n");
        assertFalse(PathRecipe.isPathRecipe(mergekit));
        assertFalse(PathRecipe.isPathRecipe(tmp.resolve("missing.yml")));
    }

    private String error(String yaml) throws Exception {
        Path file = Files.writeString(tmp.resolve("bad.yml"), yaml);
        return assertThrows(PathRecipe.InvalidPathRecipeException.class, () -> PathRecipe.read(file)).getMessage();
    }

    @Test
    void mistakesAreRefusedWithTheLineAndWhatToWrite() throws Exception {
        String f = tmp.resolve("bad.yml").toString();
        assertEquals(f + ":4:13: step names model 'mth', which is not among the models (ja, math); did you mean "
                + "'math'?", error("""
                kind: layer-path
                models: [{name: ja, folder: a}, {name: math, folder: b}]
                steps:
                  - {model: mth, layer: 0}
                """));
        assertEquals(f + ":4:34: scale must be a number (what the hidden state is multiplied by before the layer), "
                + "found 'big'", error("""
                kind: layer-path
                models: [{name: ja, folder: a}]
                steps:
                  - {model: ja, layer: 0, scale: big}
                """));
        assertEquals(f + ":4:24: layer must be a whole number >= 0 (the layer's index in model 'ja'), found '-1'",
                error("""
                kind: layer-path
                models: [{name: ja, folder: a}]
                steps:
                  - {model: ja, layer: -1}
                """));
        assertEquals(f + ":1:1: has no 'kind: layer-path'; is this a mergekit recipe rather than a layer path?",
                error("""
                models: [{name: ja, folder: a}]
                steps: [{model: ja, layer: 0}]
                """));
        assertEquals(f + ":2:10: model 'ja' needs either 'folder' (a model folder) or 'merge' (a mergekit recipe "
                + "computed in memory), found neither", error("""
                kind: layer-path
                models: [{name: ja}]
                steps: [{model: ja, layer: 0}]
                """));
        assertEquals(f + ":3:8: steps must be a list of at least one {model, layer, scale} entry, found a list",
                error("""
                kind: layer-path
                models: [{name: ja, folder: a}]
                steps: []
                """));
        assertEquals(f + ":2:32: a model entry has no key 'fodler' (did you mean 'folder'?); its keys are name, "
                + "folder, merge", error("""
                kind: layer-path
                models: [{name: ja, folder: a, fodler: b}]
                steps: [{model: ja, layer: 0}]
                """));
    }
}
