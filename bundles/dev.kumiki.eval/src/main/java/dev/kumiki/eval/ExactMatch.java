package dev.kumiki.eval;

import java.util.Locale;

import dev.kumiki.eval.task.MetricSpec;

/**
 * lm-evaluation-harness's {@code exact_match} (Hugging Face evaluate's): remove each of {@code regexes_to_ignore}
 * from both texts, then lower-case them ({@code ignore_case}), drop ASCII punctuation ({@code ignore_punctuation},
 * Python's {@code string.punctuation}) and digits ({@code ignore_numbers}), and compare: 1 when equal, else 0.
 */
public final class ExactMatch {
    private static final String PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

    private ExactMatch() {
    }

    /** 1 when {@code prediction} equals {@code reference} under {@code options}, else 0. */
    public static double score(String prediction, String reference, MetricSpec options) {
        return normalise(prediction, options).equals(normalise(reference, options)) ? 1 : 0;
    }

    static String normalise(String s, MetricSpec o) {
        for (String r : o.regexesToIgnore()) {
            s = s.replaceAll(r, "");
        }
        if (o.ignoreCase()) {
            s = s.toLowerCase(Locale.ROOT);
        }
        if (o.ignorePunctuation()) {
            s = remove(s, PUNCTUATION);
        }
        if (o.ignoreNumbers()) {
            s = remove(s, "0123456789");
        }
        return s;
    }

    private static String remove(String s, String chars) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (chars.indexOf(c) < 0) {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
