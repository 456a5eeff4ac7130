package dev.kumiki.canvas;

import java.util.Locale;

import dev.kumiki.engine.Execution;
import dev.kumiki.engine.NodeState;

/**
 * What a run of a {@link CanvasSession} reports, as objects for Java listeners (the Studio's progress and console);
 * the canvas gets the same events as JSON.
 */
public sealed interface RunEvent {
    /** A node entered a state (queued, running, done, cached, failed, …); {@code message} may be null. */
    record NodeStateChanged(String node, NodeState state, String message) implements RunEvent {
    }

    /** How far a node is, from 0 to 1. */
    record Progress(String node, double fraction, String message) implements RunEvent {
    }

    /** A point of a series a node measures: {@code loss} or {@code val_loss} of a training at {@code step}. */
    record Metric(String node, String name, long step, double value) implements RunEvent {
    }

    /** A line a node logged. */
    record Log(String node, String line) implements RunEvent {
    }

    /** The run ended; {@code result} has its status, record folder, time and the nodes' outputs. */
    record Finished(Execution.Result result) implements RunEvent {
        /** The status as the canvas shows it: {@code succeeded}, {@code failed}, {@code cancelled}. */
        public String status() {
            return result.status().name().toLowerCase(Locale.ROOT);
        }
    }
}
