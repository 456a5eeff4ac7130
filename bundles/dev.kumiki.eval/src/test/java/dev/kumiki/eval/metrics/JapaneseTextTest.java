package dev.kumiki.eval.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.Predicate;

import org.junit.jupiter.api.Test;

class JapaneseTextTest {

    @Test
    void japaneseAnswersAndOthers() {
        Predicate<String> ja = JapaneseMetrics.isJapanese();
        assertTrue(ja.test("答えは12です。"));
        assertTrue(ja.test("りんごは3 + 4 = 7個です。"));
        assertTrue(ja.test("ｺﾝﾆﾁﾊ"));                         // half-width katakana, NFKC
        assertTrue(ja.test("コーヒー"));                        // ー counts as Japanese
        assertFalse(ja.test("The answer is 12."));
        assertFalse(ja.test("12"));                            // no letters
        assertFalse(ja.test(""));
        assertFalse(ja.test("I think 答え is 12"));            // 2 of 10 letters
        assertTrue(ja.test("我爱北京"));                         // the documented limit: kanji-only Chinese counts
    }

    @Test
    void shareAndThreshold() {
        // Pythonで計算します: 6 Latin letters, 6 Japanese (で 計 算 し ま す)
        assertEquals(0.5, JapaneseText.japaneseShare("Pythonで計算します"));
        assertTrue(JapaneseText.isJapanese("Pythonで計算します"));
        assertFalse(JapaneseText.byShare(0.6).test("Pythonで計算します"));
        assertEquals(0.0, JapaneseText.japaneseShare("123 !?"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JapaneseText.byShare(0));
        assertEquals("the share of Japanese letters must be in (0, 1], got 0.0", e.getMessage());
    }

    @Test
    void theFilterBlanksNonJapaneseResponses() {
        assertEquals("答えは7です。", JapaneseText.filter("答えは7です。"));
        assertEquals("", JapaneseText.filter("The answer is 7."));
    }
}
