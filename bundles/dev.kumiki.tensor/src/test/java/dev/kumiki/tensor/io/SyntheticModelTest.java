package dev.kumiki.tensor.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kumiki.tensor.DType;

class SyntheticModelTest {
    /**
     * Tensors larger than the generator's chunk (1 Mi elements) hold the values of one pass of draws over the whole
     * tensor, computed here independently: generating a chunk at a time (so that a 7B-sized embedding never sits on
     * the heap) changed no value.
     */
    @Test
    void largeTensorsAreTheSameDrawsAsOnePass(@TempDir Path dir) throws Exception {
        int hidden = 1024;
        int vocab = 2500; // 2.56 Mi elements: two full chunks and a partial one
        SyntheticModel.llama().layers(1).hidden(hidden).intermediate(8).vocab(vocab).dtype(DType.F32).variant(2)
                .write(dir.resolve("m"));
        try (ModelFolder m = ModelFolder.open(dir.resolve("m"))) {
            String name = "model.embed_tokens.weight";
            var data = m.tensor(name).data();
            SplittableRandom base = new SplittableRandom(1234 * 1_000_003L + name.hashCode());
            SplittableRandom own = new SplittableRandom((1234 * 31 + 2) * 1_000_003L + name.hashCode());
            long n = (long) vocab * hidden;
            for (long i = 0; i < n; i++) {
                float expected = 0.2f * (float) base.nextGaussian() + 1f * (float) own.nextGaussian() * 0.1f;
                float actual = data.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED
                        .withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), i);
                if (Float.floatToRawIntBits(expected) != Float.floatToRawIntBits(actual)) {
                    assertEquals(expected, actual, "element " + i + " of " + name);
                }
            }
        }
    }

    @Test
    void aContextLengthAndAByteLevelTokenizerMakeARunnableModel(@TempDir Path dir) throws Exception {
        Path m = SyntheticModel.llama().vocab(300).contextLength(256).byteLevelTokenizer().write(dir.resolve("m"));
        JsonNode config = SafetensorsFile.JSON.readTree(m.resolve(ModelFolder.CONFIG).toFile());
        assertEquals(256, config.get("max_position_embeddings").asInt());
        assertEquals(0, config.get("bos_token_id").asInt());
        assertEquals(1, config.get("eos_token_id").asInt());
        assertEquals(300, config.get("vocab_size").asInt());
        JsonNode tc = SafetensorsFile.JSON.readTree(m.resolve("tokenizer_config.json").toFile());
        assertEquals(256, tc.get("model_max_length").asInt());
        assertEquals("<s>", tc.get("bos_token").asText());
        assertEquals("</s>", tc.get("eos_token").asText());
        assertEquals(SyntheticModel.CHAT_TEMPLATE, tc.get("chat_template").asText());
        JsonNode model = SafetensorsFile.JSON.readTree(m.resolve("tokenizer.json").toFile()).get("model");
        assertEquals("BPE", model.get("type").asText());
        // <s>, </s>, the 256 bytes in GPT-2's spelling (space is Ġ, 'A' is itself), then 42 merges: 300 tokens
        assertEquals(300, model.get("vocab").size());
        assertEquals(2 + ' ', model.get("vocab").get("\u0120").asInt());
        assertEquals(2 + 'A', model.get("vocab").get("A").asInt());
        assertEquals(42, model.get("merges").size());
        assertEquals("t h", model.get("merges").get(0).asText());
        assertEquals(258, model.get("vocab").get("th").asInt());
    }

    @Test
    void withoutThemTheConfigHasNoContextLength(@TempDir Path dir) throws Exception {
        Path m = SyntheticModel.llama().write(dir.resolve("m"));
        JsonNode config = SafetensorsFile.JSON.readTree(m.resolve(ModelFolder.CONFIG).toFile());
        assertFalse(config.has("max_position_embeddings"));
        assertEquals(64, SafetensorsFile.JSON.readTree(m.resolve("tokenizer_config.json").toFile())
                .get("model_max_length").asInt());
    }

    @Test
    void aByteLevelTokenizerNeedsRoomForTheBytes(@TempDir Path dir) {
        assertEquals("a byte-level tokenizer needs at least 258 tokens (2 special, 256 bytes); the model has vocab 40",
                assertThrows(IllegalArgumentException.class,
                        () -> SyntheticModel.llama().byteLevelTokenizer().write(dir.resolve("m"))).getMessage());
        assertEquals("a byte-level tokenizer has its own vocabulary: leave out tokens(...)",
                assertThrows(IllegalArgumentException.class, () -> SyntheticModel.llama()
                        .tokens(List.of("<s>", "a")).byteLevelTokenizer().write(dir.resolve("m"))).getMessage());
    }
}
