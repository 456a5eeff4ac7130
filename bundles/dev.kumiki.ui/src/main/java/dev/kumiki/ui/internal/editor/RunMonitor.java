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

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.kumiki.canvas.CanvasSession;

/**
 * Runs of one editor's pipeline in the workbench: each run is an Eclipse Job (Progress view, cancel there or on the
 * canvas), and every message goes to the Kumiki console.
 */
final class RunMonitor implements Consumer<String> {
    static final String CONSOLE = "Kumiki";
    private static final ObjectMapper JSON = new ObjectMapper();

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
    public void accept(String event) {
        JsonNode e;
        try {
            e = JSON.readTree(event);
        } catch (java.io.IOException x) {
            return;
        }
        String type = e.path("type").asText();
        switch (type) {
            case "nodeState" -> {
                RunJob j = job;
                if (j == null || j.done.getCount() == 0) {
                    j = new RunJob();
                    job = j;
                    print("run of " + name + " started");
                    j.schedule();
                }
                j.states.put(e.path("node").asText(), e.path("state").asText());
                print(e.path("node").asText() + ": " + e.path("state").asText()
                        + (e.has("message") ? " (" + e.path("message").asText() + ")" : ""));
            }
            case "log" -> print(e.path("node").asText() + ": " + e.path("line").asText());
            case "runFinished" -> {
                print("run " + e.path("status").asText() + " in " + String.format("%.2f s", e.path("seconds").asDouble())
                        + "; record: " + e.path("record").asText());
                RunJob j = job;
                if (j != null) {
                    j.status = e.path("status").asText();
                    j.done.countDown();
                }
            }
            default -> { }
        }
    }

    private static void print(String line) {
        try (MessageConsoleStream out = console().newMessageStream()) {
            out.println(line);
        } catch (java.io.IOException ignored) {
            // the console is a convenience
        }
    }

    /** The run as a Job: it reports node states as progress and cancels the run when cancelled. */
    private final class RunJob extends Job {
        final Map<String, String> states = new java.util.concurrent.ConcurrentHashMap<>();
        final CountDownLatch done = new CountDownLatch(1);
        volatile String status = "";

        RunJob() {
            super("Running " + name);
        }

        @Override
        protected IStatus run(IProgressMonitor monitor) {
            int total = Math.max(1, session.pipeline().getNodes().size());
            monitor.beginTask("Running " + name, total);
            int reported = 0;
            try {
                while (!done.await(100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                    if (monitor.isCanceled()) {
                        session.cancel();
                    }
                    long finished = states.values().stream().filter(s -> !s.equals("queued") && !s.equals("running"))
                            .count();
                    if (finished > reported) {
                        monitor.worked((int) finished - reported);
                        reported = (int) finished;
                    }
                    states.entrySet().stream().filter(s -> s.getValue().equals("running")).findFirst()
                            .ifPresent(s -> monitor.subTask(s.getKey()));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                monitor.done();
            }
            return switch (status) {
                case "succeeded" -> Status.OK_STATUS;
                case "cancelled" -> Status.CANCEL_STATUS;
                default -> Status.info(name + ": the run " + status + "; see the Kumiki console");
            };
        }
    }
}
