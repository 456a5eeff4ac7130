package dev.kumiki.merge.config;

import java.util.Objects;

/**
 * A merge configuration that cannot be used as written: where the problem is ({@link #location()}, structured, and
 * for files {@code FILE:LINE:COLUMN}), and {@link #problem()}: what was expected, what was found, and what to do.
 * The message is the problem after the file position, when there is one.
 */
public class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient Location location;
    private final String problem;
    private transient java.util.List<Problem> warnings = java.util.List.of();

    /** A problem at {@code location}. */
    public ConfigException(Location location, String problem) {
        super(location.where().isEmpty() ? problem : location.where() + ": " + problem);
        this.location = Objects.requireNonNull(location, "location");
        this.problem = Objects.requireNonNull(problem, "problem");
    }

    /** A problem whose message already starts with its file position. */
    public ConfigException(String message) {
        super(message);
        this.location = Location.NONE;
        this.problem = message;
    }

    /** Where the problem is. */
    public Location location() {
        return location == null ? Location.NONE : location;
    }

    /**
     * Warnings found before the problem (a misspelt parameter often explains a missing one), for front ends that
     * show both.
     */
    public java.util.List<Problem> warnings() {
        return warnings == null ? java.util.List.of() : warnings;
    }

    /** This exception, with the warnings found before it. */
    public ConfigException withWarnings(java.util.List<Problem> found) {
        this.warnings = java.util.List.copyOf(found);
        return this;
    }

    /** The problem without its place. */
    public String problem() {
        return problem;
    }
}
