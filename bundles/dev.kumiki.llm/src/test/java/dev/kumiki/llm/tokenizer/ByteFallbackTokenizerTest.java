package dev.kumiki.llm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A SentencePiece-style BPE with byte fallback, made by hand in the layout of Llama 2's {@code tokenizer.json}
 * (normalizer: prepend "▁" and replace spaces by "▁"; no pre-tokenizer; {@code <0x00>}…{@code <0xFF>} byte tokens;
 * post-processor {@code <s> $A}; decoder Replace, ByteFallback, Fuse, Strip). Expected ids are worked out by hand from
 * the merges below; {@link ReferenceBpe} checks more texts.
 */
class ByteFallbackTokenizerTest {

    @TempDir
    static Path folder;
    private static PretrainedTokenizer tokenizer;
    private static ReferenceBpe reference;

    /** ids: 0 unk, 1 bos, 2 eos, 3…258 the bytes 0x00…0xFF, then the pieces below from 259. */
    static final List<String> PIECES = List.of("▁", "t", "h", "e", "c", "a", "日", "本", "▁t", "he", "▁the", "at",
            "日本", "▁c");
    /** merges, highest priority first */
    static final List<String> MERGES = List.of("▁ t", "h e", "▁t he", "a t", "日 本", "▁ c");

    static Path write(Path dir) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        String[] specials = {"<unk>", "<s>", "</s>"};
        for (int i = 0; i < specials.length; i++) {
            added.addObject().put("id", i).put("content", specials[i]).put("single_word", false)
                    .put("lstrip", false).put("rstrip", false).put("normalized", false).put("special", true);
        }
        ObjectNode normalizer = root.putObject("normalizer").put("type", "Sequence");
        ArrayNode steps = normalizer.putArray("normalizers");
        steps.addObject().put("type", "Prepend").put("prepend", "▁");
        ObjectNode replace = steps.addObject().put("type", "Replace");
        replace.putObject("pattern").put("String", " ");
        replace.put("content", "▁");
        root.putNull("pre_tokenizer");
        ObjectNode post = root.putObject("post_processor").put("type", "TemplateProcessing");
        post.putArray("single").addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 0);
        ((ArrayNode) post.get("single")).addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        ArrayNode pair = post.putArray("pair");
        pair.addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        pair.addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 1);
        pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
        ObjectNode bos = post.putObject("special_tokens").putObject("<s>").put("id", "<s>");
        bos.putArray("ids").add(1);
        bos.putArray("tokens").add("<s>");
        ObjectNode decoder = root.putObject("decoder").put("type", "Sequence");
        ArrayNode decoders = decoder.putArray("decoders");
        ObjectNode back = decoders.addObject().put("type", "Replace");
        back.putObject("pattern").put("String", "▁");
        back.put("content", " ");
        decoders.addObject().put("type", "ByteFallback");
        decoders.addObject().put("type", "Fuse");
        decoders.addObject().put("type", "Strip").put("content", " ").put("start", 1).put("stop", 0);
        ObjectNode model = root.putObject("model").put("type", "BPE");
        model.putNull("dropout");
        model.put("unk_token", "<unk>").putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", true).put("byte_fallback", true).put("ignore_merges", false);
        ObjectNode vocab = model.putObject("vocab");
        for (int i = 0; i < specials.length; i++) {
            vocab.put(specials[i], i);
        }
        for (int b = 0; b < 256; b++) {
            vocab.put(String.format("<0x%02X>", b), 3 + b);
        }
        for (int i = 0; i < PIECES.size(); i++) {
            vocab.put(PIECES.get(i), 259 + i);
        }
        ArrayNode merges = model.putArray("merges");
        MERGES.forEach(m -> merges.addArray().add(m.split(" ")[0]).add(m.split(" ")[1]));
        Files.writeString(dir.resolve("tokenizer.json"), json.writerWithDefaultPrettyPrinter().writeValueAsString(root));
        Files.writeString(dir.resolve("tokenizer_config.json"), """
                {"add_bos_token": true, "add_eos_token": false,
                 "bos_token": {"__type": "AddedToken", "content": "<s>", "lstrip": false, "normalized": false,
                               "rstrip": false, "single_word": false},
                 "eos_token": "</s>", "unk_token": "<unk>", "pad_token": null,
                 "tokenizer_class": "LlamaTokenizer"}
                """);
        return dir.resolve("tokenizer.json");
    }

    @BeforeAll
    static void load() throws IOException {
        Path file = write(folder);
        tokenizer = PretrainedTokenizer.load(folder);
        reference = new ReferenceBpe(file);
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    @Test
    void encodesAsWorkedOutByHand() {
        // "▁the▁cat日本語": ▁ t h e ▁ c a t 日 本 + 語 is no piece, so its UTF-8 bytes E8 AA 9E;
        // merges in order: ▁t, he, ▁the, at, 日本, ▁c → ▁the ▁c at 日本 <0xE8> <0xAA> <0x9E>
        int[] expected = {269, 272, 270, 271, 3 + 0xE8, 3 + 0xAA, 3 + 0x9E};
        assertArrayEquals(expected, tokenizer.encode("the cat日本語", false));
        int[] withBos = {1, 269, 272, 270, 271, 3 + 0xE8, 3 + 0xAA, 3 + 0x9E};
        assertArrayEquals(withBos, tokenizer.encode("the cat日本語", true));
    }

    @Test
    void decodesAsWorkedOutByHand() {
        int[] ids = {1, 269, 272, 270, 271, 3 + 0xE8, 3 + 0xAA, 3 + 0x9E};
        assertEquals("the cat日本語", tokenizer.decode(ids, true));
        // the decoder's Strip takes one leading space from the fused text, which starts with <s> here
        assertEquals("<s> the cat日本語", tokenizer.decode(ids, false));
        // a lone byte that is not UTF-8 on its own: one U+FFFD
        assertEquals("\uFFFD", tokenizer.decode(new int[] {3 + 0xE8}, false));
    }

    @ParameterizedTest
    @ValueSource(strings = {"the cat", "the cat日本語", "日本語のテキスト", "ｶﾀｶﾅ　と１２３", "emoji 😀 and 𠮷",
            "two  spaces\nand a line", "<s>the</s>"})
    void agreesWithTheReferenceAndRoundTrips(String text) {
        int[] ids = tokenizer.encode(text, false);
        assertArrayEquals(reference.encode(text, false), ids);
        assertArrayEquals(reference.encode(text, true), tokenizer.encode(text, true));
        assertEquals(reference.decode(ids, false), tokenizer.decode(ids, false));
        if (!text.contains("<s>")) {
            assertEquals(text, tokenizer.decode(ids, false));
        }
    }

    @Test
    void bosAndEosComeFromTokenizerConfig() {
        assertEquals(OptionalInt.of(1), tokenizer.bosToken());
        assertEquals(List.of(2), tokenizer.eosTokens());
        assertEquals(259 + PIECES.size(), tokenizer.vocabularySize());
        assertTrue(tokenizer.isSpecial(1));
        assertFalse(tokenizer.isSpecial(269));
    }
}
