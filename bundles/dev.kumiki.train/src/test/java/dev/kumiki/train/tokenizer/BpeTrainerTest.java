package dev.kumiki.train.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.kumiki.llm.Tokenizer.ChatMessage;
import dev.kumiki.llm.tokenizer.PretrainedTokenizer;
import dev.kumiki.train.data.Example;
import dev.kumiki.train.data.TokenizedSequence;
import dev.kumiki.train.data.Tokenization;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BpeTrainerTest {

    /** English and Japanese sentences made from templates, so the corpus has repeated words to merge. */
    static List<String> corpus() {
        String[] names = {"Alice", "Bob", "the teacher", "my friend", "a student", "the cat"};
        String[] verbs = {"reads", "writes", "likes", "found", "is learning", "wanted"};
        String[] things = {"a book about trains", "the letter", "Japanese", "new words", "the answer 42",
                "three apples"};
        String[] who = {"私", "先生", "友達", "学生", "猫", "田中さん"};
        String[] what = {"本を読みます", "手紙を書きました", "日本語を勉強しています", "コーヒーを飲みたい",
                "新しい言葉を覚えました", "東京へ行きます"};
        String[] when = {"毎朝", "昨日", "今日は", "週末に", "来年", "ときどき"};
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            for (int j = 0; j < verbs.length; j++) {
                for (int k = 0; k < things.length; k++) {
                    texts.add(names[i] + " " + verbs[(j + i) % verbs.length] + " " + things[(k + j) % things.length]
                            + (k % 2 == 0 ? ".\n" : "! It's " + (i * 7 + j * 3 + k) + " o'clock.\n"));
                    texts.add(when[k] + who[i] + "は" + what[(j + k) % what.length] + (j % 2 == 0 ? "。" : "。「はい、"
                            + "そうです」と言いました。") + "\n");
                }
            }
        }
        return texts;
    }

    /** Texts not in the corpus: English, Japanese, mixed, emoji, control characters, specials written in text. */
    static final List<String> SAMPLES = List.of(
            "The teacher writes a letter about trains.",
            "Hello, world!  Two spaces,\ttabs\tand\r\nnew lines\n\n",
            "毎朝、先生は新しい本を読みます。「はい」と言いました。",
            "東京タワーへ行きましょう！ラーメンを食べたいです。",
            "Tanaka-san (田中さん) said: 日本語 is fun, isn't it? 123 + 456 = 579",
            "emoji 🎉🍣 and flags 🇯🇵, ZWJ 👩‍💻 and é vs e\u0301",
            "control \u0000\u0001\u0007\u001b[31m\u007f end",
            "<|im_start|>user\nhi<|im_end|>\n<|endoftext|>",
            "ｈａｌｆ　ｗｉｄｔｈ ｶﾀｶﾅ and ideographic　space",
            "");

    @TempDir
    static Path dir;
    static Path folder;

    @BeforeAll
    static void train() throws IOException {
        folder = dir.resolve("tok");
        BpeTrainer.Trained trained = BpeTrainer.of(500).optModelMaxLength(256).train(corpus());
        // the corpus has enough pairs for 500 tokens (it runs out at about 530)
        assertEquals(500, trained.vocabularySize());
        trained.writeTo(folder);
    }

    @Test
    void theFileLoadsInHuggingFaceTokenizersAndEncodesAsTheReference() throws IOException {
        ReferenceByteLevelBpe reference = new ReferenceByteLevelBpe(folder.resolve("tokenizer.json"));
        try (PretrainedTokenizer tokenizer = PretrainedTokenizer.load(folder)) {
            assertEquals(500, tokenizer.vocabularySize());
            assertEquals(1, tokenizer.bosToken().orElseThrow());
            assertEquals(List.of(0), tokenizer.eosTokens());
            for (String text : SAMPLES) {
                assertArrayEquals(reference.encode(text, false), tokenizer.encode(text, false), text);
                int[] ids = tokenizer.encode(text, true);
                assertArrayEquals(reference.encode(text, true), ids, text);
                assertEquals(1, ids[0], "BOS first: " + text);
                assertEquals(text, tokenizer.decode(ids, false).substring(BpeTrainer.BEGIN_OF_TEXT.length()), text);
                assertEquals(text, reference.decode(Arrays.copyOfRange(ids, 1, ids.length)), text);
            }
            // the corpus' words are merged: its sentences take far fewer tokens than bytes
            for (String sentence : List.of("昨日先生は日本語を勉強しています。\n", "Bob likes the letter.\n")) {
                int bytes = sentence.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
                int tokens = tokenizer.encode(sentence, false).length;
                assertTrue(tokens * 3 < bytes, sentence + ": " + tokens + " tokens for " + bytes + " bytes");
            }
            // kanji and the kana after them are never one token (the split regex keeps the scripts apart)
            for (int id : tokenizer.encode("日本語を勉強しています", false)) {
                String piece = tokenizer.decode(new int[] {id}, false);
                assertTrue(piece.codePoints().allMatch(c -> Character.UnicodeScript.of(c) == Character.UnicodeScript.HAN)
                        || piece.codePoints().noneMatch(c -> Character.UnicodeScript.of(c)
                                == Character.UnicodeScript.HAN), piece);
            }
            // special tokens written in text are single tokens, and skipped on request
            assertArrayEquals(new int[] {2}, tokenizer.encode(BpeTrainer.IM_START, false));
            assertEquals("user\nhi\n", tokenizer.decode(tokenizer.encode(SAMPLES.get(7), true), true));
        }
    }

    @Test
    void theMergesOfATinyCorpusAsWorkedOutByHand() {
        // pieces: "hello" ×1, " hello" ×2, "help" ×1. Pair counts: e l 4, h e 4 (tie: 'e' < 'h', so "e l"), then
        // h el 4; el l 3 and l o 3 (tie: 'l' is a byte, "el" a later symbol, so "l o"); hel lo 3; Ġ hello 2; hel p
        // is seen once, below the minimum frequency of 2: training stops with 5 merges
        BpeTrainer.Trained t = BpeTrainer.of(1000).train(List.of("hello hello hello", "help"));
        JsonNode model = json(t.tokenizerJson()).get("model");
        List<String> merges = new ArrayList<>();
        model.get("merges").forEach(m -> merges.add(m.asText()));
        assertEquals(List.of("e l", "h el", "l o", "hel lo", "Ġ hello"), merges);
        assertEquals(265, t.vocabularySize());
        assertEquals(264, model.get("vocab").get("Ġhello").asInt());
        assertEquals(4, model.get("vocab").get("Ā").asInt(), "byte 0 comes right after the 4 special tokens");
        assertEquals(4 + 'a', model.get("vocab").get("a").asInt());
        // with every pair allowed, "hel p" is merged too
        assertEquals(6, BpeTrainer.of(1000).optMinFrequency(1).train(List.of("hello hello hello", "help")).merges());
    }

    @Test
    void compressionImprovesWithVocabularySize() throws IOException {
        List<String> heldOut = new ArrayList<>();
        List<String> all = corpus();
        for (int i = 0; i < all.size(); i += 5) {
            heldOut.add(all.get(i));
        }
        List<String> train = new ArrayList<>(all);
        train.removeAll(heldOut);
        long[] counts = new long[3];
        int[] sizes = {300, 380, 460};
        for (int s = 0; s < sizes.length; s++) {
            Path out = dir.resolve("v" + sizes[s]);
            BpeTrainer.Trained t = BpeTrainer.of(sizes[s]).train(train);
            assertEquals(sizes[s], t.vocabularySize());
            t.writeTo(out);
            try (PretrainedTokenizer tokenizer = PretrainedTokenizer.load(out)) {
                for (String text : heldOut) {
                    counts[s] += tokenizer.encode(text, false).length;
                }
            }
        }
        long bytes = heldOut.stream().mapToLong(t -> t.getBytes(java.nio.charset.StandardCharsets.UTF_8).length)
                .sum();
        assertTrue(bytes > counts[0] && counts[0] > counts[1] && counts[1] > counts[2],
                "bytes " + bytes + ", tokens " + Arrays.toString(counts));
    }

    @Test
    void theSameCorpusGivesTheSameFilesByteForByte() throws IOException {
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        BpeTrainer.of(500).optModelMaxLength(256).train(corpus()).writeTo(a);
        BpeTrainer.of(500).optModelMaxLength(256).train(corpus()).writeTo(b);
        for (String name : List.of("tokenizer.json", "tokenizer_config.json")) {
            assertEquals(-1L, Files.mismatch(a.resolve(name), b.resolve(name)), name);
            assertEquals(-1L, Files.mismatch(a.resolve(name), folder.resolve(name)), name);
        }
    }

    @Test
    void writingReplacesTheFilesAndLeavesNothingElse() throws IOException {
        Path out = dir.resolve("replace");
        Files.createDirectories(out);
        Files.writeString(out.resolve("tokenizer.json"), "old");
        Files.writeString(out.resolve("config.json"), "{}");
        BpeTrainer.Trained t = BpeTrainer.of(300).train(corpus());
        t.writeTo(out);
        try (Stream<Path> files = Files.list(out)) {
            assertEquals(List.of("config.json", "tokenizer.json", "tokenizer_config.json"),
                    files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertEquals(t.tokenizerJson(), Files.readString(out.resolve("tokenizer.json")));
        JsonNode config = json(Files.readString(out.resolve("tokenizer_config.json")));
        assertEquals("<|begin_of_text|>", config.get("bos_token").asText());
        assertEquals("<|endoftext|>", config.get("eos_token").asText());
        assertEquals("<|endoftext|>", config.get("pad_token").asText());
        assertEquals(2048, config.get("model_max_length").asInt());
    }

    @Test
    void itsChatTemplateTrainsTheAssistantTurns() throws Exception {
        try (PretrainedTokenizer tokenizer = PretrainedTokenizer.load(folder)) {
            List<ChatMessage> messages = List.of(new ChatMessage("system", "Be brief."),
                    new ChatMessage("user", "日本語は？"), new ChatMessage("assistant", "はい、少し。"),
                    new ChatMessage("user", "Thanks"), new ChatMessage("assistant", "You're welcome."));
            assertEquals("<|begin_of_text|><|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\n日本語は？"
                    + "<|im_end|>\n<|im_start|>assistant\nはい、少し。<|im_end|>\n<|im_start|>user\nThanks<|im_end|>\n"
                    + "<|im_start|>assistant\nYou're welcome.<|im_end|>\n", tokenizer.applyChatTemplate(messages, false));
            TokenizedSequence s = Tokenization.of(tokenizer, 256, false)
                    .tokenize(new Example.Conversation(1, messages), "chat.jsonl");
            assertArrayEquals(tokenizer.encode(tokenizer.applyChatTemplate(messages, false), false), s.tokens());
            List<String> runs = new ArrayList<>();
            for (int i = 0; i < s.tokens().length; i++) {
                int start = i;
                while (i < s.tokens().length && s.trained()[i]) {
                    i++;
                }
                if (i > start) {
                    runs.add(tokenizer.decode(Arrays.copyOfRange(s.tokens(), start, i), false));
                }
            }
            assertEquals(List.of("はい、少し。<|im_end|>\n", "You're welcome.<|im_end|>\n"), runs);
        }
    }

    @Test
    void errors() {
        assertEquals("a byte-level BPE vocabulary needs at least 260 tokens (4 special tokens and the 256 bytes),"
                + " found 100: raise the size",
                assertThrows(IllegalArgumentException.class, () -> BpeTrainer.of(100)).getMessage());
        assertEquals("the corpus to train the tokenizer on has no text",
                assertThrows(IllegalArgumentException.class, () -> BpeTrainer.of(300).train(List.of("", "")))
                        .getMessage());
    }

    private static JsonNode json(String text) {
        try {
            return new ObjectMapper().readTree(text);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
