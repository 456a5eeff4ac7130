package dev.kumiki.eval.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;

import org.junit.jupiter.api.Test;

class NumericAnswerTest {

    private static void expect(String expected, String response) {
        assertEquals(Optional.ofNullable(expected), NumericAnswer.extract(response), response);
    }

    @Test
    void theMarkedAnswerWins() {
        expect("7", "りんごは3個と4個で、3 + 4 = 7です。答えは7です。");
        expect("12", "答えは12です。でも13かもしれません。");        // the marked number, not the last one
        expect("12", "答えは12個です。");                           // a counter between the number and です
        expect("1200", "答えは1,200円です。");                      // thousands separator removed
        expect("12", "答えは１２です。");                            // full-width digits (NFKC)
        expect("-3", "答えは-3です。");
        expect("-3", "答えは－３です。");                            // full-width minus (NFKC)
        expect("2.5", "答えは2.5です。");
        expect("42", "So 6 × 7 = 42. The answer is 42.");
        expect("8", "The answer is 8. Then 9 more.");
        expect("5", "答えは 5 です。");
    }

    @Test
    void otherwiseTheLastNumber() {
        expect("1234567", "合計は 1,234,567 個");
        expect("4", "7-3=4");                                        // 3 is not negative here
        expect("3", "気温は-5度から3度まで");
        expect("-5", "気温は-5度");
        expect("3.14", "円周率は3.14");
        expect("2", "3.14と2");
        expect("25", "全部で25個あります。");                        // as Sakana's last-number rule
        expect("40", "答えは四十です。40");                           // kanji numerals are not read
    }

    @Test
    void noNumberIsInvalid() {
        expect(null, "わかりません。");
        expect(null, "");
        assertEquals("[invalid]", NumericAnswer.filter("わかりません。"));
        assertEquals("7", NumericAnswer.filter("答えは7です。"));
    }
}
