package dev.kumiki.llm.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * Streaming with stop strings, fed token by token: Japanese text one UTF-8 byte per token, so that most tokens end
 * inside a character.
 */
class StopStringsTest {
    private final ByteTokenizer bytes = new ByteTokenizer();

    private record Run(String text, List<String> pieces, int fed) {
    }

    private Run feed(String generated, List<String> stops) {
        List<String> pieces = new ArrayList<>();
        TransformerLanguageModel.StopStrings s = new TransformerLanguageModel.StopStrings(bytes, stops, pieces::add);
        int fed = 0;
        for (int t : bytes.encode(generated, false)) {
            fed++;
            if (!s.add(t)) {
                break;
            }
        }
        return new Run(s.finish(), pieces, fed);
    }

    @Test
    void theTextIsCutBeforeTheFirstStopStringAndNothingOfItIsStreamed() {
        Run r = feed("日本語です。質問：次は？", List.of("質問", "。質"));
        assertEquals("日本語です", r.text());
        assertEquals(r.text(), String.join("", r.pieces()));
        // "。質" ends at the 6th character's third byte: generation stopped there, not at the end
        assertEquals("日本語です。質".getBytes(java.nio.charset.StandardCharsets.UTF_8).length, r.fed());
    }

    @Test
    void noPieceHoldsAHalfCharacter() {
        Run r = feed("吾輩は猫である。名前はまだ無い。", List.of());
        assertEquals("吾輩は猫である。名前はまだ無い。", r.text());
        assertEquals(r.text(), String.join("", r.pieces()));
        assertTrue(r.pieces().size() > 1, "streamed as it came");
        for (String p : r.pieces()) {
            assertFalse(p.contains("\uFFFD"), "a piece ends inside a character: " + p);
        }
    }

    /** Words with SentencePiece's leading-space marker; decoding drops the space before a sequence's first word. */
    private static final class WordTokenizer implements dev.kumiki.llm.Tokenizer {
        final List<String> words = List.of("▁the", "▁cat", "▁sat", "▁on", "▁mat", ".");

        @Override
        public int[] encode(String text, boolean addSpecialTokens) {
            throw new UnsupportedOperationException();
        }

        @Override
        public String decode(int[] tokens, boolean skipSpecialTokens) {
            StringBuilder s = new StringBuilder();
            for (int t : tokens) {
                s.append(words.get(t).replace('▁', ' '));
            }
            return s.length() > 0 && s.charAt(0) == ' ' ? s.substring(1) : s.toString();
        }

        @Override
        public int vocabularySize() {
            return words.size();
        }

        @Override
        public java.util.OptionalInt bosToken() {
            return java.util.OptionalInt.empty();
        }

        @Override
        public List<Integer> eosTokens() {
            return List.of();
        }

        @Override
        public String applyChatTemplate(List<ChatMessage> messages, boolean addGenerationPrompt) {
            throw new UnsupportedOperationException();
        }
    }

    @Test
    void decodingOnlyTheNewestTokensKeepsTheSpacesBetweenWords() {
        WordTokenizer words = new WordTokenizer();
        List<String> pieces = new ArrayList<>();
        TransformerLanguageModel.StopStrings s = new TransformerLanguageModel.StopStrings(words, List.of(),
                pieces::add);
        int[] tokens = {0, 1, 2, 3, 0, 4, 5};
        for (int t : tokens) {
            assertTrue(s.add(t));
        }
        assertEquals(words.decode(tokens, true), s.finish());
        assertEquals("the cat sat on the mat.", String.join("", pieces));
        assertEquals(List.of("the", " cat", " sat", " on", " the", " mat", "."), pieces);
    }

    @Test
    void aPossibleStartOfAStopStringIsHeldBackUntilItIsDecided() {
        List<String> pieces = new ArrayList<>();
        TransformerLanguageModel.StopStrings s = new TransformerLanguageModel.StopStrings(bytes,
                List.of("\n\nQ:"), pieces::add);
        for (int t : bytes.encode("A1\n\n", false)) {
            assertTrue(s.add(t));
        }
        assertEquals("A1", String.join("", pieces), "the two newlines may begin the stop string");
        for (int t : bytes.encode("Next", false)) {
            assertTrue(s.add(t));
        }
        assertEquals("A1\n\nNext", s.finish());
        assertEquals("A1\n\nNext", String.join("", pieces));
    }
}
