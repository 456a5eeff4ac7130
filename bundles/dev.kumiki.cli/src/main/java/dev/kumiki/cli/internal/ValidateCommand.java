package dev.kumiki.cli.internal;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.kumiki.cli.Kumiki;
import dev.kumiki.engine.Configuration;
import dev.kumiki.engine.Diagnostic;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "validate", mixinStandardHelpOptions = true,
        description = "Check a pipeline without running it: settings, connections, and what every node will produce, "
                + "told from model headers and config.json alone (no weights are read). Exit 0 when it can run.")
public final class ValidateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "the pipeline file")
    Path file;

    @Option(names = "--set", paramLabel = "NODE.SETTING=VALUE", description = "as for kumiki run")
    List<String> sets = new ArrayList<>();

    @Option(names = "--json", description = "print the nodes' outputs and the diagnostics as JSON")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        long start = System.nanoTime();
        PipelineFile p = PipelineFile.read(file, sets);
        Configuration c = p.configure();
        double ms = (System.nanoTime() - start) / 1e6;
        if (json) {
            ObjectNode o = RunCommand.JSON.createObjectNode();
            o.put("valid", !c.hasErrors());
            ObjectNode nodes = o.putObject("nodes");
            for (var n : p.pipeline.getNodes()) {
                ObjectNode x = nodes.putObject(n.getId());
                x.put("kind", n.getSettings().eClass().getName());
                ObjectNode outs = x.putObject("outputs");
                c.specs().getOrDefault(n.getId(), java.util.Map.of()).forEach((port, s) -> outs.put(port, s.summary()));
            }
            ArrayNode diagnostics = o.putArray("diagnostics");
            for (Diagnostic d : c.diagnostics()) {
                ObjectNode x = diagnostics.addObject();
                x.put("severity", d.severity().name().toLowerCase(Locale.ROOT));
                x.put("where", p.where(d));
                if (d.node() != null) {
                    x.put("node", d.node());
                }
                if (d.setting() != null) {
                    x.put("setting", d.setting());
                }
                x.put("message", d.message());
            }
            p.exampleModelsHint(c).ifPresent(h -> o.put("hint", h));
            out.println(RunCommand.JSON.writeValueAsString(o));
            return c.hasErrors() ? Kumiki.USAGE : Kumiki.OK;
        }
        boolean errors = p.print(c, spec.commandLine().getErr());
        for (var n : p.pipeline.getNodes()) {
            var specs = c.specs().get(n.getId());
            boolean bad = c.of(n.getId()).stream().anyMatch(d -> d.severity() == dev.kumiki.engine.Severity.ERROR);
            out.printf(Locale.ROOT, "%s %s (%s)%s%n", bad ? "✗" : specs == null ? "·" : "✓", n.getId(),
                    n.getSettings().eClass().getName(), specs == null || specs.isEmpty() ? ""
                            : ": " + String.join("; ", specs.entrySet().stream()
                                    .map(e -> e.getKey() + " = " + e.getValue().summary()).toList()));
        }
        out.printf(Locale.ROOT, "%s: %s (configured in %.0f ms, no weights read).%n", file,
                errors ? c.errors().size() + " error" + (c.errors().size() == 1 ? "" : "s") : "ready to run", ms);
        return errors ? Kumiki.USAGE : Kumiki.OK;
    }
}
