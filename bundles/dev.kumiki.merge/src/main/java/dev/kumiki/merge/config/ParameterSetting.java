package dev.kumiki.merge.config;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A merge parameter as mergekit YAML writes it, evaluated per tensor the way mergekit's {@code evaluate_setting}
 * does:
 * <ul>
 * <li>a scalar ({@code weight: 0.5}, {@code normalize: true}) is itself;</li>
 * <li>a list of numbers is a gradient: piecewise-linear over the layers of a slice, {@code t} running from 0 at its
 * first layer to 1 at its last;</li>
 * <li>a list of other scalars picks element {@code floor(t · (n - 1))};</li>
 * <li>a list of {@code {filter, value}} entries takes the first whose filter is a substring of the tensor name (an
 * entry without filter, or with {@code "*"}, matches every tensor); when none matches, the parameter is looked up
 * at the next level (slice, then the top-level parameters).</li>
 * </ul>
 */
public sealed interface ParameterSetting {

    /** {@code FILE:LINE:COLUMN} of the setting, for messages. */
    String where();

    /**
     * The value for {@code tensorName} at position {@code t} of its slice: a {@link Double}, {@link Boolean} or
     * {@link String}; empty when a filter list has no entry for the tensor.
     */
    Optional<Object> evaluate(String tensorName, double t);

    /** A plain value: Double, Boolean or String. */
    record Scalar(Object value, String where) implements ParameterSetting {
        public Scalar {
            Objects.requireNonNull(value, "value");
        }

        @Override
        public Optional<Object> evaluate(String tensorName, double t) {
            return Optional.of(value);
        }
    }

    /** A list of numbers interpolated over a slice's layers. */
    record Gradient(List<Double> points, String where) implements ParameterSetting {
        public Gradient {
            points = List.copyOf(points);
            if (points.isEmpty()) {
                throw new IllegalArgumentException("a gradient needs at least one value");
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
    }

    /** A list of non-numeric scalars, one picked by position. */
    record Choices(List<Object> values, String where) implements ParameterSetting {
        public Choices {
            values = List.copyOf(values);
        }

        @Override
        public Optional<Object> evaluate(String tensorName, double t) {
            return Optional.of(values.get((int) (t * (values.size() - 1))));
        }
    }

    /** Filter rules, first match wins. */
    record Filtered(List<Rule> rules, String where) implements ParameterSetting {
        /** One rule: {@code filter} null or "*" matches every tensor. */
        public record Rule(String filter, ParameterSetting value) {
            public boolean matches(String tensorName) {
                return filter == null || filter.equals("*") || (tensorName != null && tensorName.contains(filter));
            }
        }

        public Filtered {
            rules = List.copyOf(rules);
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
    }
}
