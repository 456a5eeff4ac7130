package dev.kumiki.cli.internal;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.kumiki.cli.Kumiki;
import dev.kumiki.engine.Configuration;
import dev.kumiki.engine.Execution;
import dev.kumiki.engine.NodeState;
import dev.kumiki.engine.RunListener;
import dev.kumiki.engine.RunOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run a pipeline (*.kumiki): configure it from headers, then execute the nodes, in parallel "
                + "where they are independent. Nodes whose inputs and settings did not change since an earlier run "
                + "take their outputs from the cache (.kumiki/cache beside the pipeline).",
                "Every run leaves a record in .kumiki/runs/<id>/: the pipeline as run, run.json and log.txt."})
public final class RunCommand implements Callable<Integer> {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "the pipeline file")
    Path file;

    @Option(names = "--set", paramLabel = "NODE.SETTING=VALUE", description = "change a setting for this run (e.g. "
            + "merge.method=ties, merge.parameters.t=[0,1], save.dtype=float16) or a pipeline parameter (t=0.3)")
    List<String> sets = new ArrayList<>();

    @Option(names = "--no-cache", description = "execute every node, even those whose outputs are in the cache; the cache is "
            + "neither read nor written")
    boolean noCache;

    @Option(names = "--json", description = "print the run's result as JSON instead of a table")
    boolean json;

    @Option(names = "--threads", paramLabel = "N", description = "worker threads per node (default: every core)")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        PipelineFile p = PipelineFile.read(file, sets);
        Configuration c = p.configure();
        if (p.print(c, err)) {
            return Kumiki.USAGE;
        }
        RunOptions options = RunOptions.defaults(p.baseDir()).withUseCache(!noCache);
        if (threads != null) {
            if (threads < 1) {
                throw new IllegalArgumentException("--threads must be at least 1");
            }
            options = options.withThreads(threads);
        }
        NodeProgress progress = new NodeProgress(json ? new PrintWriter(java.io.Writer.nullWriter()) : out,
                Progress.isTerminal() && !json);
        Execution.Result result = runCancellable(p.engine.execute(c, options, progress));
        progress.finish();
        if (json) {
            out.println(JSON.writeValueAsString(json(result, c)));
        } else {
            table(out, result, c);
            DemoCommand.scores(out, result, false);
        }
        out.flush();
        return result.status() == Execution.Status.SUCCEEDED ? Kumiki.OK : Kumiki.FAILED;
    }

    /**
     * Runs {@code run} to its end; Ctrl-C (or SIGTERM) cancels it and waits, up to ten seconds, until it has written its
     * record, so that an interrupted run is recorded as cancelled rather than left "running".
     */
    static Execution.Result runCancellable(Execution run) {
        Thread hook = new Thread(() -> {
            run.cancel();
            synchronized (run) {
                try {
                    run.wait(10_000); // until the run has recorded itself
                } catch (InterruptedException ignored) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return run.run();
        } finally {
            synchronized (run) {
                run.notifyAll();
            }
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // Ctrl-C: the hook is running
            }
        }
    }

    static ObjectNode json(Execution.Result r, Configuration c) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", r.id());
        o.put("status", r.status().name().toLowerCase(Locale.ROOT));
        o.put("seconds", Math.round(r.seconds() * 1000) / 1000.0);
        o.put("record", r.recordDir().toString());
        ArrayNode nodes = o.putArray("nodes");
        for (var n : c.order()) {
            Execution.NodeResult nr = r.nodes().get(n.getId());
            ObjectNode x = nodes.addObject();
            x.put("node", n.getId());
            x.put("kind", nr.kind());
            x.put("status", nr.state().label());
            x.put("seconds", Math.round(nr.seconds() * 1000) / 1000.0);
            ObjectNode outs = x.putObject("outputs");
            nr.outputs().forEach(outs::put);
            nr.messages().forEach(x.putArray("messages")::add);
        }
        ArrayNode warnings = o.putArray("warnings");
        c.diagnostics().forEach(d -> warnings.add(d.toString()));
        return o;
    }

    static void table(PrintWriter out, Execution.Result r, Configuration c) {
        int width = Math.max(4, c.order().stream().mapToInt(n -> n.getId().length()).max().orElse(4));
        int kindWidth = Math.max(4, c.order().stream().mapToInt(n -> n.getSettings().eClass().getName().length())
                .max().orElse(4));
        out.printf(Locale.ROOT, "%-" + width + "s  %-" + kindWidth + "s  %-9s %8s  %s%n", "node", "kind", "status",
                "time", "output");
        for (var n : c.order()) {
            Execution.NodeResult nr = r.nodes().get(n.getId());
            String output = nr.outputs().values().stream().findFirst().orElse(nr.messages().stream()
                    .filter(m -> m.startsWith("error:")).findFirst().orElse(""));
            out.printf(Locale.ROOT, "%-" + width + "s  %-" + kindWidth + "s  %-9s %7.2fs  %s%n", n.getId(), nr.kind(),
                    nr.state().label(), nr.seconds(), output);
        }
        out.printf(Locale.ROOT, "%s in %.2f s. Record: %s%n", switch (r.status()) {
            case SUCCEEDED -> "Succeeded";
            case FAILED -> "Failed";
            case CANCELLED -> "Cancelled";
        }, r.seconds(), r.recordDir());
    }

    /**
     * Node states as lines (or an overall bar on a terminal). With an {@link Estimate} (kumiki demo), each line says
     * when, the node's kind and time, and a finished node's line how far the run is: k of n nodes and the time left,
     * re-estimated from what has finished and what is running.
     */
    static final class NodeProgress implements RunListener {
        private final PrintWriter out;
        private final Progress bar;
        private final Estimate estimate;
        private final long start = System.nanoTime();
        private final java.util.Map<String, Long> started = new java.util.HashMap<>();
        private final java.util.Set<String> finished = new java.util.HashSet<>();
        private final int idWidth;
        private final int kindWidth;

        NodeProgress(PrintWriter out, boolean terminal) {
            this(out, terminal, null);
        }

        NodeProgress(PrintWriter out, boolean terminal, Estimate estimate) {
            this.out = out;
            this.bar = terminal ? new Progress(out, true, "running") : null;
            this.estimate = estimate;
            this.idWidth = estimate == null ? 0 : estimate.nodes.stream().mapToInt(n -> n.node().length()).max()
                    .orElse(4);
            this.kindWidth = estimate == null ? 0 : estimate.nodes.stream().mapToInt(n -> n.kind().length()).max()
                    .orElse(4);
        }

        @Override
        public synchronized void nodeState(String node, NodeState state, String message) {
            if (state == NodeState.QUEUED) {
                return;
            }
            if (bar != null) {
                out.print("\r\u001b[K");
            }
            if (estimate == null) {
                out.println(node + ": " + state.label() + (message == null ? "" : " (" + message + ")"));
            } else {
                out.println(line(node, state, message));
            }
            out.flush();
        }

        private String line(String node, NodeState state, String message) {
            long now = System.nanoTime();
            Estimate.Node n = estimate.node(node);
            String kind = n == null ? "" : n.kind();
            String head = String.format(Locale.ROOT, "%6s  %-" + idWidth + "s  %-" + kindWidth + "s  %-9s",
                    Estimate.clock((now - start) / 1e9), node, kind, state.label());
            if (state == NodeState.RUNNING) {
                started.put(node, now);
                return (head + (n == null || n.seconds() < 1 ? "" : "  (" + Estimate.about(n.seconds()) + ")"))
                        .stripTrailing();
            }
            finished.add(node);
            Long since = started.remove(node);
            double seconds = since == null ? 0 : (now - since) / 1e9;
            StringBuilder b = new StringBuilder(head).append(String.format(Locale.ROOT, " %7.1f s", seconds));
            b.append(String.format(Locale.ROOT, "   %d of %d nodes, %s elapsed, %s left", finished.size(),
                    estimate.nodes.size(), Estimate.clock((now - start) / 1e9), left(now)));
            if (message != null && state != NodeState.CACHED) {
                b.append("\n        ").append(message);
            }
            return b.toString();
        }

        /** The time left as the estimate tells it now, from the nodes finished and those running. */
        private String left(long now) {
            java.util.Map<String, Double> running = new java.util.HashMap<>();
            started.forEach((node, since) -> running.put(node, (now - since) / 1e9));
            return Estimate.about(estimate.remaining(finished, running));
        }

        @Override
        public synchronized void overall(double fraction) {
            if (bar != null) {
                if (estimate == null) {
                    bar.fraction(fraction);
                } else {
                    long now = System.nanoTime();
                    bar.fraction(fraction, String.format(Locale.ROOT, "%d of %d nodes, %s elapsed, %s left",
                            finished.size(), estimate.nodes.size(), Estimate.clock((now - start) / 1e9),
                            left(now)));
                }
            }
        }

        void finish() {
            if (bar != null) {
                bar.finish();
            }
        }
    }
}
