package dev.kumiki.merge;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * A parameter of a merge method, as mergekit defines it: its name in YAML, its default (none when required), what
 * it means, and the values it takes. Editors offer parameters from these definitions: a number parameter takes a
 * number or a gradient (a list of numbers over the layers), a flag true or false.
 *
 * @param name         the YAML name ({@code weight}, {@code density}, {@code t}…)
 * @param defaultValue the default: a Double or Boolean; empty when the parameter is required
 * @param perModel     whether it is given per input model ({@code weight}) or once ({@code normalize})
 * @param doc          one sentence for users
 * @param min          the smallest value that makes sense, when there is one
 * @param max          the largest, when there is one
 */
public record ParameterDef(String name, Optional<Object> defaultValue, boolean perModel, String doc, OptionalDouble min,
                           OptionalDouble max) {
    /** What a parameter's values are. */
    public enum Kind {
        /** A number, or a gradient of numbers over the layers. */
        NUMBER,
        /** true or false. */
        FLAG
    }

    public ParameterDef {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(defaultValue, "defaultValue");
        Objects.requireNonNull(doc, "doc");
        Objects.requireNonNull(min, "min");
        Objects.requireNonNull(max, "max");
        defaultValue.ifPresent(v -> {
            if (!(v instanceof Double || v instanceof Boolean)) {
                throw new IllegalArgumentException("parameter " + name + ": a default is a Double or a Boolean, not "
                        + v.getClass().getSimpleName());
            }
        });
    }

    public ParameterDef(String name, Optional<Object> defaultValue, boolean perModel, String doc) {
        this(name, defaultValue, perModel, doc, OptionalDouble.empty(), OptionalDouble.empty());
    }

    public static ParameterDef required(String name, boolean perModel, String doc) {
        return new ParameterDef(name, Optional.empty(), perModel, doc);
    }

    public static ParameterDef optional(String name, Object defaultValue, boolean perModel, String doc) {
        return new ParameterDef(name, Optional.of(defaultValue), perModel, doc);
    }

    /** This parameter, taking values in {@code [min, max]}. */
    public ParameterDef between(double lo, double hi) {
        return new ParameterDef(name, defaultValue, perModel, doc, OptionalDouble.of(lo), OptionalDouble.of(hi));
    }

    public boolean required() {
        return defaultValue.isEmpty();
    }

    /** Numbers (required parameters are all numbers) or flags. */
    public Kind kind() {
        return defaultValue.filter(Boolean.class::isInstance).isPresent() ? Kind.FLAG : Kind.NUMBER;
    }
}
