package dev.kumiki.eval.metrics;

import java.util.function.Predicate;

/**
 * Whether a generated answer is written in Japanese, so that a score can count only Japanese answers (Sakana's
 * {@code acc_ja}: an MGSM-ja item counts when the extracted number is right <em>and</em> the response is Japanese).
 * <p>
 * Sakana's {@code evolutionary-model-merge} decides with fastText's {@code lid.176.ftz} language-identification
 * model: a response (newlines removed) is Japanese when the model gives {@code __label__ja} a probability above
 * 0.5. That model is not available to Kumiki (no model hub), so this class implements the documented fallback: the
 * text is NFKC-normalised and a response is Japanese when at least one letter is present and the share of Japanese
 * letters — hiragana, katakana (including ー), kanji — among all letters (Unicode categories L*) reaches the
 * threshold, by default {@value #DEFAULT_THRESHOLD} (fastText's cut-off, reused). Digits, punctuation and symbols
 * are not letters and do not count either way, so {@code "答えは12です。"} is Japanese and {@code "12"} is not.
 * Known limits, unlike fastText: text in Chinese (kanji only) counts as Japanese, and a Japanese answer with much
 * romaji or English mixed in may not.
 */
public final class JapaneseText {

    /** Default share of Japanese letters among letters for a text to count as Japanese. */
    public static final double DEFAULT_THRESHOLD = 0.5;

    /**
     * The filter's name in task files ({@code function: japanese_only}): a response that is not Japanese becomes the
     * empty string, so later filters find no answer and the sample scores 0 — how Sakana blanks non-Japanese
     * predictions before scoring.
     */
    public static final String FILTER_NAME = "japanese_only";

    private static final Predicate<String> DEFAULT = byShare(DEFAULT_THRESHOLD);

    private JapaneseText() {
    }

    /** Whether {@code text} is Japanese by the default rule (share of Japanese letters ≥ 0.5). */
    public static boolean isJapanese(String text) {
        return DEFAULT.test(text);
    }

    /** The default rule as a predicate, for filters and for callers that take one. */
    public static Predicate<String> predicate() {
        return DEFAULT;
    }

    /** A predicate with another threshold in (0, 1]. */
    public static Predicate<String> byShare(double threshold) {
        if (!(threshold > 0 && threshold <= 1)) {
            throw new IllegalArgumentException("the share of Japanese letters must be in (0, 1], got " + threshold);
        }
        return text -> {
            int[] counts = count(text);
            return counts[0] > 0 && counts[1] >= threshold * counts[0];
        };
    }

    /** The share of Japanese letters among the letters of {@code text} after NFKC; 0 when it has no letters. */
    public static double japaneseShare(String text) {
        int[] counts = count(text);
        return counts[0] == 0 ? 0.0 : (double) counts[1] / counts[0];
    }

    /** The {@value #FILTER_NAME} filter: the response itself when it is Japanese, else the empty string. */
    public static String filter(String response) {
        return isJapanese(response) ? response : "";
    }

    /** Whether a code point is a Japanese letter: hiragana, katakana, kanji, or the long-vowel mark ー. */
    static boolean isJapaneseLetter(int cp) {
        if (cp == 0x30FC) {
            return true; // ー is in the Common script, but only Japanese writes it
        }
        Character.UnicodeScript script = Character.UnicodeScript.of(cp);
        return (script == Character.UnicodeScript.HIRAGANA || script == Character.UnicodeScript.KATAKANA
                || script == Character.UnicodeScript.HAN) && Character.isLetter(cp);
    }

    private static int[] count(String text) {
        int[] counts = new int[2];
        PythonText.nfkc(text).codePoints().filter(Character::isLetter).forEach(cp -> {
            counts[0]++;
            if (isJapaneseLetter(cp)) {
                counts[1]++;
            }
        });
        return counts;
    }
}
