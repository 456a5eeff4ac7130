package dev.kumiki.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kumiki.merge.config.ConfigException;
import dev.kumiki.merge.config.MergeConfigReader;
import dev.kumiki.tensor.TensorInfo;
import dev.kumiki.tensor.io.ModelFolder;
import dev.kumiki.tensor.io.ModelWriter;
import dev.kumiki.tensor.io.SyntheticModel;

/** What the planner (and so --dry-run) finds from headers alone, by message. */
class MergePlannerTest {
    @TempDir
    static Path dir;

    @BeforeAll
    static void models() throws IOException {
        SyntheticModel.llama().variant(0).write(dir.resolve("base"));
        SyntheticModel.llama().variant(1).write(dir.resolve("a"));
        SyntheticModel.llama().hidden(32).variant(2).write(dir.resolve("wide"));
        SyntheticModel.llama().vocab(48).variant(3).write(dir.resolve("bigvocab"));
        // a model that lost its final norm
        try (ModelFolder a = ModelFolder.open(dir.resolve("a"))) {
            List<TensorInfo> kept = a.names().stream().filter(n -> !n.equals("model.norm.weight"))
                    .map(n -> a.info(n).orElseThrow()).toList();
            try (ModelWriter w = ModelWriter.create(dir.resolve("nonorm"), kept, ModelWriter.DEFAULT_SHARD_BYTES,
                    Map.of())) {
                for (TensorInfo t : kept) {
                    w.write(t.name(), 0, a.tensor(t.name()).data());
                }
                w.commit();
            }
            Files.copy(dir.resolve("a/config.json"), dir.resolve("nonorm/config.json"));
        }
    }

    static String planError(String yaml) throws IOException {
        Path cfg = Files.writeString(dir.resolve("m.yml"), yaml);
        Map<String, ModelFolder> models = new HashMap<>();
        try {
            return assertThrows(ConfigException.class,
                    () -> MergePlanner.plan(MergeConfigReader.read(cfg, w -> { }), models)).getMessage()
                    .replace(dir.toString(), "DIR");
        } finally {
            models.values().forEach(ModelFolder::close);
        }
    }

    @Test
    void aMissingTensorIsNamedWhicheverModelLacksIt() throws IOException {
        assertEquals("DIR/m.yml:3:5: model 'nonorm' has no tensor 'model.norm.weight' (needed for model.norm.weight)",
                planError("models:\n  - model: a\n  - model: nonorm\nmerge_method: linear\n"
                        + "parameters: {weight: 0.5}\n"));
        assertEquals("DIR/m.yml:2:5: model 'nonorm' has no tensor 'model.norm.weight' (needed for model.norm.weight; "
                + "model 'a' has it)", planError("models:\n  - model: nonorm\n  - model: a\nmerge_method: linear\n"
                        + "parameters: {weight: 0.5}\n"));
    }

    @Test
    void differentSizesAreNamedWithTheShapes() throws IOException {
        assertEquals("DIR/m.yml:3:5: tensor 'model.embed_tokens.weight' of model 'wide' is [40, 32] but "
                + "'model.embed_tokens.weight' of 'a' is [40, 16]; models merged together need the same architecture "
                + "and sizes", planError("models:\n  - model: a\n  - model: wide\nmerge_method: linear\n"
                        + "parameters: {weight: 0.5}\n"));
        assertEquals("DIR/m.yml:5:9: tensor 'model.embed_tokens.weight' of model 'bigvocab' is [48, 16] but "
                + "'model.embed_tokens.weight' of 'a' is [40, 16]; the vocabularies differ and passthrough cannot "
                + "merge them", planError("slices:\n  - sources:\n      - model: a\n        layer_range: [0, 2]\n"
                        + "      - model: bigvocab\n        layer_range: [0, 2]\nmerge_method: passthrough\n"));
    }

    @Test
    void differentVocabularySizesMergeTheirCommonRowsWithAWarning() throws Exception {
        Path cfg = Files.writeString(dir.resolve("m.yml"), "models:\n  - model: bigvocab\n  - model: a\n"
                + "merge_method: linear\nparameters: {weight: 0.5}\n");
        Map<String, ModelFolder> models = new HashMap<>();
        try {
            MergePlan plan = MergePlanner.plan(MergeConfigReader.read(cfg, w -> { }), models);
            assertEquals("[40, 16]", plan.tensors().stream().filter(t -> t.output().equals("model.embed_tokens.weight"))
                    .findFirst().orElseThrow().shape().toString());
            assertEquals(List.of("model.embed_tokens.weight: the models' vocabularies differ in size; using their "
                    + "common first 40 rows as mergekit does (set tokenizer_source: base, union or a model to keep "
                    + "every token)", "lm_head.weight: the models' vocabularies differ in size; using their common "
                    + "first 40 rows as mergekit does (set tokenizer_source: base, union or a model to keep every "
                    + "token)"), plan.warnings());
        } finally {
            models.values().forEach(ModelFolder::close);
        }
    }

    @Test
    void taskVectorsAreCutToTheBaseRowsAndCannotBeShorter() throws Exception {
        Path cfg = Files.writeString(dir.resolve("m.yml"), "models:\n  - model: bigvocab\n    parameters: {weight: 1}\n"
                + "merge_method: task_arithmetic\nbase_model: a\n");
        Map<String, ModelFolder> models = new HashMap<>();
        try {
            MergePlan plan = MergePlanner.plan(MergeConfigReader.read(cfg, w -> { }), models);
            assertEquals("[40, 16]", plan.tensors().stream().filter(t -> t.output().equals("lm_head.weight"))
                    .findFirst().orElseThrow().shape().toString());
            assertEquals("model.embed_tokens.weight: the models' vocabularies differ in size; using the base model's 40 "
                    + "rows as mergekit does (set tokenizer_source: base, union or a model to keep every token)",
                    plan.warnings().get(0));
        } finally {
            models.values().forEach(ModelFolder::close);
        }
        assertEquals("DIR/m.yml:2:3: model.embed_tokens.weight of model 'a' has 40 rows, fewer than the 48 of base model "
                + "'bigvocab'; ties cannot subtract them without tokenizer_source: set tokenizer_source: base, union or "
                + "a model", planError("models:\n  - model: a\n    parameters: {weight: 1, density: 0.5}\n"
                        + "merge_method: ties\nbase_model: bigvocab\n"));
    }

    @Test
    void requiredParametersAndTheirRangesAreChecked() throws IOException {
        assertEquals("DIR/m.yml:2:5: ties needs parameter 'weight' (the task vector's weight) for model 'a' for "
                + "tensor model.embed_tokens.weight", planError("models:\n  - model: a\nmerge_method: ties\n"
                        + "base_model: base\n"));
        assertEquals("DIR/m.yml:2:3: della, tensor model.embed_tokens.weight: della needs 0 < density ± epsilon < 1, "
                + "got density 0.9 and epsilon 0.15 for model 1", planError("""
                models:
                  - model: a
                    parameters: {weight: 1, density: 0.9}
                merge_method: della
                base_model: base
                """));
        assertEquals("DIR/m.yml:3:15: ties merges deltas from a base model; add base_model: PATH",
                planError("models:\n  - model: a\nmerge_method: ties\n"));
    }
}
