package dev.kumiki.cli.internal;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;

import dev.kumiki.cli.Kumiki;
import dev.kumiki.engine.Execution;
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
        Path runs = dir.resolve(".kumiki/runs");
        if (!Files.isDirectory(runs)) {
            out.println("No runs recorded in " + runs.toAbsolutePath().normalize() + " yet; kumiki run FILE makes one.");
            return Kumiki.OK;
        }
        List<Path> records;
        try (Stream<Path> s = Files.list(runs)) {
            records = s.filter(p -> Files.isRegularFile(p.resolve("run.json"))).sorted().toList();
        }
        out.printf("%-22s %-11s %8s  %s%n", "run", "status", "time", "nodes");
        for (Path r : records) {
            JsonNode run;
            try {
                run = RunCommand.JSON.readTree(r.resolve("run.json").toFile());
            } catch (IOException e) {
                out.printf("%-22s %-11s%n", r.getFileName(), "unreadable");
                continue;
            }
            StringBuilder nodes = new StringBuilder();
            run.path("nodes").properties().forEach(e -> nodes.append(nodes.isEmpty() ? "" : ", ").append(e.getKey())
                    .append(' ').append(Execution.recordedNodeStatus(run, e.getValue())));
            out.printf(Locale.ROOT, "%-22s %-11s %7.2fs  %s%n", r.getFileName(), Execution.recordedStatus(run),
                    run.path("seconds").asDouble(), nodes);
        }
        out.println("Records: " + runs.toAbsolutePath().normalize());
        return Kumiki.OK;
    }
}
