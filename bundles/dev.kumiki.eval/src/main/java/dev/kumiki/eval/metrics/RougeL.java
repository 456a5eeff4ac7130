package dev.kumiki.eval.metrics;

import java.util.List;

/**
 * ROUGE-L over Japanese morphemes: the F-measure with β = 1 of the longest common subsequence of morphemes,
 * {@code P = LCS / |prediction|}, {@code R = LCS / |reference|}, {@code F = 2PR / (P + R)}, and 0 when either side
 * has no morphemes or nothing is shared — Google's {@code rouge_score} {@code rougeL} {@code fmeasure}, which is what
 * Sakana's {@code rouge_ja} reports, with its MeCab tokenizer replaced by Kuromoji. Tokenisation: NFKC, then
 * {@link JapaneseMorphemes#surfaces Kuromoji-IPADIC surface forms}; case is kept and punctuation morphemes count,
 * as in {@code rouge_ja} (whose normaliser neologdn is replaced by NFKC). Sentence splitting (ROUGE-Lsum) is not
 * done: the whole text is one sequence.
 */
public final class RougeL implements TextMetric {

    /** The metric's name in task files ({@code metric: rouge_l}). */
    public static final String NAME = "rouge_l";

    @Override
    public double score(String prediction, String reference) {
        return fMeasure(tokens(prediction), tokens(reference));
    }

    /** The morphemes ROUGE-L compares: Kuromoji surfaces of the NFKC-normalised text. */
    public static List<String> tokens(String text) {
        return JapaneseMorphemes.surfaces(PythonText.nfkc(text));
    }

    /** ROUGE-L F (β = 1) of two token sequences. */
    public static double fMeasure(List<String> prediction, List<String> reference) {
        if (prediction.isEmpty() || reference.isEmpty()) {
            return 0.0;
        }
        int lcs = Lcs.length(reference, prediction);
        double precision = (double) lcs / prediction.size();
        double recall = (double) lcs / reference.size();
        return precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0;
    }
}
