package dev.kumiki.llm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kumiki.tensor.io.SyntheticModel;

/**
 * The byte-level tokenizer generated models get ({@link SyntheticModel#byteLevelTokenizer()}), read by Hugging Face's
 * tokenizers library: English and Japanese encode and decode back exactly, bytes are ids 2 + b, merges apply.
 */
class SyntheticByteLevelTokenizerTest {
    @Test
    void englishAndJapaneseRoundTripThroughHuggingFacesTokenizers(@TempDir Path dir) throws Exception {
        Path m = SyntheticModel.llama().vocab(300).contextLength(128).byteLevelTokenizer().write(dir.resolve("m"));
        try (PretrainedTokenizer t = PretrainedTokenizer.load(m)) {
            for (String text : new String[] {"Hello, the world!", "日本語のテキストです。", "mixed 漢字 and ASCII\n"}) {
                int[] ids = t.encode(text, false);
                assertEquals(text, t.decode(ids, false), "round trip of " + text);
            }
            // "あ" is E3 81 82: three byte tokens, none merged
            byte[] a = "あ".getBytes(StandardCharsets.UTF_8);
            assertArrayEquals(new int[] {2 + (a[0] & 0xff), 2 + (a[1] & 0xff), 2 + (a[2] & 0xff)}, t.encode("あ", false));
            // "th" is the first merge (id 258); <s> is added in front when special tokens are asked for
            assertArrayEquals(new int[] {258}, t.encode("th", false));
            assertArrayEquals(new int[] {0, 258}, t.encode("th", true));
        }
    }
}
