package dev.kumiki.eval.metrics;

import java.util.List;
import java.util.Locale;
import java.util.TreeMap;

/**
 * Token F1 in the SQuAD style over Japanese morphemes: the bag-of-tokens overlap
 * ({@code Counter(prediction) & Counter(reference)}), {@code P = overlap / |prediction|},
 * {@code R = overlap / |reference|}, {@code F1 = 2PR / (P + R)}; 0 when nothing is shared; when either side has no
 * tokens, 1 if both have none and 0 otherwise (SQuAD v2's rule). Tokenisation: NFKC, lower case, Kuromoji-IPADIC
 * surface forms, and — as SQuAD's {@code normalize_answer} removes punctuation — morphemes made only of punctuation
 * or symbols (Unicode P* and S*) are dropped. English articles are not removed (SQuAD's English-only step).
 */
public final class TokenF1 implements TextMetric {

    /** The metric's name in task files ({@code metric: token_f1}). */
    public static final String NAME = "token_f1";

    @Override
    public double score(String prediction, String reference) {
        return f1(tokens(prediction), tokens(reference));
    }

    /** The morphemes token F1 compares: NFKC, lower case, Kuromoji surfaces, punctuation-only morphemes dropped. */
    public static List<String> tokens(String text) {
        return JapaneseMorphemes.surfaces(PythonText.nfkc(text).toLowerCase(Locale.ROOT)).stream()
                .filter(t -> !JapaneseMorphemes.isPunctuation(t)).toList();
    }

    /** SQuAD's F1 of two token bags. */
    public static double f1(List<String> prediction, List<String> reference) {
        if (prediction.isEmpty() || reference.isEmpty()) {
            return prediction.isEmpty() && reference.isEmpty() ? 1.0 : 0.0;
        }
        TreeMap<String, Integer> counts = new TreeMap<>();
        for (String t : reference) {
            counts.merge(t, 1, Integer::sum);
        }
        int same = 0;
        for (String t : prediction) {
            Integer left = counts.get(t);
            if (left != null && left > 0) {
                same++;
                counts.put(t, left - 1);
            }
        }
        if (same == 0) {
            return 0.0;
        }
        double precision = (double) same / prediction.size();
        double recall = (double) same / reference.size();
        return 2 * precision * recall / (precision + recall);
    }
}
