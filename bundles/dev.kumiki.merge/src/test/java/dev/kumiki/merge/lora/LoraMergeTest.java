package dev.kumiki.merge.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kumiki.merge.MergePlan;
import dev.kumiki.merge.MergePlanner;
import dev.kumiki.merge.Merger;
import dev.kumiki.merge.config.ConfigException;
import dev.kumiki.merge.config.MergeConfig;
import dev.kumiki.merge.config.MergeConfigReader;
import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.io.ModelFolder;
import dev.kumiki.tensor.io.SyntheticModel;

/** mergekit's model+lora references in a merge, run as {@code kumiki merge} runs one (read, plan, merge). */
class LoraMergeTest {
    @TempDir
    Path work;

    private Path cache;

    private static final Map<String, int[]> MODULES = Map.of(
            "model.layers.0.self_attn.q_proj", new int[] {16, 16},
            "model.layers.1.mlp.down_proj", new int[] {24, 16});

    @BeforeEach
    void cacheInWork() {
        cache = work.resolve("lora-cache");
        System.setProperty(LoraCache.PROPERTY, cache.toString());
    }

    @AfterEach
    void noCache() {
        System.clearProperty(LoraCache.PROPERTY);
    }

    /** Merges {@code yaml} (written as work/NAME.yml) into work/NAME-out as kumiki merge does. */
    private Path merge(String name, String yaml) throws IOException, ConfigException {
        Path file = Files.writeString(work.resolve(name + ".yml"), yaml);
        MergeConfig config = MergeConfigReader.read(file, w -> { });
        Map<String, ModelFolder> models = new HashMap<>();
        try {
            MergePlan plan = MergePlanner.plan(config, models);
            Path out = work.resolve(name + "-out");
            Merger.builder(plan, models).threads(2).build().run(out);
            return out;
        } finally {
            models.values().forEach(ModelFolder::close);
        }
    }

    private static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aLinearMergeWithModelPlusLoraEqualsTheMergeOfThePreAppliedFolder() throws Exception {
        for (DType type : List.of(DType.F32, DType.BF16)) {
            Path models = Files.createDirectories(work.resolve("models-" + type));
            SyntheticModel.llama().dtype(type).write(models.resolve("base"));
            SyntheticModel.llama().dtype(type).variant(1).write(models.resolve("other"));
            Path adapter = AdaptedModelTest.adapter(models, "chat-adapter", 4, 8, type == DType.BF16, "BF16", 5,
                    MODULES);
            List<String> baseFiles = listing(models.resolve("base"));
            List<String> adapterFiles = listing(adapter);
            try (AdaptedModel applied = AdaptedModel.open(models.resolve("base"), adapter)) {
                applied.write(models.resolve("pre-applied"));
            }
            String dir = "models-" + type + "/";
            Path withLora = merge("lora-" + type, "models:\n  - model: " + dir + "base+" + dir + "chat-adapter\n"
                    + "    parameters: {weight: 0.7}\n  - model: " + dir + "other\n    parameters: {weight: 0.3}\n"
                    + "merge_method: linear\n");
            Path preApplied = merge("pre-" + type, "models:\n  - model: " + dir + "pre-applied\n"
                    + "    parameters: {weight: 0.7}\n  - model: " + dir + "other\n    parameters: {weight: 0.3}\n"
                    + "merge_method: linear\n");
            try (ModelFolder a = ModelFolder.open(withLora); ModelFolder b = ModelFolder.open(preApplied);
                    ModelFolder plain = ModelFolder.open(models.resolve("base"))) {
                assertEquals(b.names(), a.names());
                for (String name : a.names()) {
                    assertArrayEquals(b.tensor(name).data().toArray(ValueLayout.JAVA_BYTE),
                            a.tensor(name).data().toArray(ValueLayout.JAVA_BYTE), type + " " + name);
                    assertEquals(type, a.info(name).orElseThrow().dtype());
                }
            }
            // the applied copy lives in the cache, nothing was written beside the inputs
            assertEquals(baseFiles, listing(models.resolve("base")));
            assertEquals(adapterFiles, listing(adapter));
            assertTrue(listing(cache).stream().anyMatch(f -> f.startsWith("base+chat-adapter-")), listing(cache)
                    .toString());
        }
        long copies = listing(cache).stream().filter(f -> !f.startsWith(".")).count();
        assertEquals(2, copies, "one copy per (model, adapter): " + listing(cache));
    }

