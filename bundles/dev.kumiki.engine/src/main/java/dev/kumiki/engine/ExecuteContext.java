package dev.kumiki.engine;

import java.nio.file.Path;
import java.util.concurrent.CancellationException;

/** What a node kind sees while executing one node: progress, messages, cancellation, its scratch folder. */
public interface ExecuteContext extends ConfigureContext {
    /** Reports progress in [0, 1] with a short message (or null). */
    void progress(double fraction, String message);

    /** A line for the run's log and the console. */
    void log(String message);

    /** Whether the run has been cancelled; long loops check it (or use {@link #checkCancelled()}). */
    boolean cancelled();

    default void checkCancelled() {
        if (cancelled()) {
            throw new CancellationException("cancelled");
        }
    }

    /** Worker threads the node may use. */
    int threads();

    /** A folder of this node's own in the run record, for files worth keeping (summaries, logs). */
    Path recordDir();

    /**
     * What this node's {@code configure} told of its output {@code port} in the configuration being run, so that
     * execute can reuse work done there (a Merge runs the plan it made); empty when the engine has none.
     */
    default java.util.Optional<PortSpec> configured(String port) {
        return java.util.Optional.empty();
    }
}
