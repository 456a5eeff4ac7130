package dev.kumiki.tensor.io;

import java.util.Collection;
import java.util.Comparator;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Suggestions for misspelt names — YAML keys, merge methods, task and metric names, node kinds, settings, ports — so
 * that every "did you mean" in Kumiki picks its suggestion the same way.
 *
 * <p>A known name is suggested when its edit distance to the word (ignoring case) is at most
 * {@code max(2, word.length() / 3)}; of several, the closest wins, then the first in alphabetical order.
 */
public final class Names {
    private Names() {
    }

    /** The known name closest to {@code word}, if it is close enough to be what was meant. */
    public static Optional<String> nearest(String word, Collection<String> known) {
        String w = word.toLowerCase(Locale.ROOT);
        return known.stream().map(k -> Map.entry(k, distance(w, k.toLowerCase(Locale.ROOT))))
                .filter(e -> e.getValue() <= Math.max(2, word.length() / 3))
                .min(Comparator.comparingInt((Map.Entry<String, Integer> e) -> e.getValue())
                        .thenComparing(Map.Entry::getKey))
                .map(Map.Entry::getKey);
    }

    /** {@code " (did you mean 'x'?)"} with the {@link #nearest} name, or {@code ""} when none is close. */
    public static String suggestion(String word, Collection<String> known) {
        return nearest(word, known).map(s -> " (did you mean '" + s + "'?)").orElse("");
    }

    /** Levenshtein distance: insertions, deletions and substitutions of one character each cost 1. */
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
