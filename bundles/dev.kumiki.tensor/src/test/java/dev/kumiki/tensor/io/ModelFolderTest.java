package dev.kumiki.tensor.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.Shape;
import dev.kumiki.tensor.TensorFormatException;
import dev.kumiki.tensor.TensorInfo;

class ModelFolderTest {

    @TempDir
    Path dir;

    static List<TensorInfo> layers(int n) {
        List<TensorInfo> infos = new ArrayList<>();
        infos.add(new TensorInfo("model.embed_tokens.weight", DType.BF16, Shape.of(32, 8)));
        for (int i = 0; i < n; i++) {
            infos.add(new TensorInfo("model.layers." + i + ".self_attn.q_proj.weight", DType.BF16, Shape.of(8, 8)));
            infos.add(new TensorInfo("model.layers." + i + ".input_layernorm.weight", DType.F32, Shape.of(8)));
        }
        return infos;
    }

    /** Writes a model whose every byte is its tensor's index, so reads can be checked. */
    static void write(Path out, List<TensorInfo> infos, long shardBytes) throws IOException {
        try (ModelWriter w = ModelWriter.create(out, infos, shardBytes, Map.of("format", "pt"))) {
            for (int i = 0; i < infos.size(); i++) {
                byte[] bytes = new byte[(int) infos.get(i).byteSize()];
                java.util.Arrays.fill(bytes, (byte) i);
                w.write(infos.get(i).name(), 0, java.lang.foreign.MemorySegment.ofArray(bytes));
            }
            w.commit();
        }
    }

