package dev.kumiki.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Reads the run records an {@link Execution} leaves in {@code .kumiki/runs/ID/run.json}: the one reader the command
 * line ({@code kumiki runs}) and the Studio's run views share, so that both show the same thing for every record.
 * {@snippet :
 * for (Path dir : RunRecords.list(RunRecords.runsDir(pipelineFolder))) {
 *     RunRecords.Run run = RunRecords.read(dir);
 *     System.out.println(run.id() + " " + run.status());
 * }
 * }
 */
public final class RunRecords {
    /** The record's file inside a run's folder. */
    public static final String FILE = "run.json";
    /**
     * A node's measured series inside its folder of the record ({@code nodes/NODE/metrics.jsonl}): one JSON object a
     * point, {@code {"metric": "loss", "step": 12, "value": 3.21}}, in the order measured.
     */
    public static final String METRICS = "metrics.jsonl";

    private static final ObjectMapper JSON = new ObjectMapper();

    private RunRecords() {
    }

    /**
     * One recorded run.
     *
     * @param dir     the run's record folder
     * @param status  as recorded ({@code running}, {@code succeeded}, {@code failed}, {@code cancelled}, …), or
     *                {@code interrupted} for a run recorded as running whose process is gone
     * @param seconds the run's duration, 0 while it runs
     * @param nodes   the nodes in the order the run recorded them
     */
    public record Run(Path dir, String status, double seconds, List<NodeRun> nodes) {
        public Run {
            nodes = List.copyOf(nodes);
        }

        /** The run's id: its folder's name. */
        public String id() {
            return dir.getFileName().toString();
        }
    }

    /**
     * One node of a recorded run.
     *
     * @param outputs  the node's outputs by port, as text
     * @param messages what the node reported, in order
     * @param key      the node's cache key, empty when none was computed; a cached node's outputs are kept in the
     *                 cache under it ({@code KEY.json}), not in this run's record
     */
    public record NodeRun(String node, String kind, String status, double seconds, Map<String, String> outputs,
                          List<String> messages, String key) {
        public NodeRun {
            outputs = Collections.unmodifiableMap(new LinkedHashMap<>(outputs));
            messages = List.copyOf(messages);
            key = key == null ? "" : key;
        }
    }

    /** One point of a measured series: a step and the value measured there. */
    public record Point(long step, double value) {
    }

    /**
     * The series node {@code node} measured in the run recorded in {@code recordDir} ({@value #METRICS}), by name in
     * the order first measured, each in the order measured; none when it measured nothing. A line that is not a point
     * (the last one of a run killed while writing it) is left out.
     */
    public static Map<String, List<Point>> metrics(Path recordDir, String node) throws IOException {
        Path file = recordDir.resolve("nodes").resolve(node).resolve(METRICS);
        Map<String, List<Point>> series = new LinkedHashMap<>();
        if (!Files.isRegularFile(file)) {
            return series;
        }
        for (String line : Files.readAllLines(file)) {
            JsonNode p;
            try {
                p = JSON.readTree(line);
            } catch (JacksonException e) {
                continue;
            }
            if (p != null && p.path("metric").isTextual() && p.path("step").canConvertToLong()
                    && p.path("value").isNumber()) {
                series.computeIfAbsent(p.path("metric").asText(), k -> new ArrayList<>())
                        .add(new Point(p.path("step").asLong(), p.path("value").asDouble()));
            }
        }
        return series;
    }

    /** Where the runs of a pipeline in {@code pipelineDir} are recorded by default ({@code .kumiki/runs}). */
    public static Path runsDir(Path pipelineDir) {
        return pipelineDir.resolve(".kumiki/runs");
    }

    /**
     * The record folders in {@code runsDir} that hold a {@value #FILE}, oldest first (run ids start with their
     * time); none when the folder does not exist.
     */
    public static List<Path> list(Path runsDir) throws IOException {
        if (!Files.isDirectory(runsDir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(runsDir)) {
            return s.filter(p -> Files.isRegularFile(p.resolve(FILE))).sorted().toList();
        }
    }

    /**
     * Reads the record in {@code recordDir}.
     *
     * @throws IOException naming the file when it cannot be read or is not a run record
     */
    public static Run read(Path recordDir) throws IOException {
        Path file = recordDir.resolve(FILE);
        JsonNode json;
        try {
            json = JSON.readTree(file.toFile());
        } catch (JacksonException e) {
            throw new IOException(file + " is not a run record (" + e.getOriginalMessage() + ")", e);
        }
        if (json == null || !json.isObject() || !json.path("status").isTextual()) {
            throw new IOException(file + " is not a run record (expected a JSON object with a status)");
        }
        List<NodeRun> nodes = new ArrayList<>();
        json.path("nodes").properties().forEach(e -> {
            JsonNode n = e.getValue();
            Map<String, String> outputs = new LinkedHashMap<>();
            n.path("outputs").properties().forEach(o -> outputs.put(o.getKey(), o.getValue().asText()));
            List<String> messages = new ArrayList<>();
            n.path("messages").forEach(m -> messages.add(m.asText()));
            nodes.add(new NodeRun(e.getKey(), n.path("kind").asText(), recordedNodeStatus(json, n),
                    n.path("seconds").asDouble(), outputs, messages, n.path("key").asText("")));
        });
        return new Run(recordDir, recordedStatus(json), json.path("seconds").asDouble(), nodes);
    }

    /**
     * The status of a recorded run as it should be shown: run.json's {@code status}, except that a run recorded as
     * {@code running} whose process has ended (killed, crashed, power lost) is {@code interrupted} — it never wrote
     * its last record. A record without a process id (older versions) that says running is shown as it says.
     */
    static String recordedStatus(JsonNode run) {
        String status = run.path("status").asText();
        if (!status.equals("running") || !run.path("pid").canConvertToLong()) {
            return status;
        }
        return processAlive(run) ? status : "interrupted";
    }

    /**
     * A node's status as it should be shown: in an interrupted run, a node that was running is {@code interrupted}
     * and one still waiting is {@code skipped} (it never ran).
     */
    static String recordedNodeStatus(JsonNode run, JsonNode node) {
        String status = node.path("status").asText();
        if (!(status.equals("running") || status.equals("queued")) || !recordedStatus(run).equals("interrupted")) {
            return status;
        }
        return status.equals("running") ? "interrupted" : NodeState.SKIPPED.label();
    }

    private static boolean processAlive(JsonNode run) {
        Optional<ProcessHandle> p = ProcessHandle.of(run.path("pid").asLong());
        if (p.isEmpty() || !p.get().isAlive()) {
            return false;
        }
        // the same pid may belong to a later process: compare start times when both are known
        String started = run.path("process_started").asText("");
        Optional<Instant> now = p.get().info().startInstant();
        return started.isEmpty() || now.isEmpty() || now.get().toString().equals(started);
    }
}
