package dev.kumiki.merge;

import java.util.Objects;
import java.util.Optional;

/**
 * A parameter of a merge method, as mergekit defines it: its name in YAML, its default (none when required), and
 * what it means.
 *
 * @param name         the YAML name ({@code weight}, {@code density}, {@code t}…)
 * @param defaultValue the default: a Double, Boolean or String; empty when the parameter is required
 * @param perModel     whether it is given per input model ({@code weight}) or once ({@code normalize})
 * @param doc          one sentence for users
 */
public record ParameterDef(String name, Optional<Object> defaultValue, boolean perModel, String doc) {
    public ParameterDef {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(defaultValue, "defaultValue");
        Objects.requireNonNull(doc, "doc");
    }

    public static ParameterDef required(String name, boolean perModel, String doc) {
        return new ParameterDef(name, Optional.empty(), perModel, doc);
    }

    public static ParameterDef optional(String name, Object defaultValue, boolean perModel, String doc) {
        return new ParameterDef(name, Optional.of(defaultValue), perModel, doc);
    }

    public boolean required() {
        return defaultValue.isEmpty();
    }
}
