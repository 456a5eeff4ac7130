package dev.kumiki.merge.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.MappedTensor;
import dev.kumiki.tensor.TensorFormatException;
import dev.kumiki.tensor.io.ModelFolder;
import dev.kumiki.tensor.io.SafetensorsFile;
import dev.kumiki.tensor.io.SyntheticModel;
import dev.kumiki.tensor.kernel.Kernels;

/**
 * Applying an adapter, checked against W + scaling·B·A computed independently in numpy (float64, rounded to the base
 * dtype) by src/test/python/peft_reference.py.
 */
class AdaptedModelTest {
    @TempDir
    Path work;

    /** Modules of the synthetic Llama (hidden 16, intermediate 24) with [in, out]. */
    private static final Map<String, int[]> MODULES = Map.of(
            "model.layers.0.self_attn.q_proj", new int[] {16, 16},
            "model.layers.1.self_attn.v_proj", new int[] {16, 16},
            "model.layers.0.mlp.up_proj", new int[] {16, 24},
            "model.layers.1.mlp.down_proj", new int[] {24, 16});

    static Path adapter(Path work, String name, int rank, int alpha, boolean rslora, String dtype, long seed,
            Map<String, int[]> modules) throws Exception {
        Path dir = work.resolve(name);
        ObjectNode spec = PeftReference.JSON.createObjectNode();
        spec.put("out", dir.toString());
        spec.put("expected", work.resolve(name + "-expected.json").toString());
        spec.put("seed", seed);
        spec.put("r", rank);
        spec.put("alpha", alpha);
        spec.put("rslora", rslora);
        spec.put("dtype", dtype);
        spec.putArray("targets").add("q_proj").add("v_proj").add("up_proj").add("down_proj");
        ObjectNode m = spec.putObject("modules");
        modules.forEach((k, io) -> m.putArray(k).add(io[0]).add(io[1]));
        PeftReference.run("make-adapter", spec, work, name);
        return dir;
    }

