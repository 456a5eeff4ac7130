package dev.kumiki.engine;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * A value a node takes whose name and type depend on its other settings, so its settings class cannot declare it:
 * a Merge node's method parameters ({@code parameters.t}, {@code models.chat.weight}). Editors (the canvas, the
 * Properties view) offer one field per parameter and set it through its {@link #path}, as {@code --set} does.
 *
 * @param path         the setting path ({@code parameters.t}, {@code models.chat.weight})
 * @param label        a short label ({@code weight · chat})
 * @param doc          one sentence for users
 * @param kind         what values it takes
 * @param value        its value as YAML ({@code 0.5}, {@code [0, 0.5, 1]}), or empty when not given
 * @param defaultValue what applies when it is not given, as YAML; empty when the parameter is required (or, for a
 *                     value per model, when one given for all models applies)
 * @param min          the smallest sensible value, if any
 * @param max          the largest, if any
 */
public record ParameterField(String path, String label, String doc, Kind kind, String value,
                             Optional<String> defaultValue, OptionalDouble min, OptionalDouble max) {
    /** What values a field takes. */
    public enum Kind {
        /** A number, or a list of numbers (a gradient over the layers); filter lists are accepted as YAML. */
        NUMBER,
        /** true or false. */
        FLAG
    }

    public ParameterField {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(doc, "doc");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(defaultValue, "defaultValue");
        Objects.requireNonNull(min, "min");
        Objects.requireNonNull(max, "max");
    }
}
