package dev.kumiki.merge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.kumiki.merge.config.MergeConfigReader;
import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.MappedTensor;
import dev.kumiki.tensor.io.ModelFolder;
import dev.kumiki.tensor.io.SyntheticModel;
import dev.kumiki.tensor.kernel.Kernels;

/**
 * tokenizer_source: models with different vocabularies merged onto one, each embedding re-indexed as mergekit's
 * PermutedEmbeddings does (a token missing from a model takes the only model's row that has it, else the base's).
 */
class TokenizerSourceTest {
    @TempDir
    static Path dir;

    static final List<String> A = List.of("<s>", "</s>", "a", "b", "c", "d");
    static final List<String> B = List.of("<s>", "</s>", "a", "b", "e");

    @BeforeAll
    static void models() throws IOException {
        SyntheticModel.llama().tokens(A).dtype(DType.F32).variant(1).write(dir.resolve("A"));
        SyntheticModel.llama().tokens(B).dtype(DType.F32).variant(2).write(dir.resolve("B"));
    }

    static float[] row(Path model, String tensor, int row) throws IOException {
        try (ModelFolder m = ModelFolder.open(model)) {
            MappedTensor t = m.tensor(tensor);
            int width = (int) t.info().shape().dim(1);
            float[] v = new float[width];
            Kernels.scalar().load(t.data(), t.info().dtype(), (long) row * width, v, 0, width);
            return v;
        }
    }

    static Path merge(String name, String yaml) throws Exception {
        Path cfg = Files.writeString(dir.resolve(name + ".yml"), yaml);
        Map<String, ModelFolder> models = new HashMap<>();
        Path out = dir.resolve(name);
        try {
            MergePlan plan = MergePlanner.plan(MergeConfigReader.read(cfg, w -> { }), models);
            Merger.builder(plan, models).kernels(Kernels.scalar()).build().run(out);
        } finally {
            models.values().forEach(ModelFolder::close);
        }
        return out;
    }

    @Test
    void unionAppendsTheMissingTokensAndEveryTokenKeepsItsEmbedding() throws Exception {
        Path out = merge("union", """
                models:
                  - model: A
                    parameters: {weight: 0.5}
                  - model: B
                    parameters: {weight: 0.5}
                merge_method: linear
                tokenizer_source: union
                """);
        JsonNode tokenizer = new ObjectMapper().readTree(out.resolve("tokenizer.json").toFile());
        assertEquals(5, tokenizer.get("model").get("vocab").get("d").asInt(), "A's tokens keep their ids");
        JsonNode added = tokenizer.get("added_tokens");
        assertEquals("e", added.get(added.size() - 1).get("content").asText());
        assertEquals(6, added.get(added.size() - 1).get("id").asInt(), "B's token is appended");
        try (ModelFolder m = ModelFolder.open(out)) {
            assertEquals(7, m.config().orElseThrow().vocabSize().getAsInt());
            assertEquals(7, m.info("model.embed_tokens.weight").orElseThrow().shape().dim(0));
        }
        for (String tensor : new String[] {"model.embed_tokens.weight", "lm_head.weight"}) {
            float[] a = row(dir.resolve("A"), tensor, 2);
            float[] b = row(dir.resolve("B"), tensor, 2);
            float[] merged = row(out, tensor, 2);
            for (int j = 0; j < a.length; j++) {
                assertEquals(0.5f * a[j] + 0.5f * b[j], merged[j], 1e-6f, tensor + " 'a' is in both: averaged");
            }
            assertArrayEquals(row(dir.resolve("A"), tensor, 4), row(out, tensor, 4), tensor + " 'c' is A's alone");
            assertArrayEquals(row(dir.resolve("B"), tensor, 4), row(out, tensor, 6), tensor + " 'e' is B's alone");
        }
    }

    @Test
    void aModelsVocabularyReindexesTheOthers() throws Exception {
        Path out = merge("onto-b", """
                models:
                  - model: A
                    parameters: {weight: 0.5}
                  - model: B
                    parameters: {weight: 0.5}
                merge_method: linear
                tokenizer_source: B
                """);
        assertEquals(Files.readString(dir.resolve("B/tokenizer.json")), Files.readString(out.resolve("tokenizer.json")));
        try (ModelFolder m = ModelFolder.open(out)) {
            assertEquals(5, m.info("model.embed_tokens.weight").orElseThrow().shape().dim(0));
        }
        // 'e' (B's id 4) is not in A: A's re-indexed row is B's, so the average is B's row
        assertArrayEquals(row(dir.resolve("B"), "model.embed_tokens.weight", 4),
                row(out, "model.embed_tokens.weight", 4));
    }

    @Test
    void withABaseTheBaseRowWinsForSharedTokensAndMissingOnesAddNoChange() throws Exception {
        Path out = merge("ties-base", """
                models:
                  - model: B
                    parameters: {weight: 1.0, density: 1.0}
                merge_method: task_arithmetic
                base_model: A
                tokenizer_source: base
                """);
        // 'c' is only in the base: B's re-indexed row is the base's, its delta zero, the result the base's row
        assertArrayEquals(row(dir.resolve("A"), "model.embed_tokens.weight", 4),
                row(out, "model.embed_tokens.weight", 4));
        // 'a' is in both: base + 1.0 · (B − base) = B's row
        float[] b = row(dir.resolve("B"), "model.embed_tokens.weight", 2);
        float[] merged = row(out, "model.embed_tokens.weight", 2);
        for (int j = 0; j < b.length; j++) {
            assertEquals(b[j], merged[j], 1e-6f);
        }
    }

    @Test
    void withoutTokenizerSourceTheCommonRowsAreMergedAsMergekitDoes() throws Exception {
        Path out = merge("common", """
                models:
                  - model: A
                    parameters: {weight: 0.25}
                  - model: B
                    parameters: {weight: 0.75}
                merge_method: linear
                """);
        try (ModelFolder m = ModelFolder.open(out)) {
            assertEquals("[5, 16]", m.info("model.embed_tokens.weight").orElseThrow().shape().toString());
            assertEquals("[5, 16]", m.info("lm_head.weight").orElseThrow().shape().toString());
        }
        assertEquals(5, new ObjectMapper().readTree(out.resolve("config.json").toFile()).get("vocab_size").asInt());
        for (String tensor : List.of("model.embed_tokens.weight", "lm_head.weight")) {
            for (int r = 0; r < B.size(); r++) {
                float[] a = row(dir.resolve("A"), tensor, r);
                float[] b = row(dir.resolve("B"), tensor, r);
                float[] expected = new float[a.length];
                for (int j = 0; j < a.length; j++) {
                    expected[j] = 0.25f * a[j] + 0.75f * b[j];
                }
                assertArrayEquals(expected, row(out, tensor, r), 1e-6f, tensor + " row " + r);
            }
        }
    }
}
