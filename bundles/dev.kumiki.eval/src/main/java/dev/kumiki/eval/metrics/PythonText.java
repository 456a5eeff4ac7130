package dev.kumiki.eval.metrics;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;

/**
 * Python 3's string semantics where the reference implementations depend on them ({@code str.isspace},
 * {@code str.strip}, {@code str.split()}, the Unicode {@code \w} of {@code re}, {@code sorted} on strings), so that
 * the ported metrics give Python's answers on any text, not only on ASCII. Python counts and orders code points;
 * Java strings are UTF-16, so everything here works on code points.
 */
final class PythonText {

    private PythonText() {
    }

    /** NFKC, as llm-jp-eval applies to predictions and references ({@code unicodedata.normalize("NFKC", s)}). */
    static String nfkc(String s) {
        return Normalizer.normalize(s, Normalizer.Form.NFKC);
    }

    /**
     * {@code str.isspace()} for one code point: Python's table marks a character as space when its general category
     * is Zs or its bidirectional class is WS, B or S (this includes U+0085 and U+00A0, which
     * {@link Character#isWhitespace} does not).
     */
    static boolean isSpace(int cp) {
        if (Character.getType(cp) == Character.SPACE_SEPARATOR) {
            return true;
        }
        byte d = Character.getDirectionality(cp);
        return d == Character.DIRECTIONALITY_WHITESPACE || d == Character.DIRECTIONALITY_PARAGRAPH_SEPARATOR
                || d == Character.DIRECTIONALITY_SEGMENT_SEPARATOR;
    }

    /**
     * Whether {@code re}'s Unicode {@code \w} matches the code point: letters (Lu, Ll, Lt, Lm, Lo), numbers (Nd, Nl,
     * No) and the underscore. (Checked against CPython 3.11 over all code points: the same set.) Combining marks,
     * punctuation and symbols are not word characters.
     */
    static boolean isWord(int cp) {
        if (cp == '_') {
            return true;
        }
        return switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                    Character.MODIFIER_LETTER, Character.OTHER_LETTER, Character.DECIMAL_DIGIT_NUMBER,
                    Character.LETTER_NUMBER, Character.OTHER_NUMBER -> true;
            default -> false;
        };
    }

    /** {@code str.strip()}: removes Python whitespace at both ends. */
    static String strip(String s) {
        int start = 0;
        int end = s.length();
        while (start < end) {
            int cp = s.codePointAt(start);
            if (!isSpace(cp)) {
                break;
            }
            start += Character.charCount(cp);
        }
        while (end > start) {
            int cp = s.codePointBefore(end);
            if (!isSpace(cp)) {
                break;
            }
            end -= Character.charCount(cp);
        }
        return s.substring(start, end);
    }

    /** {@code str.split()} without arguments: runs of Python whitespace separate tokens; no empty tokens. */
    static List<String> split(String s) {
        List<String> out = new ArrayList<>();
        int i = 0;
        int n = s.length();
        while (i < n) {
            while (i < n && isSpace(s.codePointAt(i))) {
                i += Character.charCount(s.codePointAt(i));
            }
            int start = i;
            while (i < n && !isSpace(s.codePointAt(i))) {
                i += Character.charCount(s.codePointAt(i));
            }
            if (i > start) {
                out.add(s.substring(start, i));
            }
        }
        return out;
    }

    /** Python's ordering of {@code str}: lexicographic by code point (not by UTF-16 unit, as {@code compareTo}). */
    static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Boolean.compare(i < a.length(), j < b.length());
    }
}
