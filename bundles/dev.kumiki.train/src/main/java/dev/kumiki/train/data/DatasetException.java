package dev.kumiki.train.data;

/**
 * A dataset cannot be read: the message names the file and line (and field), what was expected and what was found.
 */
public class DatasetException extends Exception {
    private static final long serialVersionUID = 1L;

    public DatasetException(String message) {
        super(message);
    }
}
