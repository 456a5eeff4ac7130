package dev.kumiki.cli.internal;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

import dev.kumiki.cli.Kumiki;
import dev.kumiki.engine.RunRecords;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "runs", mixinStandardHelpOptions = true,
        description = "The runs recorded beside a pipeline (in .kumiki/runs/), newest last: status, time and what "
                + "each node did.")
public final class RunsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE_OR_DIR", description = "a pipeline file or its "
            + "folder (default: the current folder)")
    Path where;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        Path dir = where == null ? Path.of("") : Files.isRegularFile(where) ? where.toAbsolutePath().getParent() : where;
        Path runs = RunRecords.runsDir(dir);
        if (!Files.isDirectory(runs)) {
            out.println("No runs recorded in " + runs.toAbsolutePath().normalize() + " yet; kumiki run FILE makes one.");
            return Kumiki.OK;
        }
        out.printf("%-22s %-11s %8s  %s%n", "run", "status", "time", "nodes");
        for (Path r : RunRecords.list(runs)) {
            RunRecords.Run run;
            try {
                run = RunRecords.read(r);
            } catch (IOException e) {
                out.printf("%-22s %-11s%n", r.getFileName(), "unreadable");
                continue;
            }
            String nodes = String.join(", ", run.nodes().stream().map(n -> n.node() + " " + n.status()).toList());
            out.printf(Locale.ROOT, "%-22s %-11s %7.2fs  %s%n", run.id(), run.status(), run.seconds(), nodes);
        }
        out.println("Records: " + runs.toAbsolutePath().normalize());
        return Kumiki.OK;
    }
}
