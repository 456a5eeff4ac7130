package dev.kumiki.eval.task;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One entry of {@code filter_list}: a name (the {@code none} of {@code "acc,none"}) and the filters applied in turn to
 * a document's responses (one per repeat). Whatever list is left, its first element is the answer that is scored
 * (lm-eval's pipelines end with {@code take_first}; Kumiki takes the first whether or not it is written).
 *
 * @param name  the pipeline's name in results
 * @param steps the filters, in order
 */
public record FilterPipeline(String name, List<Step> steps) {

    /** lm-eval's default: {@code none}, just {@code take_first}. */
    public static final FilterPipeline NONE = new FilterPipeline(TaskConfig.NO_FILTER, List.of(new TakeFirst()));

    public FilterPipeline {
        Objects.requireNonNull(name, "name");
        steps = List.copyOf(steps);
    }

    /** The answer this pipeline extracts from {@code responses} (one per repeat, at least one). */
    public String apply(List<String> responses) {
        List<String> r = responses;
        for (Step s : steps) {
            r = s.apply(r);
        }
        return r.isEmpty() ? "" : r.get(0);
    }

    /** One filter: responses in, responses out. */
    public sealed interface Step {
        /** The filter's {@code function} name. */
        String function();

        /** This filter applied to each response (or to all of them, for the selecting ones). */
        List<String> apply(List<String> responses);
    }

    /**
     * {@code regex}: lm-eval's {@code RegexFilter}: all matches of {@code regex_pattern} ({@code re.findall}: the
     * whole match without groups, the group with one, the first non-empty group with several), the one at
     * {@code group_select} (negative counts from the end), stripped; {@code fallback} when nothing matches.
     */
    public record Regex(String pattern, int groupSelect, String fallback) implements Step {
        /** lm-eval's defaults. */
        public static final String DEFAULT_PATTERN = "#### (\\-?[0-9\\.\\,]+)";
        public static final String DEFAULT_FALLBACK = "[invalid]";

        public Regex {
            Pattern.compile(pattern); // refuses a bad pattern when the task is read
            Objects.requireNonNull(fallback, "fallback");
        }

        @Override
        public String function() {
            return "regex";
        }

        @Override
        public List<String> apply(List<String> responses) {
            Pattern p = Pattern.compile(pattern);
            List<String> out = new ArrayList<>();
            for (String resp : responses) {
                List<String> matches = new ArrayList<>();
                Matcher m = p.matcher(resp == null ? "" : resp);
                while (m.find()) {
                    matches.add(found(m));
                }
                int i = groupSelect < 0 ? matches.size() + groupSelect : groupSelect;
                if (matches.isEmpty()) {
                    out.add(fallback);
                } else if (i < 0 || i >= matches.size()) {
                    // Python raises IndexError here; a response with fewer matches is better counted as no answer
                    out.add(fallback);
                } else {
                    String s = matches.get(i);
                    out.add(s == null ? fallback : s.strip());
                }
            }
            return out;
        }

        private static String found(Matcher m) {
            if (m.groupCount() == 0) {
                return m.group();
            }
            if (m.groupCount() == 1) {
                return m.group(1) == null ? "" : m.group(1);
            }
            for (int g = 1; g <= m.groupCount(); g++) {
                if (m.group(g) != null && !m.group(g).isEmpty()) {
                    return m.group(g);
                }
            }
            return null;
        }
    }

    /** A registered filter ({@link Filters#register}): {@code function} applied to each response. */
    public record Each(String function, java.util.function.UnaryOperator<String> filter) implements Step {
        public Each {
            Objects.requireNonNull(function, "function");
            Objects.requireNonNull(filter, "filter");
        }

        @Override
        public List<String> apply(List<String> responses) {
            return responses.stream().map(filter).toList();
        }
    }

    /** {@code take_first}: the first response. */
    public record TakeFirst() implements Step {
        @Override
        public String function() {
            return "take_first";
        }

        @Override
        public List<String> apply(List<String> responses) {
            return responses.isEmpty() ? responses : List.of(responses.get(0));
        }
    }

    /** {@code take_first_k}: the first {@code k} responses. */
    public record TakeFirstK(int k) implements Step {
        public TakeFirstK {
            if (k < 1) {
                throw new IllegalArgumentException("take_first_k needs k of at least 1, not " + k);
            }
        }

        @Override
        public String function() {
            return "take_first_k";
        }

        @Override
        public List<String> apply(List<String> responses) {
            return responses.subList(0, Math.min(k, responses.size()));
        }
    }

    /** {@code remove_whitespace}: leading and trailing whitespace removed (Python's {@code str.strip()}). */
    public record RemoveWhitespace() implements Step {
        @Override
        public String function() {
            return "remove_whitespace";
        }

        @Override
        public List<String> apply(List<String> responses) {
            return responses.stream().map(String::strip).toList();
        }
    }

    /** {@code lowercase}. */
    public record Lowercase() implements Step {
        @Override
        public String function() {
            return "lowercase";
        }

        @Override
        public List<String> apply(List<String> responses) {
            return responses.stream().map(s -> s.toLowerCase(java.util.Locale.ROOT)).toList();
        }
    }

    /** {@code uppercase}. */
    public record Uppercase() implements Step {
        @Override
        public String function() {
            return "uppercase";
        }

        @Override
        public List<String> apply(List<String> responses) {
            return responses.stream().map(s -> s.toUpperCase(java.util.Locale.ROOT)).toList();
        }
    }

    /** {@code map}: each response replaced by {@code mapping_dict}'s value, {@code default_value} when absent. */
    public record MapValues(Map<String, String> mapping, String defaultValue) implements Step {
        public MapValues {
            mapping = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(mapping));
        }

        @Override
        public String function() {
            return "map";
        }

        @Override
        public List<String> apply(List<String> responses) {
            return responses.stream().map(r -> mapping.getOrDefault(r, defaultValue == null ? "" : defaultValue))
                    .toList();
        }
    }

    /**
     * {@code majority_vote}: the most frequent response (Python's {@code Counter.most_common(1)}: ties go to the one
     * seen first).
     */
    public record MajorityVote() implements Step {
        @Override
        public String function() {
            return "majority_vote";
        }

        @Override
        public List<String> apply(List<String> responses) {
            Map<String, Integer> counts = new LinkedHashMap<>();
            for (String r : responses) {
                counts.merge(r, 1, Integer::sum);
            }
            String best = null;
            int most = 0;
            for (Map.Entry<String, Integer> e : counts.entrySet()) {
                if (e.getValue() > most) {
                    best = e.getKey();
                    most = e.getValue();
                }
            }
            return best == null ? List.of() : List.of(best);
        }
    }
}
