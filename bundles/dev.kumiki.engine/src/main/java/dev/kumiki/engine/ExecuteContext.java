package dev.kumiki.engine;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CancellationException;

/** What a node kind sees while executing one node: progress, messages, cancellation, its scratch folder. */
public interface ExecuteContext extends ConfigureContext {
    /** Reports progress in [0, 1] with a short message (or null). */
    void progress(double fraction, String message);

    /** A line for the run's log and the console. */
    void log(String message);

    /**
     * A point of a named series the node measures as it works ({@code loss} and {@code val_loss} of a training, per
     * step), for charts: kept in the node's {@value RunRecords#METRICS} in the run record (read back with
     * {@link RunRecords#metrics}) and sent to the run's listeners at once. Nothing by default.
     */
    default void metric(String name, long step, double value) {
    }

    /** Whether the run has been cancelled; long loops check it (or use {@link #checkCancelled()}). */
    boolean cancelled();

    default void checkCancelled() {
        if (cancelled()) {
            throw new CancellationException("cancelled");
        }
    }

    /** Worker threads the node may use. */
    int threads();

    /**
     * The kernels this run asked for ({@link RunOptions#backend()}: {@code a64fx}, {@code vector}, {@code scalar}),
     * or empty for the ones the hardware profile picks.
     */
    default Optional<String> backend() {
        return Optional.empty();
    }

    /** A folder of this node's own in the run record, for files worth keeping (summaries, logs). */
    Path recordDir();

    /**
     * What this node's {@code configure} told of its output {@code port} in the configuration being run, so that
     * execute can reuse work done there (a Merge runs the plan it made); empty when the engine has none.
     */
    default Optional<PortSpec> configured(String port) {
        return Optional.empty();
    }

    /**
     * This context with at most {@code n} worker threads (a node's own threads setting; the run's limit still holds),
     * or this context itself when {@code n} is 0 or not below the limit.
     */
    default ExecuteContext withThreads(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("threads must be >= 0, was " + n);
        }
        if (n == 0 || n >= threads()) {
            return this;
        }
        ExecuteContext outer = this;
        return new ExecuteContext() {
            @Override
            public String node() {
                return outer.node();
            }

            @Override
            public Path baseDir() {
                return outer.baseDir();
            }

            @Override
            public Path resolve(String path) {
                return outer.resolve(path);
            }

            @Override
            public void error(String setting, String message) {
                outer.error(setting, message);
            }

            @Override
            public void warning(String setting, String message) {
                outer.warning(setting, message);
            }

            @Override
            public void progress(double fraction, String message) {
                outer.progress(fraction, message);
            }

            @Override
            public void log(String message) {
                outer.log(message);
            }

            @Override
            public void metric(String name, long step, double value) {
                outer.metric(name, step, value);
            }

            @Override
            public boolean cancelled() {
                return outer.cancelled();
            }

            @Override
            public void checkCancelled() {
                outer.checkCancelled();
            }

            @Override
            public int threads() {
                return n;
            }

            @Override
            public Optional<String> backend() {
                return outer.backend();
            }

            @Override
            public Path recordDir() {
                return outer.recordDir();
            }

            @Override
            public Optional<PortSpec> configured(String port) {
                return outer.configured(port);
            }
        };
    }
}
