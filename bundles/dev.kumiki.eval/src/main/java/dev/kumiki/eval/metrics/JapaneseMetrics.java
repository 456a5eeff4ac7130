package dev.kumiki.eval.metrics;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * The Japanese metrics, filters and language check Kumiki adds to lm-evaluation-harness's set, by the names task
 * files use. The harness registers these once:
 * {@snippet :
 * JapaneseMetrics.all().forEach(registry::registerMetric);     // char_f1, exact_match_figure, rouge_l, token_f1
 * JapaneseMetrics.filters().forEach(registry::registerFilter); // numeric_answer, japanese_only
 * }
 */
public final class JapaneseMetrics {

    private JapaneseMetrics() {
    }

    /**
     * The per-sample metrics by name, in a fixed order: {@value ExactMatchFigure#NAME} and {@value CharF1#NAME}
     * (llm-jp-eval's definitions), {@value RougeL#NAME} and {@value TokenF1#NAME} (over Kuromoji morphemes). Each
     * is averaged over samples; standard errors are the harness's.
     */
    public static Map<String, TextMetric> all() {
        Map<String, TextMetric> m = new LinkedHashMap<>();
        m.put(ExactMatchFigure.NAME, new ExactMatchFigure());
        m.put(CharF1.NAME, new CharF1());
        m.put(RougeL.NAME, new RougeL());
        m.put(TokenF1.NAME, new TokenF1());
        return Collections.unmodifiableMap(m);
    }

    /**
     * The response filters by name, each mapping one response to one response: {@value NumericAnswer#FILTER_NAME}
     * ({@link NumericAnswer#filter}: the MGSM-ja style number, or {@code [invalid]}) and
     * {@value JapaneseText#FILTER_NAME} ({@link JapaneseText#filter}: the response if it is Japanese, else empty).
     */
    public static Map<String, UnaryOperator<String>> filters() {
        Map<String, UnaryOperator<String>> m = new LinkedHashMap<>();
        m.put(NumericAnswer.FILTER_NAME, NumericAnswer::filter);
        m.put(JapaneseText.FILTER_NAME, JapaneseText::filter);
        return Collections.unmodifiableMap(m);
    }

    /** The Japanese-language check ({@link JapaneseText#isJapanese}) as a predicate. */
    public static Predicate<String> isJapanese() {
        return JapaneseText.predicate();
    }
}
