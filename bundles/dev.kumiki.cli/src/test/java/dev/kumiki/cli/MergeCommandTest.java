package dev.kumiki.cli;

import static dev.kumiki.cli.Cli.kumiki;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kumiki.tensor.io.ModelFolder;
import dev.kumiki.tensor.io.SyntheticModel;

/** {@code kumiki merge} as a user runs it: mergekit YAML in, a Hugging Face folder out, clear errors. */
class MergeCommandTest {
    @TempDir
    static Path dir;


    @BeforeAll
    static void models() throws IOException {
        SyntheticModel.llama().layers(2).variant(0).write(dir.resolve("base"));
        SyntheticModel.llama().layers(2).variant(1).write(dir.resolve("a"));
        SyntheticModel.llama().layers(2).variant(2).write(dir.resolve("b"));
    }

    static Path config(String name, String yaml) throws IOException {
        return Files.writeString(dir.resolve(name), yaml);
    }

    static final String TIES = """
            models:
              - model: a
                parameters: {weight: 0.5, density: 0.5}
              - model: b
                parameters: {weight: 0.5, density: 0.7}
            merge_method: ties
            base_model: base
            dtype: bfloat16
            """;

    @Test
    void mergesAndWritesAHuggingFaceFolder() throws IOException {
        Path cfg = config("ties.yml", TIES);
        Path out = dir.resolve("merged");
        Cli.Result r = kumiki("merge", cfg.toString(), out.toString(), "--shard-size", "2KB");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("Method   ties"), r.out());
        assertTrue(r.out().contains("Merged 21 tensors"), r.out());
        try (Stream<Path> files = Files.list(out)) {
            List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
            assertTrue(names.contains("model.safetensors.index.json"), names.toString());
            assertTrue(names.containsAll(List.of("config.json", "README.md", "mergekit_config.yml",
                    "tokenizer_config.json")), names.toString());
            assertFalse(names.stream().anyMatch(n -> n.endsWith(".partial")), names.toString());
        }
        assertEquals(TIES, Files.readString(out.resolve("mergekit_config.yml")), "the recipe, unchanged");
        assertTrue(Files.readString(out.resolve("README.md")).contains("base_model: base"));
        try (ModelFolder m = ModelFolder.open(out)) {
            assertEquals(21, m.names().size());
            assertEquals("bfloat16", m.config().orElseThrow().torchDtype().orElseThrow());
        }
    }

    @Test
    void dryRunChecksAndPrintsThePlanWithoutWriting() throws IOException {
        Path cfg = config("ties-dry.yml", TIES);
        Cli.Result r = kumiki("merge", "--dry-run", cfg.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("model.layers.1.mlp.up_proj.weight [24, 16] BF16 <- base (base), a, b normalize=true "
                + "rescale=false lambda=1 int8_mask=false weight=[0.5, 0.5] density=[0.5, 0.7]\n"), r.out());
        assertTrue(r.out().contains("Dry run: the configuration and the models agree; nothing was written."));
    }

    @Test
    void mistakesAreUsageErrorsNamingThePlace() throws IOException {
        Cli.Result r = kumiki("merge", "--dry-run", config("typo.yml", TIES.replace("ties", "tise")).toString());
        assertEquals(2, r.code());
        assertEquals("kumiki merge: " + dir.resolve("typo.yml") + ":6:15: unknown merge_method 'tise'; did you mean "
                + "'ties'? (Kumiki has linear, slerp, nuslerp, task_arithmetic, ties, dare_ties, dare_linear, "
                + "breadcrumbs, breadcrumbs_ties, della, della_linear, model_stock, sce, passthrough)\n", r.err());

        r = kumiki("merge", "--dry-run", config("missing.yml", TIES.replace("- model: b", "- model: c")).toString());
        assertEquals(2, r.code());
        assertEquals("kumiki merge: " + dir.resolve("missing.yml") + ":4:5: model 'c' is not a folder here ("
                + dir.resolve("c") + "); Kumiki reads local Hugging Face model folders and does not download models\n",
                r.err());

        r = kumiki("merge", "--dry-run", config("range.yml", """
                slices:
                  - sources:
                      - model: a
                        layer_range: [0, 3]
                merge_method: passthrough
                """).toString());
        assertEquals(2, r.code());
        assertEquals("kumiki merge: " + dir.resolve("range.yml") + ":3:9: layer_range [0, 3] goes beyond the 2 layers of "
                + "model 'a'\n", r.err());

        r = kumiki("merge", config("noout.yml", TIES).toString());
        assertEquals(2, r.code());
        assertEquals("kumiki merge: give the output folder (OUT_DIR), or --dry-run to check only\n", r.err());
    }

    @Test
    void modelPlusLoraMergesTheModelWithItsAdapterApplied() throws IOException {
        // a one-element adapter on layer 0's q_proj, written as PEFT writes one: row 2, column 5 gains
        // (alpha / r) · B[2][0] · A[0][5] = 2 · 1.5
        Path adapter = Files.createDirectories(dir.resolve("adapter"));
        Files.writeString(adapter.resolve("adapter_config.json"), """
                {"peft_type": "LORA", "r": 1, "lora_alpha": 2, "target_modules": ["q_proj"], "bias": "none"}""");
        float[] a = new float[16];
        float[] b = new float[16];
        a[5] = 1;
        b[2] = 1.5f;
        String prefix = "base_model.model.model.layers.0.self_attn.q_proj.";
        try (var w = dev.kumiki.tensor.io.SafetensorsWriter.create(adapter.resolve("adapter_model.safetensors"),
                List.of(new dev.kumiki.tensor.TensorInfo(prefix + "lora_A.weight", dev.kumiki.tensor.DType.F32,
                        dev.kumiki.tensor.Shape.of(1, 16)), new dev.kumiki.tensor.TensorInfo(prefix + "lora_B.weight",
                                dev.kumiki.tensor.DType.F32, dev.kumiki.tensor.Shape.of(16, 1))),
                java.util.Map.of("format", "pt"))) {
            w.write(prefix + "lora_A.weight", 0, java.lang.foreign.MemorySegment.ofArray(a));
            w.write(prefix + "lora_B.weight", 0, java.lang.foreign.MemorySegment.ofArray(b));
            w.commit();
        }
        System.setProperty("kumiki.lora.cache", dir.resolve("lora-cache").toString());
        try {
            Path cfg = config("lora.yml", "models:\n  - model: a+adapter\nmerge_method: passthrough\n"
                    + "dtype: float32\n");
            Cli.Result r = kumiki("merge", cfg.toString(), dir.resolve("with-lora").toString());
            assertEquals(0, r.code(), r.err());
            assertTrue(r.out().contains("Model    a+adapter  " + dir.resolve("lora-cache")), r.out());
            try (ModelFolder merged = ModelFolder.open(dir.resolve("with-lora"));
                    ModelFolder plain = ModelFolder.open(dir.resolve("a"))) {
                float[] w = dev.kumiki.tensor.io.MappedReads.readAll(plain, "model.layers.0.self_attn.q_proj.weight",
                        dev.kumiki.tensor.kernel.Kernels.scalar());
                float[] got = dev.kumiki.tensor.io.MappedReads.readAll(merged,
                        "model.layers.0.self_attn.q_proj.weight", dev.kumiki.tensor.kernel.Kernels.scalar());
                for (int i = 0; i < w.length; i++) {
                    // the BF16 base is adapted in BF16, then written as float32 by the merge
                    float expected = i == 2 * 16 + 5 ? bf16(w[i] + 3f) : w[i];
                    assertEquals(expected, got[i], 0, "element " + i);
                }
            }
            Path typo = config("typo.yml", "models:\n  - model: b+adapterr\nmerge_method: passthrough\n");
            r = kumiki("merge", typo.toString(), dir.resolve("typo-out").toString());
            assertEquals(2, r.code(), r.out());
            assertTrue(r.err().contains("typo.yml:2:5: adapter 'adapterr' of 'b+adapterr' is not a folder here"),
                    r.err());
            assertFalse(Files.exists(dir.resolve("typo-out")));
        } finally {
            System.clearProperty("kumiki.lora.cache");
        }
    }

    /** {@code x} rounded to BF16 (nearest even), as a float. */
    private static float bf16(float x) {
        int bits = Float.floatToRawIntBits(x);
        bits = (bits + 0x7FFF + ((bits >>> 16) & 1)) & 0xFFFF0000;
        return Float.intBitsToFloat(bits);
    }
}
