package dev.kumiki.eval.metrics;

import java.util.OptionalDouble;
import java.util.regex.Pattern;

/**
 * llm-jp-eval's {@code exact_match_figure}: 1 when prediction and reference, read as Python floats, are equal, and
 * 0 when they differ or either cannot be read ({@code float(y_pred) == float(y_true)}, {@code ValueError} → 0).
 * Both strings are first NFKC-normalised (and the prediction stripped) as llm-jp-eval's evaluator does, so
 * full-width digits count. Reading follows Python's {@code float(str)}: surrounding whitespace, a sign, digits
 * with single underscores between them, a decimal point, an exponent, and {@code inf}/{@code infinity}/{@code nan}
 * in any case; {@code NaN} equals nothing. Thousands separators ({@code 1,000}) make a string unreadable, as in
 * Python: extract and clean the number first (a task's filters do that).
 */
public final class ExactMatchFigure implements TextMetric {

    /** The metric's name in task files ({@code metric: exact_match_figure}). */
    public static final String NAME = "exact_match_figure";

    private static final Pattern DECIMAL = Pattern.compile(
            "[+-]?(?:[0-9](?:_?[0-9])*(?:\\.(?:[0-9](?:_?[0-9])*)?)?|\\.[0-9](?:_?[0-9])*)(?:[eE][+-]?[0-9](?:_?[0-9])*)?");
    private static final Pattern SPECIAL = Pattern.compile("([+-]?)(inf|infinity|nan)", Pattern.CASE_INSENSITIVE);

    @Override
    public double score(String prediction, String reference) {
        OptionalDouble p = parsePythonFloat(PythonText.strip(PythonText.nfkc(prediction)));
        OptionalDouble r = parsePythonFloat(PythonText.nfkc(reference));
        return p.isPresent() && r.isPresent() && p.getAsDouble() == r.getAsDouble() ? 1.0 : 0.0;
    }

    /**
     * Python 3's {@code float(s)} for a string, or empty where Python raises {@code ValueError}. Non-ASCII decimal
     * digits (category Nd, e.g. full-width ０–９) read as their ASCII digits and non-ASCII whitespace as spaces, as
     * CPython does before parsing.
     */
    public static OptionalDouble parsePythonFloat(String s) {
        StringBuilder ascii = new StringBuilder(s.length());
        for (int i = 0; i < s.length();) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (cp < 128) {
                ascii.append((char) cp);
            } else if (PythonText.isSpace(cp)) {
                ascii.append(' ');
            } else if (Character.getType(cp) == Character.DECIMAL_DIGIT_NUMBER) {
                ascii.append((char) ('0' + Character.digit(cp, 10)));
            } else {
                return OptionalDouble.empty();
            }
        }
        String t = stripAsciiSpace(ascii.toString());
        var special = SPECIAL.matcher(t);
        if (special.matches()) {
            boolean negative = special.group(1).equals("-");
            if (special.group(2).equalsIgnoreCase("nan")) {
                return OptionalDouble.of(Double.NaN);
            }
            return OptionalDouble.of(negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY);
        }
        if (!DECIMAL.matcher(t).matches()) {
            return OptionalDouble.empty();
        }
        // Java's parser is correctly rounded, as CPython's dtoa: the same double for the same decimal
        return OptionalDouble.of(Double.parseDouble(t.replace("_", "")));
    }

    /** CPython strips only ASCII whitespace here (space, \t, \n, \v, \f, \r) after mapping other spaces to ' '. */
    private static String stripAsciiSpace(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && isAsciiSpace(s.charAt(start))) {
            start++;
        }
        while (end > start && isAsciiSpace(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(start, end);
    }

    private static boolean isAsciiSpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }
}
