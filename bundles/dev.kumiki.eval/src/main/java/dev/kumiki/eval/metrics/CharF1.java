package dev.kumiki.eval.metrics;

import java.util.List;
import java.util.Locale;

/**
 * llm-jp-eval's {@code char_f1}: {@code fuzz.token_sort_ratio(y_pred, y_true) / 100} of fuzzywuzzy 0.18 with
 * python-Levenshtein installed (llm-jp-eval depends on both), after llm-jp-eval's NFKC normalisation of both
 * strings. Despite the name it is an edit similarity, not a character F1. Step by step, as fuzzywuzzy does it:
 * <ol>
 * <li>{@code full_process(s, force_ascii=True)}: the code points U+0080–U+00FF are deleted (fuzzywuzzy's
 * "asciidammit" removes exactly that range in Python 3; Japanese and every other character above U+00FF are kept),
 * every character that is not a Unicode word character ({@code re}'s {@code \W}: not a letter, not a number, not
 * {@code _}) becomes a space, the result is lower-cased and stripped;</li>
 * <li>the whitespace-separated tokens are sorted by code point and joined with single spaces;</li>
 * <li>{@code fuzz.ratio}: 100 when the two sorted strings are equal (also when both are empty), 0 when one is
 * empty, else {@code round(100 * Levenshtein.ratio(a, b))} with Python's round-half-to-even, where
 * {@code Levenshtein.ratio = 1 - indel_distance / (len(a) + len(b))} over code points and the indel distance
 * (insertions and deletions only) is {@code len(a) + len(b) - 2 * LCS(a, b)}.</li>
 * </ol>
 * Without python-Levenshtein fuzzywuzzy would fall back to {@code difflib.SequenceMatcher}, whose matching blocks
 * are not a longest common subsequence and give other numbers; llm-jp-eval's environment has python-Levenshtein, so
 * this is the number its users see. Since the tokens of Japanese text are whole runs of letters between
 * punctuation, sorting rarely reorders Japanese; the score is then essentially the indel similarity of the two
 * texts with punctuation turned into spaces.
 */
public final class CharF1 implements TextMetric {

    /** The metric's name in task files ({@code metric: char_f1}). */
    public static final String NAME = "char_f1";

    @Override
    public double score(String prediction, String reference) {
        String p = PythonText.strip(PythonText.nfkc(prediction));
        String r = PythonText.nfkc(reference);
        return tokenSortRatio(p, r) / 100.0;
    }

    /** fuzzywuzzy's {@code fuzz.token_sort_ratio(a, b)} (defaults: {@code force_ascii=True, full_process=True}). */
    public static int tokenSortRatio(String a, String b) {
        return ratio(processAndSort(a), processAndSort(b));
    }

    /** fuzzywuzzy's {@code fuzz.ratio(a, b)} over python-Levenshtein: an integer 0..100. */
    public static int ratio(String a, String b) {
        if (a.equals(b)) {
            return 100;
        }
        if (a.isEmpty() || b.isEmpty()) {
            return 0;
        }
        return (int) Math.rint(100 * levenshteinRatio(a, b));
    }

    /**
     * python-Levenshtein's {@code ratio(a, b)}: {@code 1 - indel_distance / (len(a) + len(b))} over code points,
     * computed in that order as rapidfuzz does (the rounding to an integer percentage can depend on the last bit).
     */
    public static double levenshteinRatio(String a, String b) {
        int[] x = a.codePoints().toArray();
        int[] y = b.codePoints().toArray();
        int total = x.length + y.length;
        if (total == 0) {
            return 1.0;
        }
        int distance = total - 2 * Lcs.length(x, y);
        return 1.0 - (double) distance / total;
    }

    /** fuzzywuzzy's {@code _process_and_sort(s, force_ascii=True)}. */
    static String processAndSort(String s) {
        List<String> tokens = PythonText.split(fullProcess(s));
        return String.join(" ", tokens.stream().sorted(PythonText::compareCodePoints).toList());
    }

    /** fuzzywuzzy's {@code utils.full_process(s, force_ascii=True)}. */
    static String fullProcess(String s) {
        StringBuilder out = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> {
            if (cp >= 0x80 && cp <= 0xFF) {
                return;
            }
            if (PythonText.isWord(cp)) {
                out.appendCodePoint(cp);
            } else {
                out.append(' ');
            }
        });
        return PythonText.strip(out.toString().toLowerCase(Locale.ROOT));
    }
}
