package dev.kumiki.merge.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.kumiki.tensor.TensorFormatException;
import dev.kumiki.tensor.io.SafetensorsFile;

/** PEFT's adapter layout: folders written by a numpy imitation of PEFT read back exactly; writing is stable. */
class PeftAdapterTest {
    @TempDir
    Path work;

    private static final Map<String, int[]> MODULES = Map.of(
            "model.layers.0.self_attn.q_proj", new int[] {16, 16},
            "model.layers.0.self_attn.v_proj", new int[] {16, 8},
            "model.layers.1.mlp.down_proj", new int[] {24, 16});

    /** A PEFT-style folder made by the Python script; returns the expected values by tensor name. */
    private JsonNode pythonAdapter(Path out, String dtype, boolean rslora, ObjectNode extra) throws Exception {
        ObjectNode spec = PeftReference.JSON.createObjectNode();
        spec.put("out", out.toString());
        spec.put("expected", work.resolve(out.getFileName() + "-expected.json").toString());
        spec.put("seed", 7);
        spec.put("r", 4);
        spec.put("alpha", 16);
        spec.put("rslora", rslora);
        spec.put("dtype", dtype);
        spec.putArray("targets").add("v_proj").add("q_proj").add("down_proj");
        ObjectNode modules = spec.putObject("modules");
        MODULES.forEach((m, io) -> modules.putArray(m).add(io[0]).add(io[1]));
        if (extra != null) {
            spec.setAll(extra);
        }
        PeftReference.run("make-adapter", spec, work, out.getFileName().toString());
        return PeftReference.JSON.readTree(work.resolve(out.getFileName() + "-expected.json").toFile());
    }

    @Test
    void readsAFolderAsPeftWritesItInF32AndBf16() throws Exception {
        for (String dtype : List.of("F32", "BF16", "F16")) {
            Path dir = work.resolve("adapter-" + dtype);
            JsonNode expected = pythonAdapter(dir, dtype, dtype.equals("BF16"), null);
            PeftAdapter adapter = PeftAdapter.read(dir);
            PeftConfig c = adapter.config();
            assertEquals(4, c.rank());
            assertEquals(16.0, c.alpha());
            assertEquals(0.05, c.dropout());
            assertEquals(List.of("down_proj", "q_proj", "v_proj"), c.targetModules());
            assertEquals(dtype.equals("BF16"), c.rslora());
            assertEquals(dtype.equals("BF16") ? 8.0 : 4.0, c.scaling(), 1e-12);
            assertEquals(Optional.of("Qwen/Qwen2.5-0.5B"), c.baseModel());
            assertEquals(3, adapter.modules().size());
            for (Map.Entry<String, int[]> e : MODULES.entrySet()) {
                LoraModule m = adapter.module(e.getKey()).orElseThrow();
                assertEquals(e.getValue()[0], m.in(), e.getKey());
                assertEquals(e.getValue()[1], m.out(), e.getKey());
                assertArrayEquals(floats(expected.get(PeftAdapter.PREFIX + e.getKey() + ".lora_A.weight")), m.a(),
                        dtype + " " + e.getKey());
                assertArrayEquals(floats(expected.get(PeftAdapter.PREFIX + e.getKey() + ".lora_B.weight")), m.b(),
                        dtype + " " + e.getKey());
            }
        }
    }