    @Test
    void theCacheIsReusedAndTheMappingFormIsTheSameReference() throws Exception {
        SyntheticModel.llama().dtype(DType.F32).write(work.resolve("base"));
        SyntheticModel.llama().dtype(DType.F32).variant(2).write(work.resolve("other"));
        AdaptedModelTest.adapter(work, "adapter", 2, 4, false, "F32", 3, MODULES);
        Path first = merge("first", "models:\n  - model: base+adapter\n  - model: other\nmerge_method: linear\n"
                + "parameters: {weight: 0.5}\n");
        Path copy;
        try (Stream<Path> s = Files.list(cache)) {
            copy = s.filter(p -> !p.getFileName().toString().startsWith(".")).findFirst().orElseThrow();
        }
        var written = Files.getLastModifiedTime(copy.resolve("model.safetensors"));
        Path second = merge("second", "models:\n  - model: {model: {path: base}, lora: adapter}\n  - model: other\n"
                + "merge_method: linear\nparameters: {weight: 0.5}\n");
        assertEquals(written, Files.getLastModifiedTime(copy.resolve("model.safetensors")), "the copy was reused");
        assertArrayEquals(Files.readAllBytes(first.resolve("model.safetensors")),
                Files.readAllBytes(second.resolve("model.safetensors")));
        assertTrue(Files.readString(first.resolve("README.md")).contains("base+adapter"));
    }

    @Test
    void mistakesAreNamedWithTheirPlaceInTheRecipe() throws Exception {
        SyntheticModel.llama().dtype(DType.F32).write(work.resolve("base"));
        AdaptedModelTest.adapter(work, "typo", 2, 4, false, "F32", 3,
                Map.of("model.layers.0.self_attn.o_projx", new int[] {16, 16}));
        String message = assertThrows(ConfigException.class, () -> merge("typo", "models:\n  - model: base+typo\n"
                + "merge_method: linear\n")).getMessage();
        assertTrue(message.startsWith(work.resolve("typo.yml") + ":2:5: 'base+typo': the adapter "), message);
        assertTrue(message.contains("did you mean model.layers.0.self_attn.o_proj?"), message);
        message = assertThrows(ConfigException.class, () -> merge("missing", "models:\n  - model: base+nowhere\n"
                + "merge_method: linear\n")).getMessage();
        assertTrue(message.contains("adapter 'nowhere' of 'base+nowhere' is not a folder here"), message);
        assertTrue(!Files.exists(cache) || listing(cache).stream().noneMatch(f -> !f.startsWith(".")),
                "nothing was computed for a refused adapter");
    }

    @Test
    void aMergeNeverWritesIntoTheModelOrTheAdapterOfAReference() throws Exception {
        SyntheticModel.llama().dtype(DType.F32).write(work.resolve("base"));
        AdaptedModelTest.adapter(work, "adapter", 2, 4, false, "F32", 3, MODULES);
        Path file = Files.writeString(work.resolve("m.yml"), "models:\n  - model: base+adapter\n"
                + "parameters: {weight: 1}\nmerge_method: linear\n");
        Map<String, ModelFolder> models = new HashMap<>();
        try {
            MergePlan plan = MergePlanner.plan(MergeConfigReader.read(file, w -> { }), models);
            assertTrue(plan.inputFolders().contains(work.resolve("base")), plan.inputFolders().toString());
            assertTrue(plan.inputFolders().contains(work.resolve("adapter")), plan.inputFolders().toString());
            for (String target : List.of("base", "adapter")) {
                String message = assertThrows(IllegalArgumentException.class, () -> Merger.builder(plan, models)
                        .build().run(work.resolve(target))).getMessage();
                assertTrue(message.contains("is also an input"), message);
            }
        } finally {
            models.values().forEach(ModelFolder::close);
        }
    }
}
