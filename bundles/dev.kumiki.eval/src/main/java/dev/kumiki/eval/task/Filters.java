package dev.kumiki.eval.task;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

import dev.kumiki.eval.metrics.JapaneseMetrics;

/**
 * Response filters a task's {@code filter_list} may name besides lm-eval's built-in ones: each maps one response to
 * one response ({@code numeric_answer}, {@code japanese_only} from {@link JapaneseMetrics} are registered from the
 * start). Register others before task files naming them are read.
 */
public final class Filters {
    /** lm-eval's filters that {@link TaskReader} builds itself. */
    static final Set<String> BUILT_IN = Set.of("regex", "take_first", "take_first_k", "remove_whitespace",
            "lowercase", "uppercase", "map", "majority_vote");
    private static final Map<String, UnaryOperator<String>> REGISTERED = new ConcurrentHashMap<>();

    static {
        REGISTERED.putAll(JapaneseMetrics.filters());
    }

    private Filters() {
    }

    /** Makes {@code filter} available as {@code function: name}; a built-in name cannot be replaced. */
    public static void register(String name, UnaryOperator<String> filter) {
        Objects.requireNonNull(filter, "filter");
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a filter needs a name");
        }
        if (BUILT_IN.contains(name)) {
            throw new IllegalArgumentException("'" + name + "' is a built-in filter and cannot be replaced");
        }
        REGISTERED.put(name, filter);
    }

    /** The registered filter {@code name}. */
    public static Optional<UnaryOperator<String>> registered(String name) {
        return Optional.ofNullable(REGISTERED.get(name));
    }

    /** Every filter name, built-in and registered, sorted. */
    public static Set<String> names() {
        Set<String> s = new TreeSet<>(BUILT_IN);
        s.addAll(REGISTERED.keySet());
        return s;
    }
}