    static List<String> files(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void shardsAsHuggingFaceDoesAndReadsThemBack() throws IOException {
        List<TensorInfo> infos = layers(4); // 512 + 4 * (128 + 32) = 1152 bytes: [embed] [3 layers] [1 layer]
        assertEquals(List.of(1, 6, 2), ModelWriter.plan(infos, 500).stream().map(List::size).toList());
        write(dir, infos, 500);
        assertEquals(List.of("model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
                "model-00003-of-00003.safetensors", "model.safetensors.index.json"), files(dir));
        JsonNode index = SafetensorsFile.JSON.readTree(dir.resolve(ModelFolder.INDEX).toFile());
        assertEquals(1152, index.get("metadata").get("total_size").asLong());
        assertEquals("model-00002-of-00003.safetensors",
                index.get("weight_map").get("model.layers.1.input_layernorm.weight").asText());
        try (ModelFolder m = ModelFolder.open(dir)) {
            assertEquals(infos.stream().map(TensorInfo::name).toList(), m.names());
            assertEquals(1152, m.byteSize());
            for (int i = 0; i < infos.size(); i++) {
                assertEquals(infos.get(i), m.info(infos.get(i).name()).orElseThrow());
                byte[] expected = new byte[(int) infos.get(i).byteSize()];
                java.util.Arrays.fill(expected, (byte) i);
                assertArrayEquals(expected, m.tensor(infos.get(i).name()).data().toArray(ValueLayout.JAVA_BYTE));
            }
            assertEquals(Map.of("format", "pt"), m.metadata());
        }
    }

    @Test
    void oneShardIsModelSafetensorsWithoutIndexAndOldShardsGo() throws IOException {
        write(dir, layers(4), 500);
        write(dir, layers(2), ModelWriter.DEFAULT_SHARD_BYTES);
        assertEquals(List.of("model.safetensors"), files(dir), "the earlier model's shards and index are removed");
        try (ModelFolder m = ModelFolder.open(dir)) {
            assertEquals(5, m.names().size());
        }
    }

    @Test
    void anInterruptedWriteLeavesNoModel() throws IOException {
        try (ModelWriter w = ModelWriter.create(dir, layers(4), 500, Map.of())) {
            w.write("model.embed_tokens.weight", 0, java.lang.foreign.MemorySegment.ofArray(new byte[512]));
            // no commit: e.g. the merge failed or was cancelled
        }
        assertEquals(List.of(), files(dir));
    }

    @Test
    void readsConfigJson() throws IOException {
        write(dir, layers(2), ModelWriter.DEFAULT_SHARD_BYTES);
        Files.writeString(dir.resolve("config.json"), """
                {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "num_hidden_layers": 2,
                 "hidden_size": 8, "intermediate_size": 16, "num_attention_heads": 2, "vocab_size": 32,
                 "tie_word_embeddings": true, "torch_dtype": "bfloat16", "rope_theta": 10000.0}
                """);
        try (ModelFolder m = ModelFolder.open(dir)) {
            ModelConfig c = m.config().orElseThrow();
            assertEquals("LlamaForCausalLM", c.architecture());
            assertEquals("llama", c.modelType());
            assertEquals(2, c.layers().getAsInt());
            assertEquals(8, c.hiddenSize().getAsInt());
            assertEquals(2, c.keyValueHeads().getAsInt(), "defaults to the attention heads");
            assertEquals(32, c.vocabSize().getAsInt());
            assertTrue(c.tiedEmbeddings());
            assertEquals("bfloat16", c.torchDtype().orElseThrow());
            assertEquals(10000.0, c.json().get("rope_theta").asDouble(), "the whole file is kept");
        }
    }

    @Test
    void brokenConfigNamesLineAndColumn() throws IOException {
        write(dir, layers(1), ModelWriter.DEFAULT_SHARD_BYTES);
        Files.writeString(dir.resolve("config.json"), "{\n  \"hidden_size\": 8,\n  \"vocab_size\": 32,\n}\n");
        TensorFormatException e = assertThrows(TensorFormatException.class, () -> ModelFolder.open(dir));
        assertTrue(e.getMessage().startsWith(dir.resolve("config.json") + ": not valid JSON (Unexpected character "
                + "('}' (code 125)): was expecting double-quote to start field name at line 4, column 1"), e.getMessage());
        Files.writeString(dir.resolve("config.json"), "{\"num_hidden_layers\": \"32\"}");
        assertEquals(dir.resolve("config.json") + ": num_hidden_layers must be a whole number >= 0, found \"32\"",
                assertThrows(TensorFormatException.class, () -> ModelFolder.open(dir)).getMessage());
    }

    @Test
    void anIndexCannotPointOutsideTheFolder() throws IOException {
        Path model = Files.createDirectory(dir.resolve("m"));
        write(dir.resolve("elsewhere"), layers(1), ModelWriter.DEFAULT_SHARD_BYTES);
        Files.writeString(model.resolve(ModelFolder.INDEX),
                "{\"weight_map\": {\"model.embed_tokens.weight\": \"../elsewhere/model.safetensors\"}}");
        assertEquals(model.toAbsolutePath().resolve(ModelFolder.INDEX) + " names shard "
                + "'../elsewhere/model.safetensors', which is outside the model folder; shards must be files in "
                + model.toAbsolutePath(),
                assertThrows(TensorFormatException.class, () -> ModelFolder.open(model)).getMessage());
    }

    @Test
    void anIndexAndItsShardsMustAgree() throws IOException {
        write(dir, layers(4), 500);
        Path index = dir.toAbsolutePath().resolve(ModelFolder.INDEX);
        String text = Files.readString(index);
        Files.writeString(index, text.replace("\"model.layers.3.input_layernorm.weight\" : "
                + "\"model-00003-of-00003.safetensors\"", "\"model.layers.3.input_layernorm.weight\" : "
                + "\"model-00001-of-00003.safetensors\""));
        assertEquals(index + " puts tensor 'model.layers.3.input_layernorm.weight' in model-00001-of-00003.safetensors, "
                + "but that file has no such tensor",
                assertThrows(TensorFormatException.class, () -> ModelFolder.open(dir)).getMessage());
        Files.writeString(index, text);
        Files.delete(dir.resolve("model-00002-of-00003.safetensors"));
        assertEquals(index + " puts tensor 'model.layers.0.self_attn.q_proj.weight' in model-00002-of-00003.safetensors,"
                + " which is not in the folder; the download is incomplete",
                assertThrows(TensorFormatException.class, () -> ModelFolder.open(dir)).getMessage());
    }

    @Test
    void aFolderWithPickleWeightsSaysToConvert() throws IOException {
        Files.writeString(dir.resolve("config.json"), "{}");
        Files.write(dir.resolve("pytorch_model.bin"), new byte[10]);
        TensorFormatException e = assertThrows(TensorFormatException.class, () -> ModelFolder.open(dir));
        assertEquals(dir.toAbsolutePath() + " has neither model.safetensors nor model.safetensors.index.json (found "
                + "[config.json, pytorch_model.bin]); Kumiki reads safetensors only: convert the PyTorch .bin weights "
                + "to safetensors first", e.getMessage());
        assertFalse(e.getMessage().contains("Exception"));
    }
}
