package dev.kumiki.llm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.kumiki.tensor.TensorFormatException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a model folder's tokenizer files say, and the messages a user gets when they are wrong. */
class PretrainedTokenizerFilesTest {

    @TempDir
    Path folder;

    private static String advice(Path folder) {
        return "Copy the tokenizer files (tokenizer.json, tokenizer_config.json) of the model it was made from into "
                + folder + ".";
    }

    @Test
    void aFolderWithoutTokenizerJson() {
        TensorFormatException e = assertThrows(TensorFormatException.class, () -> PretrainedTokenizer.load(folder));
        assertEquals(folder + " has no tokenizer.json, so its text cannot be turned into tokens. " + advice(folder),
                e.getMessage());
    }

    @Test
    void aFolderWithOnlyASentencePieceModel() throws IOException {
        Files.write(folder.resolve("tokenizer.model"), new byte[] {1, 2, 3});
        TensorFormatException e = assertThrows(TensorFormatException.class, () -> PretrainedTokenizer.load(folder));
        assertEquals(folder + " has no tokenizer.json, so its text cannot be turned into tokens. It has"
                + " tokenizer.model (SentencePiece), which Kumiki does not read: save the tokenizer with transformers"
                + " (AutoTokenizer.from_pretrained(folder).save_pretrained(folder)) to write tokenizer.json, or copy it"
                + " from the base model.", e.getMessage());
    }

    @Test
    void tokenizerJsonThatIsNotJson() throws IOException {
        Files.writeString(folder.resolve("tokenizer.json"), "{\n  \"version\": \"1.0\",\n  \"model\": {\n    \"type\": \n");
        TensorFormatException e = assertThrows(TensorFormatException.class, () -> PretrainedTokenizer.load(folder));
        assertTrue(e.getMessage().startsWith(folder.resolve("tokenizer.json") + ": not valid JSON at line 5, column 1"),
                e.getMessage());
        assertTrue(e.getMessage().endsWith(advice(folder)), e.getMessage());
    }

    @Test
    void tokenizerJsonWithoutAModel() throws IOException {
        Files.writeString(folder.resolve("tokenizer.json"), "{\"version\": \"1.0\", \"added_tokens\": []}");
        TensorFormatException e = assertThrows(TensorFormatException.class, () -> PretrainedTokenizer.load(folder));
        assertEquals(folder.resolve("tokenizer.json") + ": has no \"model\" object, so it is not a Hugging Face"
                + " tokenizer.json. " + advice(folder), e.getMessage());
    }

    @Test
    void tokenizerJsonThatTheLibraryCannotRead() throws IOException {
        Files.writeString(folder.resolve("tokenizer.json"),
                "{\"version\": \"1.0\", \"added_tokens\": [], \"model\": {\"type\": \"NoSuchModel\", \"vocab\": {\"a\": 0}}}");
        TensorFormatException e = assertThrows(TensorFormatException.class, () -> PretrainedTokenizer.load(folder));
        assertTrue(e.getMessage().startsWith(folder.resolve("tokenizer.json")
                + ": Hugging Face's tokenizers library cannot read it ("), e.getMessage());
        assertTrue(e.getMessage().endsWith(advice(folder)), e.getMessage());
    }

    @Test
    void aBosTokenThatIsNoTokenOfTheTokenizer() throws IOException {
        ByteFallbackTokenizerTest.write(folder);
        Files.writeString(folder.resolve("tokenizer_config.json"), "{\"bos_token\": \"<|begin_of_text|>\"}");
        TensorFormatException e = assertThrows(TensorFormatException.class, () -> PretrainedTokenizer.load(folder));
        assertEquals(folder.resolve("tokenizer_config.json") + ": bos_token is \"<|begin_of_text|>\", which is no token"
                + " of " + folder.resolve("tokenizer.json") + ". The two files come from different tokenizers: "
                + advice(folder), e.getMessage());
    }

    @Test
    void anEosTokenIdOutOfRange() throws IOException {
        ByteFallbackTokenizerTest.write(folder);
        Files.writeString(folder.resolve("config.json"), "{\"eos_token_id\": [2, 500]}");
        TensorFormatException e = assertThrows(TensorFormatException.class, () -> PretrainedTokenizer.load(folder));
        assertEquals(folder.resolve("config.json") + ": eos_token_id should be a token id from 0 to 272 (or a list of"
                + " them), found [2,500]. Fix the file, or copy it from the base model.", e.getMessage());
    }

    @Test
    void decodingAnIdTheTokenizerDoesNotHave() throws IOException {
        ByteFallbackTokenizerTest.write(folder);
        try (PretrainedTokenizer t = PretrainedTokenizer.load(folder)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> t.decode(new int[] {269, 273}, false));
            assertEquals("token id 273 at position 1 is not in the tokenizer of " + folder + " (ids 0 to 272)",
                    e.getMessage());
        }
    }

    @Test
    void specialFlagsOfTokenizerConfigWinAsInTransformers() throws IOException {
        ByteFallbackTokenizerTest.write(folder);
        ObjectMapper json = new ObjectMapper();
        ObjectNode definition = (ObjectNode) json.readTree(folder.resolve("tokenizer.json").toFile());
        // two added tokens that tokenizer.json calls ordinary
        definition.withArray("added_tokens").addObject().put("id", 273).put("content", "<extra>")
                .put("single_word", false).put("lstrip", false).put("rstrip", false).put("normalized", false)
                .put("special", false);
        definition.withArray("added_tokens").addObject().put("id", 274).put("content", "<tool>")
                .put("single_word", false).put("lstrip", false).put("rstrip", false).put("normalized", false)
                .put("special", false);
        Files.writeString(folder.resolve("tokenizer.json"), json.writeValueAsString(definition));
        // tokenizer_config.json makes the first special through added_tokens_decoder, the second by naming it
        Files.writeString(folder.resolve("tokenizer_config.json"), """
                {"bos_token": "<s>", "eos_token": "</s>",
                 "added_tokens_decoder": {"273": {"content": "<extra>", "special": true, "normalized": false}},
                 "additional_special_tokens": ["<tool>"]}
                """);
        try (PretrainedTokenizer t = PretrainedTokenizer.load(folder)) {
            assertEquals(275, t.vocabularySize());
            assertTrue(t.isSpecial(273));
            assertTrue(t.isSpecial(274));
            int[] ids = t.encode("the<extra>cat<tool>", false);
            assertArrayEquals(new int[] {269, 273, 272, 270, 274}, ids);
            assertEquals("the cat", t.decode(ids, true));
        }
        // without tokenizer_config.json both stay ordinary
        Files.delete(folder.resolve("tokenizer_config.json"));
        try (PretrainedTokenizer t = PretrainedTokenizer.load(folder)) {
            assertFalse(t.isSpecial(273));
            assertEquals("the<extra> cat<tool>", t.decode(t.encode("the<extra>cat<tool>", false), true));
            assertTrue(t.bosToken().isEmpty());
            assertEquals(List.of(), t.eosTokens());
        }
    }

    @Test
    void aChatTemplateFileWinsOverTokenizerConfig() throws IOException {
        ByteFallbackTokenizerTest.write(folder);
        Files.writeString(folder.resolve("chat_template.jinja"),
                "{% for m in messages %}[{{ m.role }}] {{ m.content }}\n{% endfor %}\n");
        try (PretrainedTokenizer t = PretrainedTokenizer.load(folder)) {
            assertEquals("[user] こんにちは\n", t.applyChatTemplate(
                    List.of(new dev.kumiki.llm.Tokenizer.ChatMessage("user", "こんにちは")), false));
        }
    }
}
