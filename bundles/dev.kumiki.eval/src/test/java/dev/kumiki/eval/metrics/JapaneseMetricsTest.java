package dev.kumiki.eval.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

class JapaneseMetricsTest {

    @Test
    void namesForTheHarness() {
        assertEquals(List.of("exact_match_figure", "char_f1", "rouge_l", "token_f1"),
                List.copyOf(JapaneseMetrics.all().keySet()));
        assertEquals(List.of("numeric_answer", "japanese_only"), List.copyOf(JapaneseMetrics.filters().keySet()));
        assertEquals(1.0, JapaneseMetrics.all().get("exact_match_figure").score("７", "7.0"));
        assertEquals("1200", JapaneseMetrics.filters().get("numeric_answer").apply("答えは1,200円です。"));
        assertEquals("", JapaneseMetrics.filters().get("japanese_only").apply("The answer is 7."));
    }
}
