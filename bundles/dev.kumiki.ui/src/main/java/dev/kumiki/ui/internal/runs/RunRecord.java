package dev.kumiki.ui.internal.runs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.kumiki.engine.RunRecords;

/**
 * One recorded run (.kumiki/runs/ID/run.json, read by the engine's {@link RunRecords}) as the Run History and
 * Results views show it.
 *
 * @param run the record as read
 */
public record RunRecord(RunRecords.Run run) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The run's record folder. */
    public Path dir() {
        return run.dir();
    }

    public String id() {
        return run.id();
    }

    /** The status, {@code interrupted} for a run whose process ended without recording how. */
    public String status() {
        return run.status();
    }

    public double seconds() {
        return run.seconds();
    }

    /** One node of the run, with its summary (nodes/NODE/summary.json) when it left one. */
    public record NodeRun(String node, String kind, String status, double seconds, String output, JsonNode summary) {
    }

    public List<NodeRun> nodes() {
        List<NodeRun> out = new ArrayList<>();
        for (RunRecords.NodeRun n : run.nodes()) {
            String output = n.outputs().values().stream().findFirst()
                    .orElse(n.messages().isEmpty() ? "" : n.messages().getLast());
            JsonNode summary = null;
            Path file = dir().resolve("nodes").resolve(n.node()).resolve("summary.json");
            if (Files.isRegularFile(file)) {
                try {
                    summary = JSON.readTree(file.toFile());
                } catch (IOException ignored) {
                    // shown without its summary
                }
            }
            out.add(new NodeRun(n.node(), n.kind(), n.status(), n.seconds(), output, summary));
        }
        return out;
    }

    /** The runs recorded beside a pipeline in {@code dir}, newest first. */
    public static List<RunRecord> in(Path dir) {
        List<RunRecord> out = new ArrayList<>();
        try {
            for (Path r : RunRecords.list(RunRecords.runsDir(dir)).reversed()) {
                try {
                    out.add(new RunRecord(RunRecords.read(r)));
                } catch (IOException ignored) {
                    // a record being written; it shows on the next refresh
                }
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }
}
