package dev.kumiki.ui.internal.runs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.kumiki.engine.RunRecords;
import dev.kumiki.eval.EvaluationResults;
import dev.kumiki.eval.report.ResultsJson;
import dev.kumiki.nodes.GenerateKind;

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

    /**
     * One node of the run, with its summary (nodes/NODE/summary.json) when it left one.
     *
     * @param messages what the node reported, in order
     * @param key      its cache key, empty when none was computed
     */
    public record NodeRun(String node, String kind, String status, double seconds, String output, JsonNode summary,
            List<String> messages, String key) {
        public NodeRun {
            messages = List.copyOf(messages);
        }
    }

    /**
     * The scores an Evaluate node of the run produced.
     *
     * @param node        the node
     * @param results     its scores as its results.json holds them
     * @param resultsJson the results.json read: in the node's folder of this run, or, for scores that came from the
     *                    cache, in the folder of the run that computed them
     */
    public record NodeScores(String node, EvaluationResults results, Path resultsJson) {
    }

    /** The node kind whose scores the Results view shows. */
    static final String EVALUATE = "Evaluate";
    /** The node kind whose text the Results view shows. */
    static final String GENERATE = "Generate";

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
            out.add(new NodeRun(n.node(), n.kind(), n.status(), n.seconds(), output, summary, n.messages(),
                    n.key()));
        }
        return out;
    }

    /**
     * The scores of the run's Evaluate nodes that finished, in the order the run recorded them. A node whose scores
     * came from the cache left no results.json in this run's record: its cache entry in {@code cacheDir} names the
     * results.json of the run that computed them. A node whose results cannot be read any more (the cache or an
     * earlier record deleted) has none.
     */
    public List<NodeScores> scores(Path cacheDir) {
        List<NodeScores> out = new ArrayList<>();
        for (RunRecords.NodeRun n : run.nodes()) {
            if (!n.kind().equals(EVALUATE) || !(n.status().equals("done") || n.status().equals("cached"))) {
                continue;
            }
            Path file = dir().resolve("nodes").resolve(n.node()).resolve("results.json");
            if (!Files.isRegularFile(file) && !n.key().isEmpty()) {
                file = cachedResults(cacheDir.resolve(n.key() + ".json"));
            }
            if (file != null && Files.isRegularFile(file)) {
                try {
                    out.add(new NodeScores(n.node(), ResultsJson.read(file), file));
                } catch (IOException ignored) {
                    // an unreadable results.json: the node's summary in the table still says what it scored
                }
            }
        }
        return out;
    }

    /** The results.json a cache entry's outputs name, or null. */
    private static Path cachedResults(Path entry) {
        if (!Files.isRegularFile(entry)) {
            return null;
        }
        try {
            for (JsonNode v : JSON.readTree(entry.toFile()).path("outputs")) {
                Path p = Path.of(v.asText());
                if (p.getFileName() != null && p.getFileName().toString().equals("results.json")) {
                    return p;
                }
            }
        } catch (IOException | java.nio.file.InvalidPathException ignored) {
            // a damaged entry: the engine replaces it on the next run
        }
        return null;
    }

    /**
     * What the node wrote as text: a Generate node's generation (its generation.txt), else its messages, one a
     * line.
     */
    public String text(NodeRun n) {
        Path file = dir().resolve("nodes").resolve(n.node()).resolve(GenerateKind.FILE);
        if (n.kind().equals(GENERATE) && Files.isRegularFile(file)) {
            try {
                return Files.readString(file);
            } catch (IOException e) {
                return "(" + file + " cannot be read: " + e.getMessage() + ")";
            }
        }
        return String.join("\n", n.messages());
    }

    /**
     * The series the run's nodes measured (a Train node's loss and val_loss per step), by node, for the nodes that
     * measured any; read from each node's metrics.jsonl in the record.
     */
    public Map<String, Map<String, List<RunRecords.Point>>> metrics() {
        Map<String, Map<String, List<RunRecords.Point>>> out = new LinkedHashMap<>();
        for (RunRecords.NodeRun n : run.nodes()) {
            try {
                Map<String, List<RunRecords.Point>> m = RunRecords.metrics(dir(), n.node());
                if (m.isEmpty() && n.status().equals("cached") && !n.key().isEmpty()) {
                    m = computedBy(n);
                }
                if (!m.isEmpty()) {
                    out.put(n.node(), m);
                }
            } catch (IOException ignored) {
                // unreadable: the node is shown without its curve
            }
        }
        return out;
    }

    /**
     * The series of a node whose outputs came from the cache: those of the latest run beside this one that executed
     * the node with the same cache key (its training is the one whose outputs were reused); none when that record is
     * gone.
     */
    private Map<String, List<RunRecords.Point>> computedBy(RunRecords.NodeRun cached) throws IOException {
        Path runs = dir().getParent();
        if (runs == null) {
            return Map.of();
        }
        for (Path other : RunRecords.list(runs).reversed()) {
            if (other.equals(dir())) {
                continue;
            }
            try {
                boolean same = RunRecords.read(other).nodes().stream().anyMatch(n -> n.node().equals(cached.node())
                        && n.key().equals(cached.key()) && n.status().equals("done"));
                if (same) {
                    return RunRecords.metrics(other, cached.node());
                }
            } catch (IOException ignored) {
                // a record being written or damaged: look further back
            }
        }
        return Map.of();
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
