package dev.kumiki.tensor;

import java.io.IOException;

/**
 * A model file or folder that is not what it should be: the message names the file (and tensor), what was expected,
 * what was found, and what to do.
 */
public class TensorFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public TensorFormatException(String message) {
        super(message);
    }

    public TensorFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
