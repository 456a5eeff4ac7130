package dev.kumiki.merge.config;

/**
 * A merge configuration that cannot be used as written. The message starts with {@code FILE:LINE:COLUMN} where the
 * problem is, says what was expected and what was found, and what to do.
 */
public class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }
}
