package dev.kumiki.ui.internal.editor;

import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

import org.eclipse.core.runtime.IProgressMonitor;
import org.eclipse.core.runtime.IStatus;
import org.eclipse.core.runtime.Status;
import org.eclipse.core.runtime.jobs.Job;
import org.eclipse.ui.console.ConsolePlugin;
import org.eclipse.ui.console.IConsole;
import org.eclipse.ui.console.MessageConsole;
import org.eclipse.ui.console.MessageConsoleStream;

import dev.kumiki.canvas.CanvasSession;
import dev.kumiki.canvas.RunEvent;
import dev.kumiki.engine.Execution;
import dev.kumiki.engine.NodeState;

/**
 * Runs of one editor's pipeline in the workbench: each run is an Eclipse Job (Progress view, cancel there or on the
 * canvas), and every message goes to the Kumiki console.
 */
final class RunMonitor implements Consumer<RunEvent> {
    static final String CONSOLE = "Kumiki";

    private final CanvasSession session;
    private final String name;
    private volatile RunJob job;

    RunMonitor(CanvasSession session, String name) {
        this.session = session;
        this.name = name;
    }

    static MessageConsole console() {
        var manager = ConsolePlugin.getDefault().getConsoleManager();
        for (IConsole c : manager.getConsoles()) {
            if (c instanceof MessageConsole m && c.getName().equals(CONSOLE)) {
                return m;
            }
        }
        MessageConsole c = new MessageConsole(CONSOLE, null);
        manager.addConsoles(new IConsole[] {c});
        return c;
    }

    @Override
    public void accept(RunEvent event) {
        switch (event) {
            case RunEvent.NodeStateChanged e -> {
                RunJob j = job;
                if (j == null || j.done.getCount() == 0) {
                    j = new RunJob();
                    job = j;
                    print("run of " + name + " started");
                    j.schedule();
                }
                j.states.put(e.node(), e.state());
                print(e.node() + ": " + e.state().label() + (e.message() != null ? " (" + e.message() + ")" : ""));
            }
            case RunEvent.Log e -> print(e.node() + ": " + e.line());
            // measured series (a training's loss per step) belong to the Results view's chart, not the console
            case RunEvent.Metric e -> { }
            case RunEvent.Finished e -> {
                print("run " + e.status() + " in " + String.format("%.2f s", e.result().seconds()) + "; record: "
                        + e.result().recordDir());
                RunJob j = job;
                if (j != null) {
                    j.status = e.result().status();
                    j.done.countDown();
                }
            }
            case RunEvent.Progress e -> {
                RunJob j = job;
                if (j != null) {
                    j.fractions.put(e.node(), Math.max(0, Math.min(1, e.fraction())));
                    if (e.message() != null && !e.message().isEmpty()) {
                        j.progress.put(e.node(), e.message());
                    }
                }
            }
        }
    }

    private static final int PER_NODE = 1000;

    private static void print(String line) {
        try (MessageConsoleStream out = console().newMessageStream()) {
            out.println(line);
        } catch (java.io.IOException ignored) {
            // the console is a convenience
        }
    }

    /** The Progress view's line for a running node: {@code eval: 12/40 items, 350 tokens/s}. */
    static String subTask(String node, String progress) {
        return progress == null ? node : node + ": " + progress;
    }

    /** The run as a Job: it reports node states as progress and cancels the run when cancelled. */
    private final class RunJob extends Job {
        final Map<String, NodeState> states = new java.util.concurrent.ConcurrentHashMap<>();
        /** What each node said last about how far it is ("12/40 items, 350 tokens/s"). */
        final Map<String, String> progress = new java.util.concurrent.ConcurrentHashMap<>();
        /** How far each node says it is, 0 to 1. */
        final Map<String, Double> fractions = new java.util.concurrent.ConcurrentHashMap<>();
        final CountDownLatch done = new CountDownLatch(1);
        volatile Execution.Status status;

        RunJob() {
            super("Running " + name);
        }

        @Override
        protected IStatus run(IProgressMonitor monitor) {
            // a thousand units a node: a long node (an evaluation) moves the bar as it reports its items
            int nodes = Math.max(1, session.pipeline().getNodes().size());
            monitor.beginTask("Running " + name, nodes * PER_NODE);
            int reported = 0;
            try {
                while (!done.await(100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                    if (monitor.isCanceled()) {
                        session.cancel();
                    }
                    int units = 0;
                    for (Map.Entry<String, NodeState> s : states.entrySet()) {
                        units += s.getValue().finished() ? PER_NODE : s.getValue() == NodeState.RUNNING
                                ? (int) (fractions.getOrDefault(s.getKey(), 0.0) * PER_NODE) : 0;
                    }
                    if (units > reported) {
                        monitor.worked(units - reported);
                        reported = units;
                    }
                    // the Progress view's line under the run: the running node and how far it says it is
                    states.entrySet().stream().filter(s -> s.getValue() == NodeState.RUNNING).findFirst()
                            .ifPresent(s -> monitor.subTask(subTask(s.getKey(), progress.get(s.getKey()))));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                monitor.done();
            }
            Execution.Status s = status;
            return s == Execution.Status.SUCCEEDED ? Status.OK_STATUS : s == Execution.Status.CANCELLED
                    ? Status.CANCEL_STATUS : Status.info(name + ": the run " + (s == null ? "ended" : s.name()
                            .toLowerCase(java.util.Locale.ROOT)) + "; see the Kumiki console");
        }
    }
}
