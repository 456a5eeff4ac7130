package dev.kumiki.model;

import java.util.Collection;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;

/** Suggestions for misspelt names: node kinds, settings, ports, node ids. */
public final class Names {
    private Names() {
    }

    /** The known name closest to {@code word} by edit distance, if it is close enough to be what was meant. */
    public static Optional<String> nearest(String word, Collection<String> known) {
        return known.stream().map(k -> Map.entry(k, distance(word.toLowerCase(), k.toLowerCase())))
                .filter(e -> e.getValue() <= Math.max(2, word.length() / 3))
                .min(Comparator.comparingInt((Map.Entry<String, Integer> e) -> e.getValue())
                        .thenComparing(Map.Entry::getKey))
                .map(Map.Entry::getKey);
    }

    /** " (did you mean 'x'?)" or "". */
    public static String suggestion(String word, Collection<String> known) {
        return nearest(word, known).map(s -> " (did you mean '" + s + "'?)").orElse("");
    }

    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
