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
