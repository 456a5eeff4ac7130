package dev.kumiki.model.yaml;

import org.eclipse.emf.ecore.resource.Resource;

/**
 * Something wrong (or worth a warning) in a pipeline file, with where it is: {@code FILE:LINE:COLUMN: message}.
 * Line and column count from 1; 0 when the problem concerns the whole file.
 */
public record Problem(String file, int line, int column, String message) implements Resource.Diagnostic {

    @Override
    public String getMessage() {
        return message;
    }

    @Override
    public String getLocation() {
        return file;
    }

    @Override
    public int getLine() {
        return line;
    }

    @Override
    public int getColumn() {
        return column;
    }

    @Override
    public String toString() {
        return file + (line > 0 ? ":" + line + ":" + column : "") + ": " + message;
    }
}
