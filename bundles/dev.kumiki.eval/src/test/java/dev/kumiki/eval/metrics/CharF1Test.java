package dev.kumiki.eval.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

class CharF1Test {

    private final CharF1 charF1 = new CharF1();

    @Test
    void publishedExamplesOfFuzzywuzzyAndLevenshtein() {
        // fuzzywuzzy's README (with python-Levenshtein)
        assertEquals(97, CharF1.ratio("this is a test", "this is a test!"));
        assertEquals(91, CharF1.ratio("fuzzy wuzzy was a bear", "wuzzy fuzzy was a bear"));
        assertEquals(100, CharF1.tokenSortRatio("fuzzy wuzzy was a bear", "wuzzy fuzzy was a bear"));
        assertEquals(84, CharF1.tokenSortRatio("fuzzy was a bear", "fuzzy fuzzy was a bear"));
        // Levenshtein.ratio's docstring: ratio("lewenstein", "levenshtein") = 0.85714285714285
        assertEquals(0.85714285714285, CharF1.levenshteinRatio("lewenstein", "levenshtein"), 1e-13);
        assertEquals(0.86, charF1.score("lewenstein", "levenshtein"));
    }

    @Test
    void handComputedValues() {
        // 8 + 8 code points, LCS "abcde" = 5: indel distance 6, ratio 1 - 6/16 = 0.625, 62.5 rounds half to even
        assertEquals(62, CharF1.tokenSortRatio("abcdefgh", "abcdexyz"));
        assertEquals(62, CharF1.tokenSortRatio("あいうえおかきく", "あいうえおさしす"));
        // 。 becomes a space and is stripped: 東京都に住んでいます (10) vs 東京に住んでいます (9), LCS 9, 1 - 1/19
        assertEquals(0.95, charF1.score("東京都に住んでいます。", "東京に住んでいます"));
        // tokens are sorted: word order does not matter, punctuation only separates
        assertEquals(1.0, charF1.score("りんご、みかん", "みかん りんご"));
        // fuzzywuzzy deletes U+0080..U+00FF (force_ascii): café and caf are the same
        assertEquals(1.0, charF1.score("café", "caf"));
        // both empty after processing: equal strings, 100; one empty: 0
        assertEquals(1.0, charF1.score("。", "、"));
        assertEquals(0.0, charF1.score("。", "東京"));
        // NFKC first: full-width letters and digits equal their ASCII forms, case is folded
        assertEquals(1.0, charF1.score("ＡＢＣ１２３", "abc123"));
        // "1,000" has two tokens, sorted "000 1", against "1000": LCS "000" = 3, indel 3 of 9, 1 - 3/9 -> 67
        assertEquals(67, CharF1.tokenSortRatio("1,000", "1000"));
    }

    @Test
    void agreesWithThePythonReferenceOnJapaneseAndMixedText(@TempDir Path work) throws Exception {
        List<String[]> pairs = new ArrayList<>(List.of(
                new String[] {"東京都に住んでいます。", "東京に住んでいます"},
                new String[] {"太郎は りんごを３個 買いました！", "太郎はりんごを3個買いました。"},
                new String[] {"答えは12です。", "12"},
                new String[] {"ＡＩと機械学習", "機械学習とAI"},
                new String[] {"İstanbul ΣΑΣ café naïve", "istanbul σας cafe naive"},
                new String[] {"𠮷野家で牛丼", "吉野家で牛丼"},
                new String[] {"ﾃｽﾄ・データ", "テスト データ"},
                new String[] {"㍻の㈱", "平成の(株)"},
                new String[] {"a_b c-d", "a b c_d"},
                new String[] {"\u00a0先頭\u3000末尾\u0085", "先頭 末尾"},
                new String[] {"𝔘𝔫𝔦𝔠𝔬𝔡𝔢 😀 ｶﾀｶﾅ", "unicode カタカナ 😀"},
                new String[] {"", "何か"},
                new String[] {"", ""}));
        // seeded random pairs over an alphabet mixing kana, kanji, Latin, Latin-1, digits, punctuation and spaces
        String alphabet = "あいうかきくさしすたちアイウカキク東京都大学日本語abcABCéü0123４５。、！？・ー 　-_\n";
        int[] cps = alphabet.codePoints().toArray();
        Random r = new Random(7);
        for (int i = 0; i < 300; i++) {
            pairs.add(new String[] {randomText(r, cps), randomText(r, cps)});
        }
        JsonNode ref = PythonReference.run(work, pairs, List.of());
        int difflibDiffers = 0;
        for (int i = 0; i < pairs.size(); i++) {
            String[] p = pairs.get(i);
            double expected = ref.get("char_f1").get(i).asDouble();
            assertEquals(expected, charF1.score(p[0], p[1]), () -> "char_f1(" + p[0] + ", " + p[1] + ")");
            if (ref.get("difflib_char_f1").get(i).asDouble() != expected) {
                difflibDiffers++;
            }
        }
        // the choice of ratio matters: difflib (fuzzywuzzy without python-Levenshtein) gives other numbers
        assertTrue(difflibDiffers > 0, "difflib and Levenshtein agreed on every pair");
        System.out.println("char_f1: " + pairs.size() + " pairs equal to the reference; difflib would differ on "
                + difflibDiffers);
    }

    private static String randomText(Random r, int[] cps) {
        int n = r.nextInt(25);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.appendCodePoint(cps[r.nextInt(cps.length)]);
        }
        return sb.toString();
    }
}
