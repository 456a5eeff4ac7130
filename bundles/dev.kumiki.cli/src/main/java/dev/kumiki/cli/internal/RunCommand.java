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
        Execution run = p.engine.execute(c, options, progress);
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
        Execution.Result result;
        try {
            result = run.run();
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

    /** Node states as lines (or an overall bar on a terminal). */
    static final class NodeProgress implements RunListener {
        private final PrintWriter out;
        private final Progress bar;

        NodeProgress(PrintWriter out, boolean terminal) {
            this.out = out;
            this.bar = terminal ? new Progress(out, true, "running") : null;
        }

        @Override
        public synchronized void nodeState(String node, NodeState state, String message) {
            if (state == NodeState.QUEUED) {
                return;
            }
            if (bar != null) {
                out.print("\r\u001b[K");
            }
            out.println(node + ": " + state.label() + (message == null ? "" : " (" + message + ")"));
            out.flush();
        }

        @Override
        public synchronized void overall(double fraction) {
            if (bar != null) {
                bar.fraction(fraction);
            }
        }

        void finish() {
            if (bar != null) {
                bar.finish();
            }
        }
    }
}