    private static float[] floats(JsonNode list) {
        float[] v = new float[list.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) list.get(i).asDouble();
        }
        return v;
    }

    @Test
    void readWriteReadIsByteStable() throws Exception {
        Path peft = work.resolve("peft");
        pythonAdapter(peft, "BF16", true, null);
        PeftAdapter first = PeftAdapter.read(peft);
        first.write(work.resolve("one"));
        PeftAdapter second = PeftAdapter.read(work.resolve("one"));
        second.write(work.resolve("two"));
        for (String f : List.of(PeftAdapter.CONFIG, PeftAdapter.WEIGHTS)) {
            assertArrayEquals(Files.readAllBytes(work.resolve("one").resolve(f)),
                    Files.readAllBytes(work.resolve("two").resolve(f)), f);
        }
        assertEquals(first.config(), second.config());
        for (LoraModule m : first.modules()) {
            assertArrayEquals(m.a(), second.module(m.module()).orElseThrow().a());
            assertArrayEquals(m.b(), second.module(m.module()).orElseThrow().b());
        }
        // nothing PEFT would not understand: the two files (and Kumiki's hidden marker, which PEFT ignores)
        try (Stream<Path> files = Files.list(work.resolve("one"))) {
            assertEquals(List.of(".kumiki-output", PeftAdapter.CONFIG, PeftAdapter.WEIGHTS),
                    files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        try (SafetensorsFile st = SafetensorsFile.open(work.resolve("one").resolve(PeftAdapter.WEIGHTS))) {
            assertEquals(Map.of("format", "pt"), st.metadata());
            assertEquals(List.of(
                    "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight",
                    "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight",
                    "base_model.model.model.layers.0.self_attn.v_proj.lora_A.weight",
                    "base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight",
                    "base_model.model.model.layers.1.mlp.down_proj.lora_A.weight",
                    "base_model.model.model.layers.1.mlp.down_proj.lora_B.weight"), st.names());
        }
    }

    @Test
    void configIsWrittenAsPeftsJsonDumps() throws IOException {
        PeftAdapter a = new PeftAdapter(new PeftConfig(2, 32, 0.1, List.of("q_proj", "v_proj"), false,
                Optional.empty()), List.of(new LoraModule("model.layers.0.self_attn.q_proj", 2, 3, 2,
                        new float[6], new float[4])));
        assertEquals("""
                {
                  "alpha_pattern": {},
                  "auto_mapping": null,
                  "base_model_name_or_path": null,
                  "bias": "none",
                  "fan_in_fan_out": false,
                  "inference_mode": true,
                  "init_lora_weights": true,
                  "layers_pattern": null,
                  "layers_to_transform": null,
                  "lora_alpha": 32,
                  "lora_dropout": 0.1,
                  "modules_to_save": null,
                  "peft_type": "LORA",
                  "r": 2,
                  "rank_pattern": {},
                  "revision": null,
                  "target_modules": [
                    "q_proj",
                    "v_proj"
                  ],
                  "task_type": "CAUSAL_LM",
                  "use_dora": false,
                  "use_rslora": false
                }""", a.configJson());
        assertEquals("0.0", PeftAdapter.pythonFloat(0));
        assertEquals("0.0001", PeftAdapter.pythonFloat(1e-4));
        assertEquals("1e-05", PeftAdapter.pythonFloat(1e-5));
        assertEquals("2.5e-07", PeftAdapter.pythonFloat(2.5e-7));
        assertEquals("12345.5", PeftAdapter.pythonFloat(12345.5));
        assertEquals("1e+16", PeftAdapter.pythonFloat(1e16));
        assertEquals("16.0", PeftAdapter.pythonFloat(16));
    }

    private String refusal(ObjectNode extra) throws Exception {
        Path dir = work.resolve("bad" + System.nanoTime());
        pythonAdapter(dir, "F32", false, extra);
        return assertThrows(TensorFormatException.class, () -> PeftAdapter.read(dir)).getMessage();
    }

    private ObjectNode config(String key, Object value) {
        ObjectNode extra = PeftReference.JSON.createObjectNode();
        extra.putObject("config_extra").set(key, PeftReference.JSON.valueToTree(value));
        return extra;
    }

    @Test
    void whatChangesTheMathsAndIsNotSupportedIsRefusedByName() throws Exception {
        assertTrue(refusal(config("use_dora", true)).contains("adapter_config.json: use_dora is true: DoRA"));
        assertTrue(refusal(config("rank_pattern", Map.of("q_proj", 8))).contains("rank_pattern is {\"q_proj\":8}"));
        assertTrue(refusal(config("alpha_pattern", Map.of("q_proj", 8))).contains("alpha_pattern is"));
        assertTrue(refusal(config("fan_in_fan_out", true)).contains("fan_in_fan_out is true"));
        assertTrue(refusal(config("bias", "lora_only")).contains("bias is \"lora_only\": trained biases"));
        assertTrue(refusal(config("modules_to_save", List.of("lm_head"))).contains("modules_to_save is [\"lm_head\"]"));
        assertTrue(refusal(config("peft_type", "IA3")).contains("peft_type is 'IA3'; Kumiki reads LoRA adapters"));
        assertTrue(refusal(config("use_rslora", "yes")).contains("use_rslora must be true or false, found \"yes\""));

        ObjectNode embedding = PeftReference.JSON.createObjectNode();
        embedding.putObject("extra_tensors").putArray("base_model.model.model.embed_tokens.lora_embedding_A")
                .add(4).add(32);
        assertTrue(refusal(embedding).contains("tensor base_model.model.model.embed_tokens.lora_embedding_A adapts "
                + "an embedding"));
        ObjectNode magnitude = PeftReference.JSON.createObjectNode();
        magnitude.putObject("extra_tensors").putArray(
                "base_model.model.model.layers.0.self_attn.q_proj.lora_magnitude_vector").add(16);
        assertTrue(refusal(magnitude).contains("is a DoRA magnitude"));
        ObjectNode missing = PeftReference.JSON.createObjectNode();
        missing.putArray("drop_tensors").add("base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight");
        assertTrue(refusal(missing).contains("module model.layers.0.self_attn.v_proj has lora_A but no lora_B"));
    }

    @Test
    void pickleWeightsAreRefusedWithTheWayOut() throws Exception {
        Path dir = work.resolve("pickled");
        pythonAdapter(dir, "F32", false, null);
        Files.move(dir.resolve(PeftAdapter.WEIGHTS), dir.resolve(PeftAdapter.PICKLE));
        String message = assertThrows(TensorFormatException.class, () -> PeftAdapter.read(dir)).getMessage();
        assertTrue(message.contains("holds its weights as adapter_model.bin (PyTorch pickle), which Kumiki does not "
                + "read: convert them to adapter_model.safetensors first"), message);
        Files.delete(dir.resolve(PeftAdapter.CONFIG));
        message = assertThrows(TensorFormatException.class, () -> PeftAdapter.read(dir)).getMessage();
        assertTrue(message.contains("has no adapter_config.json (found adapter_model.bin)"), message);
    }

    @Test
    void aRegexTargetIsDescribedByTheModulesItAdapted() throws Exception {
        Path dir = work.resolve("regex");
        pythonAdapter(dir, "F32", false, config("target_modules", ".*\\.(q_proj|v_proj|down_proj)"));
        assertEquals(List.of("q_proj", "v_proj", "down_proj").stream().sorted().toList(),
                PeftAdapter.read(dir).config().targetModules().stream().sorted().toList());
    }
}
