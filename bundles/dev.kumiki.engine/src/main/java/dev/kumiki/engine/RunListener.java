package dev.kumiki.engine;

/** Events of a run, for progress bars, the console and the canvas. Called from worker threads. */
public interface RunListener {
    default void nodeState(String node, NodeState state, String message) {
    }

    /** Progress of a running node in [0, 1]. */
    default void nodeProgress(String node, double fraction, String message) {
    }

    /** Progress of the whole run in [0, 1]. */
    default void overall(double fraction) {
    }

    /** A point of a series a node measures (see {@link ExecuteContext#metric}). */
    default void metric(String node, String name, long step, double value) {
    }

    /** A line a node logged. */
    default void log(String node, String line) {
    }

    RunListener NONE = new RunListener() {
    };
}
