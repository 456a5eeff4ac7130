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
            case RunEvent.Metric e -> { } // charted by the Results view; the console has the node's progress lines
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

    private static void print(String line) {
        try (MessageConsoleStream out = console().newMessageStream()) {
            out.println(line);
        } catch (java.io.IOException ignored) {
            // the console is a convenience
        }
    }

    /**
     * The Progress view's and status bar's line for a running node: {@code eval: 12/40 items, 350 tokens/s (30%)},
     * its percentage the one the Results view's bar shows for the node.
     */
    static String subTask(String node, String progress, Double fraction) {
        String percent = fraction == null ? "" : String.format(java.util.Locale.ROOT, "%.0f%%", fraction * 100);
        return progress == null ? (percent.isEmpty() ? node : node + ": " + percent)
                : node + ": " + progress + (percent.isEmpty() ? "" : " (" + percent + ")");
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
            // no share of the whole run: counting nodes made a LoadModel done in a moment half of a run whose
            // evaluation had just begun (the status bar said 51% while the node said 4%). The run's work is not
            // known in advance; the running node's own fraction, as the Results view shows it, goes in the line
            monitor.beginTask("Running " + name, IProgressMonitor.UNKNOWN);
            try {
                while (!done.await(100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                    if (monitor.isCanceled()) {
                        session.cancel();
                    }
                    states.entrySet().stream().filter(s -> s.getValue() == NodeState.RUNNING).findFirst()
                            .ifPresent(s -> monitor.subTask(subTask(s.getKey(), progress.get(s.getKey()),
                                    fractions.get(s.getKey()))));
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
