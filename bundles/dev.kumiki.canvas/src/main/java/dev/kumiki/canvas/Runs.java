package dev.kumiki.canvas;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

import dev.kumiki.engine.Configuration;
import dev.kumiki.engine.Engine;
import dev.kumiki.engine.Execution;
import dev.kumiki.engine.NodeState;
import dev.kumiki.engine.RunListener;
import dev.kumiki.engine.RunOptions;

/** The runs of one session: one at a time, on a thread of its own; their node states and events. */
final class Runs {
    private final Engine engine;
    private final Consumer<RunEvent> events;
    private final Map<String, NodeState> states = new LinkedHashMap<>();
    private volatile Execution running;
    private volatile Execution.Result lastRun;

    Runs(Engine engine, Consumer<RunEvent> events) {
        this.engine = engine;
        this.events = events;
    }

    /** Starts a run of {@code configuration} (configured without errors); refused while another one runs. */
    synchronized void start(Configuration configuration, RunOptions options) {
        if (running != null) {
            throw new Editing.Refused("a run is in progress; cancel it first");
        }
        clearStates();
        RunListener listener = new RunListener() {
            @Override
            public void nodeState(String node, NodeState state, String message) {
                synchronized (states) {
                    states.put(node, state);
                }
                events.accept(new RunEvent.NodeStateChanged(node, state, message));
            }

            @Override
            public void nodeProgress(String node, double fraction, String message) {
                events.accept(new RunEvent.Progress(node, fraction, message));
            }

            @Override
            public void metric(String node, String name, long step, double value) {
                events.accept(new RunEvent.Metric(node, name, step, value));
            }

            @Override
            public void log(String node, String line) {
                events.accept(new RunEvent.Log(node, line));
            }
        };
        Execution execution = engine.execute(configuration, options, listener);
        running = execution;
        Thread t = new Thread(() -> {
            Execution.Result r;
            try {
                r = execution.run();
            } finally {
                running = null;
            }
            lastRun = r;
            events.accept(new RunEvent.Finished(r));
        }, "kumiki-canvas-run");
        t.setDaemon(true);
        t.start();
    }

    boolean isRunning() {
        return running != null;
    }

    void cancel() {
        Execution e = running;
        if (e != null) {
            e.cancel();
        }
    }

    Optional<Execution.Result> lastRun() {
        return Optional.ofNullable(lastRun);
    }

    /** The state of a node in the last run, if it took part and the pipeline has not changed since. */
    Optional<NodeState> state(String node) {
        synchronized (states) {
            return Optional.ofNullable(states.get(node));
        }
    }

    /** Forgets the last run's states: they describe a pipeline that is no more. */
    void clearStates() {
        synchronized (states) {
            states.clear();
        }
    }
}