    private void checkAgainstNumpy(DType baseType, boolean rslora) throws Exception {
        String tag = baseType + (rslora ? "-rslora" : "-plain");
        Path base = SyntheticModel.llama().dtype(baseType).baseSeed(99).write(work.resolve("base-" + tag));
        Path adapter = adapter(work, "adapter-" + tag, 4, 8, rslora, "F32", 11, MODULES);
        Path out = work.resolve("out-" + tag);
        try (AdaptedModel model = AdaptedModel.open(base, adapter)) {
            assertEquals(rslora ? 4.0 : 2.0, model.adapter().config().scaling(), 1e-12);
            model.write(out, 2);
            ObjectNode spec = PeftReference.JSON.createObjectNode();
            spec.putArray("model").add(base.resolve(ModelFolder.SINGLE).toString());
            spec.put("adapter", adapter.toString());
            spec.put("out", work.resolve("reference-" + tag + ".safetensors").toString());
            PeftReference.run("apply", spec, work, "apply-" + tag);
            try (ModelFolder written = ModelFolder.open(out); ModelFolder original = ModelFolder.open(base);
                    SafetensorsFile reference = SafetensorsFile.open(work.resolve("reference-" + tag + ".safetensors"))) {
                assertEquals(original.names(), written.names());
                int adapted = 0;
                for (String name : original.names()) {
                    MappedTensor w = written.tensor(name);
                    assertEquals(baseType, w.info().dtype(), name + " keeps its dtype");
                    float[] got = floats(w);
                    float[] expected = floats(reference.tensor(name));
                    // the lazily computed tensor is the written one
                    assertArrayEquals(got, model.read(name), name);
                    if (!model.adapted(name)) {
                        assertArrayEquals(original.tensor(name).data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE),
                                w.data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), name + " is copied");
                        continue;
                    }
                    adapted++;
                    float[] before = floats(original.tensor(name));
                    double moved = 0;
                    for (int i = 0; i < got.length; i++) {
                        double tolerance = baseType == DType.BF16
                                ? Math.ulp(Math.abs(expected[i])) * 65536.0 // one BF16 step (16 bits fewer)
                                : 1e-6 * Math.abs(expected[i]) + 1e-7;
                        assertTrue(Math.abs(got[i] - expected[i]) <= tolerance, tag + " " + name + "[" + i
                                + "]: numpy " + expected[i] + ", Kumiki " + got[i]);
                        moved = Math.max(moved, Math.abs(got[i] - before[i]));
                    }
                    assertTrue(moved > 0.1, name + " was changed by the adapter (largest change " + moved + ")");
                }
                assertEquals(MODULES.size(), adapted);
            }
            assertEquals(Files.readString(base.resolve("config.json")), Files.readString(out.resolve("config.json")));
            assertEquals(Files.readString(base.resolve("tokenizer.json")),
                    Files.readString(out.resolve("tokenizer.json")));
            assertTrue(Files.readString(out.resolve("README.md")).contains("with the LoRA adapter `" + adapter + "`"));
        }
    }

    static float[] floats(MappedTensor t) {
        float[] v = new float[(int) t.info().shape().elements()];
        Kernels.scalar().load(t.data(), t.info().dtype(), 0, v, 0, v.length);
        return v;
    }

    @Test
    void plainLoraOnAnF32BaseEqualsNumpy() throws Exception {
        checkAgainstNumpy(DType.F32, false);
    }

    @Test
    void rsLoraOnAnF32BaseEqualsNumpy() throws Exception {
        checkAgainstNumpy(DType.F32, true);
    }

    @Test
    void plainLoraOnABf16BaseEqualsNumpy() throws Exception {
        checkAgainstNumpy(DType.BF16, false);
    }

    @Test
    void rsLoraOnABf16BaseEqualsNumpy() throws Exception {
        checkAgainstNumpy(DType.BF16, true);
    }

    @Test
    void anAdapterThatDoesNotFitIsRefusedBeforeAnythingIsComputed() throws Exception {
        Path base = SyntheticModel.llama().dtype(DType.F32).write(work.resolve("base"));
        Path typo = adapter(work, "typo", 4, 8, false, "F32", 1,
                Map.of("model.layers.0.self_attn.q_projj", new int[] {16, 16}));
        String message = assertThrows(TensorFormatException.class, () -> AdaptedModel.open(base, typo)).getMessage();
        assertTrue(message.contains("adapts module model.layers.0.self_attn.q_projj, which the model " + base
                + " does not have (no tensor model.layers.0.self_attn.q_projj.weight); did you mean "
                + "model.layers.0.self_attn.q_proj? Is the adapter for this model (it was trained on "
                + "Qwen/Qwen2.5-0.5B)?"), message);
        Path shape = adapter(work, "shape", 4, 8, false, "F32", 1,
                Map.of("model.layers.0.mlp.up_proj", new int[] {24, 16}));
        message = assertThrows(TensorFormatException.class, () -> AdaptedModel.open(base, shape)).getMessage();
        assertTrue(message.contains("adapts model.layers.0.mlp.up_proj as a linear layer of 24 inputs and 16 outputs "
                + "(B·A is [16, 24]), but the model " + base + " has model.layers.0.mlp.up_proj.weight [24, 16]; the "
                + "adapter was made for another model"), message);
        Path big = adapter(work, "big", 20, 8, false, "F32", 1,
                Map.of("model.layers.0.mlp.up_proj", new int[] {16, 24}));
        message = assertThrows(TensorFormatException.class, () -> AdaptedModel.open(base, big)).getMessage();
        assertTrue(message.contains("has rank 20 for model.layers.0.mlp.up_proj, larger than the layer (24×16, at "
                + "most rank 16)"), message);
    }

    @Test
    void theOutputIsNeverAnInput() throws Exception {
        Path base = SyntheticModel.llama().dtype(DType.F32).write(work.resolve("base"));
        Path adapter = adapter(work, "a", 2, 4, false, "F32", 1, MODULES);
        try (AdaptedModel model = AdaptedModel.open(base, adapter)) {
            String message = assertThrows(IllegalArgumentException.class, () -> model.write(adapter)).getMessage();
            assertTrue(message.contains("is also an input"), message);
        }
        assertFalse(Files.exists(adapter.resolve("model.safetensors")));
    }

    @Test
    void aWrittenAdapterAppliesAsItWasBuilt() throws Exception {
        // an adapter built in Java (as the trainer does), written, read and applied: B·A by hand for one element
        Path base = SyntheticModel.llama().dtype(DType.F32).write(work.resolve("base"));
        float[] a = new float[2 * 16];
        float[] b = new float[16 * 2];
        a[3] = 1; // A[0][3]
        a[16 + 5] = 2; // A[1][5]
        b[7 * 2] = 0.5f; // B[7][0]
        b[7 * 2 + 1] = 0.25f; // B[7][1]
        PeftAdapter adapter = new PeftAdapter(new PeftConfig(2, 4, 0, List.of("q_proj"), false, Optional.empty()),
                List.of(new LoraModule("model.layers.1.self_attn.q_proj", 2, 16, 16, a, b)));
        adapter.write(work.resolve("java-adapter"));
        try (AdaptedModel model = AdaptedModel.open(base, work.resolve("java-adapter"));
                ModelFolder original = ModelFolder.open(base)) {
            float[] w = floats(original.tensor("model.layers.1.self_attn.q_proj.weight"));
            float[] got = model.read("model.layers.1.self_attn.q_proj.weight");
            for (int i = 0; i < w.length; i++) {
                // scaling 4 / 2 = 2: row 7 gets 2·0.5·1 at column 3 and 2·0.25·2 at column 5
                float delta = i == 7 * 16 + 3 ? 1f : i == 7 * 16 + 5 ? 1f : 0f;
                assertEquals(w[i] + delta, got[i], 0, "element " + i);
            }
        }
    }
}
