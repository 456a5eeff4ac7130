package dev.kumiki.merge.config;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The value of a merge parameter, typed, evaluated per tensor the way mergekit's {@code evaluate_setting} does:
 * <ul>
 * <li>{@link Number}, {@link Flag}, {@link Text}: a plain value ({@code weight: 0.5}, {@code normalize: true});</li>
 * <li>{@link Gradient}: a list of numbers, piecewise-linear over the layers of a slice, {@code t} running from 0 at
 * its first layer to 1 at its last;</li>
 * <li>{@link Choices}: a list of other plain values, element {@code floor(t · (n - 1))};</li>
 * <li>{@link Filtered}: {@code {filter, value}} rules, the first whose filter is a substring of the tensor name (a
 * rule without filter, or with {@code "*"}, matches every tensor); when none matches, the parameter is looked up at
 * the next level (slice, then the top-level parameters).</li>
 * </ul>
 * Values are built in code ({@link #of(double)}, {@link #gradient(double...)}) or read from mergekit's YAML; their
 * {@link #toString()} is that YAML in flow style ({@code 0.5}, {@code [0, 0.5, 1]},
 * {@code [{filter: mlp, value: 0.4}, {value: 0.7}]}) and {@link #valueOf(String)} reads it back.
 */
public sealed interface ParameterValue {

    /**
     * The value for {@code tensorName} at position {@code t} of its slice: a {@link Double}, {@link Boolean} or
     * {@link String}; empty when a filter list has no rule for the tensor.
     */
    Optional<Object> evaluate(String tensorName, double t);

    /** The value as plain Java objects for a YAML writer: Long or Double, Boolean, String, List, Map. */
    Object toYaml();

    static Number of(double value) {
        return new Number(value);
    }

    static Flag of(boolean value) {
        return new Flag(value);
    }

    static Gradient gradient(double... points) {
        List<Double> list = new ArrayList<>(points.length);
        for (double p : points) {
            list.add(p);
        }
        return new Gradient(list);
    }

    /**
     * Reads a value written as YAML ({@code 0.5}, {@code [0, 1]}, {@code [{filter: mlp, value: 0.5}]}).
     *
     * @throws IllegalArgumentException with what is wrong, when the text is not such a value
     */
    static ParameterValue valueOf(String yaml) {
        return ParameterValues.parse(yaml);
    }

    /** A number. */
    record Number(double value) implements ParameterValue {
        public Number {
            if (!Double.isFinite(value)) {
                throw new IllegalArgumentException("a parameter value must be a finite number, found " + value);
            }
        }

        @Override
        public Optional<Object> evaluate(String tensorName, double t) {
            return Optional.of(value);
        }

        @Override
        public Object toYaml() {
            return integral(value) ? (Object) (long) value : (Object) value;
        }

        @Override
        public String toString() {
            return format(value);
        }
    }

    /** true or false. */
    record Flag(boolean value) implements ParameterValue {
        @Override
        public Optional<Object> evaluate(String tensorName, double t) {
            return Optional.of(value);
        }

        @Override
        public Object toYaml() {
            return value;
        }

        @Override
        public String toString() {
            return Boolean.toString(value);
        }
    }

    /** A word (no method of Kumiki takes one today; kept so that mergekit recipes read unchanged). */
    record Text(String value) implements ParameterValue {
        public Text {
            Objects.requireNonNull(value, "value");
        }

        @Override
        public Optional<Object> evaluate(String tensorName, double t) {
            return Optional.of(value);
        }

        @Override
        public Object toYaml() {
            return value;
        }

        @Override
        public String toString() {
            return ParameterValues.flow(value);
        }
    }

    /** Numbers interpolated over a slice's layers. */
    record Gradient(List<Double> points) implements ParameterValue {
        public Gradient {
            points = List.copyOf(points);
            if (points.isEmpty()) {
                throw new IllegalArgumentException("a gradient needs at least one number");
            }
            for (Double p : points) {
                if (!Double.isFinite(p)) {
                    throw new IllegalArgumentException("a gradient's points must be finite numbers, found " + p);
                }
            }
        }

        @Override
        public Optional<Object> evaluate(String tensorName, double t) {
            double scaled = t * (points.size() - 1);
            int i0 = (int) scaled;
            int i1 = Math.min(points.size() - 1, i0 + 1);
            double frac = scaled - i0;
            return Optional.of((1 - frac) * points.get(i0) + frac * points.get(i1));
        }

        @Override
        public Object toYaml() {
            return points.stream().map(p -> integral(p) ? (Object) (long) (double) p : (Object) p).toList();
        }

        @Override
        public String toString() {
            return "[" + String.join(", ", points.stream().map(ParameterValue::format).toList()) + "]";
        }
    }

    /** Plain values other than numbers, one picked by position in the slice. */
    record Choices(List<ParameterValue> values) implements ParameterValue {
        public Choices {
            values = List.copyOf(values);
            if (values.isEmpty()) {
                throw new IllegalArgumentException("a list of values needs at least one");
            }
            for (ParameterValue v : values) {
                if (!(v instanceof Number || v instanceof Flag || v instanceof Text)) {
                    throw new IllegalArgumentException("a list of values holds plain values, found " + v);
                }
            }
        }

        @Override
        public Optional<Object> evaluate(String tensorName, double t) {
            return values.get((int) (t * (values.size() - 1))).evaluate(tensorName, t);
        }

        @Override
        public Object toYaml() {
            return values.stream().map(ParameterValue::toYaml).toList();
        }

        @Override
        public String toString() {
            return "[" + String.join(", ", values.stream().map(ParameterValue::toString).toList()) + "]";
        }
    }

    /** Filter rules, first match wins. */
    record Filtered(List<Rule> rules) implements ParameterValue {
        /** One rule: {@code filter} empty or "*" matches every tensor; its value is not itself filtered. */
        public record Rule(Optional<String> filter, ParameterValue value) {
            public Rule {
                Objects.requireNonNull(filter, "filter");
                Objects.requireNonNull(value, "value");
                if (value instanceof Filtered) {
                    throw new IllegalArgumentException("a filter rule's value is a number, a list or true/false, not "
                            + "another list of filters");
                }
            }

            public boolean matches(String tensorName) {
                return filter.isEmpty() || filter.get().equals("*")
                        || (tensorName != null && tensorName.contains(filter.get()));
            }
        }

        public Filtered {
            rules = List.copyOf(rules);
            if (rules.isEmpty()) {
                throw new IllegalArgumentException("a list of filters needs at least one {filter, value} rule");
            }
        }

        @Override
        public Optional<Object> evaluate(String tensorName, double t) {
            for (Rule r : rules) {
                if (r.matches(tensorName)) {
                    return r.value().evaluate(tensorName, t);
                }
            }
            return Optional.empty();
        }

        @Override
        public Object toYaml() {
            List<Object> list = new ArrayList<>();
            for (Rule r : rules) {
                Map<String, Object> m = new LinkedHashMap<>();
                r.filter().ifPresent(f -> m.put("filter", f));
                m.put("value", r.value().toYaml());
                list.add(m);
            }
            return list;
        }

        @Override
        public String toString() {
            return "[" + String.join(", ", rules.stream().map(r -> "{" + r.filter().map(f -> "filter: "
                    + ParameterValues.flow(f) + ", ").orElse("") + "value: " + r.value() + "}").toList()) + "]";
        }
    }

    private static boolean integral(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15;
    }

    /** A number as YAML reads it back exactly: {@code 1}, {@code 0.5}, {@code 0.00001}. */
    private static String format(double v) {
        if (integral(v)) {
            return Long.toString((long) v);
        }
        String plain = BigDecimal.valueOf(v).toPlainString();
        return plain;
    }
}
