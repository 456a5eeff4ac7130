package dev.kumiki.ui.internal.runs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * One recorded run (.kumiki/runs/ID/run.json) as the Run History and Results views show it.
 *
 * @param dir   the run's record folder
 * @param json  run.json
 */
public record RunRecord(Path dir, JsonNode json) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public String id() {
        return dir.getFileName().toString();
    }

    /** The status, {@code interrupted} for a run whose process ended without recording how. */
    public String status() {
        return dev.kumiki.engine.Execution.recordedStatus(json);
    }

    public double seconds() {
        return json.path("seconds").asDouble();
    }

    /** One node of the run. */
    public record NodeRun(String node, String kind, String status, double seconds, String output, JsonNode summary) {
    }

    public List<NodeRun> nodes() {
        List<NodeRun> out = new ArrayList<>();
        json.path("nodes").properties().forEach(e -> {
            JsonNode n = e.getValue();
            String output = n.path("outputs").properties().stream().map(o -> o.getValue().asText()).findFirst()
                    .orElse(n.path("messages").size() > 0 ? n.path("messages").get(n.path("messages").size() - 1)
                            .asText() : "");
            JsonNode summary = null;
            Path file = dir.resolve("nodes").resolve(e.getKey()).resolve("summary.json");
            if (Files.isRegularFile(file)) {
                try {
                    summary = JSON.readTree(file.toFile());
                } catch (IOException ignored) {
                    // shown without its summary
                }
            }
            out.add(new NodeRun(e.getKey(), n.path("kind").asText(),
                    dev.kumiki.engine.Execution.recordedNodeStatus(json, n),
                    n.path("seconds").asDouble(), output, summary));
        });
        return out;
    }

    /** The runs recorded beside a pipeline in {@code dir}, newest first. */
    public static List<RunRecord> in(Path dir) {
        Path runs = dir.resolve(".kumiki/runs");
        if (!Files.isDirectory(runs)) {
            return List.of();
        }
        List<RunRecord> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(runs)) {
            for (Path r : s.sorted(Comparator.reverseOrder()).toList()) {
                Path file = r.resolve("run.json");
                if (Files.isRegularFile(file)) {
                    try {
                        out.add(new RunRecord(r, JSON.readTree(file.toFile())));
                    } catch (IOException ignored) {
                        // a record being written; it shows on the next refresh
                    }
                }
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }
}
