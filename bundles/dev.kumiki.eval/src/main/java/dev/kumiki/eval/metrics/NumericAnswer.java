package dev.kumiki.eval.metrics;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * MGSM-ja style extraction of a numeric answer from a generated solution, for use as a task filter
 * ({@value #FILTER_NAME}). The response is NFKC-normalised first (full-width digits, commas and minus signs become
 * ASCII), then:
 * <ol>
 * <li>the number in the first {@code 答えは N です} (optionally a counter or unit between the number and です, such
 * as {@code 答えは12個です。}) or {@code The answer is N} — the marker lm-evaluation-harness's
 * {@code mgsm_native_cot_ja} matches strictly with {@code 答えは(\-?[0-9\.\,]+)です。};</li>
 * <li>otherwise the last number in the text, as Sakana's {@code evolutionary-model-merge} scores MGSM-ja (their
 * {@code extract_answer_number} takes the last match of {@code \d*\.?\d+}).</li>
 * </ol>
 * A number is an optional minus sign (not directly after a digit or letter, so {@code 7-3} yields 7 and 3), digits
 * with optional thousands separators ({@code 1,200}) and an optional decimal part; the commas are removed from the
 * result. Numbers written in kanji (十二) are not read.
 */
public final class NumericAnswer {

    /** The filter's name in task files: {@code filter: [{function: numeric_answer}, ...]}. */
    public static final String FILTER_NAME = "numeric_answer";

    /** What a filter yields when no number is found, as lm-evaluation-harness's regex filter does. */
    public static final String INVALID = "[invalid]";

    // a minus sign only where it cannot be a binary minus; digits not glued to a previous number or decimal point
    private static final String NUMBER =
            "(?:(?<![0-9A-Za-z])-)?(?<![0-9.])(?:[0-9]{1,3}(?:,[0-9]{3})+(?![0-9])|[0-9]+)(?:\\.[0-9]+)?";
    private static final Pattern JA_MARKED = Pattern.compile("答えは[ \\t]*(" + NUMBER + ")[^0-9。\\n]{0,8}?です");
    private static final Pattern EN_MARKED = Pattern.compile("[Tt]he answer is[ \\t]*(" + NUMBER + ")");
    private static final Pattern ANY = Pattern.compile(NUMBER);

    private NumericAnswer() {
    }

    /** The answer's number as a string without thousands separators (e.g. {@code "1200"}, {@code "-3.5"}). */
    public static Optional<String> extract(String response) {
        String text = PythonText.nfkc(response);
        Matcher ja = JA_MARKED.matcher(text);
        Matcher en = EN_MARKED.matcher(text);
        boolean hasJa = ja.find();
        boolean hasEn = en.find();
        if (hasJa || hasEn) {
            Matcher first = !hasEn || (hasJa && ja.start() < en.start()) ? ja : en;
            return Optional.of(clean(first.group(1)));
        }
        Matcher any = ANY.matcher(text);
        String last = null;
        while (any.find()) {
            last = any.group();
        }
        return Optional.ofNullable(last).map(NumericAnswer::clean);
    }

    /** The filter form: the extracted number, or {@value #INVALID}. */
    public static String filter(String response) {
        return extract(response).orElse(INVALID);
    }

    private static String clean(String number) {
        return number.replace(",", "");
    }
}
