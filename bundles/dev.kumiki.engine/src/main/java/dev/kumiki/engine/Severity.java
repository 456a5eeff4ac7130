package dev.kumiki.engine;

/** How bad a {@link Diagnostic} is: an error stops the run before anything executes; a warning does not. */
public enum Severity {
    ERROR, WARNING
}
