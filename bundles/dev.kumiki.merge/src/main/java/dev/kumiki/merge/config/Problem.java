package dev.kumiki.merge.config;

import java.util.Objects;

/**
 * Something about a merge configuration that users should know but that does not stop it, such as a parameter the
 * method does not have.
 *
 * @param location where it is
 * @param message  what it is, without the place
 */
public record Problem(Location location, String message) {
    public Problem {
        Objects.requireNonNull(location, "location");
        Objects.requireNonNull(message, "message");
    }

    /** The message after the file position, when there is one. */
    @Override
    public String toString() {
        return location.where().isEmpty() ? message : location.where() + ": " + message;
    }
}
