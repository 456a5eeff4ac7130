package dev.kumiki.merge.config;

import java.util.Objects;
import java.util.Optional;

/**
 * A merge parameter as given at one place of a configuration: its typed value and where it is.
 *
 * @param value    the value
 * @param location where it is given (top level, a model, a slice or a slice source; with the parameter's name)
 */
public record ParameterSetting(ParameterValue value, Location location) {
    public ParameterSetting {
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(location, "location");
    }

    /** See {@link ParameterValue#evaluate}. */
    public Optional<Object> evaluate(String tensorName, double t) {
        return value.evaluate(tensorName, t);
    }

    /** The place, for messages. */
    public String where() {
        return location.toString();
    }
}
