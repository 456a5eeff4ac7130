package dev.kumiki.cli.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import dev.kumiki.engine.Configuration;
import dev.kumiki.engine.Execution;
import dev.kumiki.engine.RunRecords;
import dev.kumiki.model.pipeline.Connection;

/**
 * How long a run of a pipeline will take, told before it starts and updated as it goes. Each node's time is 0 when
 * the cache holds its outputs ({@link dev.kumiki.engine.Engine#plan}, the engine's own decision); else its time in
 * the latest earlier run recorded beside the pipeline that executed it (one with the same cache key first: the same
 * work); else a reference figure for its kind, scaled to this machine's cores. The run's time is not the sum of the
 * nodes' times: the engine runs several nodes at once, so the estimate replays its scheduling (nodes in the order it
 * takes them, each started as soon as its inputs are done and a place is free). The memory budget, which can hold a
 * node back, is left out: the pipelines estimated here fit in it.
 */
final class Estimate {
    /** What kind of work a node does, by its kind; the estimate is shown split this way. */
    enum Stage {
        TRAINING("training"), MERGING("merging and searching"), EVALUATION("evaluation"), OTHER("other");

        final String label;

        Stage(String label) {
            this.label = label;
        }

        static Stage of(String kind) {
            return switch (kind) {
                case "Train", "Dataset" -> TRAINING;
                case "Merge", "EvolveMerge" -> MERGING;
                case "Evaluate" -> EVALUATION;
                default -> OTHER;
            };
        }
    }

    /** Where a node's time comes from. */
    enum Source {
        CACHE, RECORD, REFERENCE
    }

    /**
     * Times of node kinds measured on one machine, for nodes that never ran here.
     *
     * @param seconds  a node's time by kind; kinds not listed take {@code other}
     * @param cores    the cores of the machine they were measured on
     * @param measured where and when, as a reader should be told
     */
    record Reference(Map<String, Double> seconds, double other, int cores, String measured) {
        /** A node's reference time on a machine with {@code cores} cores. */
        double seconds(String kind, int cores) {
            return seconds.getOrDefault(kind, other) * scale(cores);
        }

        /**
         * Fewer cores, longer; more cores, shorter, but not in proportion beyond 4× faster: small models leave
         * most of many cores idle, and a node's fixed costs (loading, tokenizing) do not shrink.
         */
        double scale(int machineCores) {
            return Math.max(0.25, cores / (double) Math.max(1, machineCores));
        }
    }

    /** One node's estimate. */
    record Node(String node, String kind, Stage stage, double seconds, Source source, List<String> upstream) {
    }

    final List<Node> nodes;
    final int parallel;
    final int cores;
    final Reference reference;
    /** The earlier run whose times were used, or null. */
    final String record;
    private final Map<String, Node> byId = new LinkedHashMap<>();

    private Estimate(List<Node> nodes, int parallel, int cores, Reference reference, String record) {
        this.nodes = List.copyOf(nodes);
        this.parallel = parallel;
        this.cores = cores;
        this.reference = reference;
        this.record = record;
        nodes.forEach(n -> byId.put(n.node(), n));
    }

    /**
     * The estimate of a run of {@code c} that the engine planned as {@code plan}, with records of earlier runs in
     * {@code runsDir}, {@code parallel} nodes at once on {@code cores} cores. Records that cannot be read are passed
     * over: they cost the estimate its figures, never the run.
     */
    static Estimate of(List<Execution.PlannedNode> plan, Configuration c, Path runsDir, int parallel, int cores,
            Reference reference) {
        Map<String, List<String>> upstream = new HashMap<>();
        for (Connection k : c.pipeline().getConnections()) {
            List<String> from = upstream.computeIfAbsent(k.getTo().getId(), x -> new ArrayList<>());
            if (!from.contains(k.getFrom().getId())) {
                from.add(k.getFrom().getId());
            }
        }
        List<RunRecords.Run> runs = new ArrayList<>();
        try {
            List<Path> dirs = RunRecords.list(runsDir);
            for (int i = dirs.size() - 1; i >= 0; i--) {
                try {
                    runs.add(RunRecords.read(dirs.get(i)));
                } catch (IOException e) {
                    // a damaged record has no figures to give
                }
            }
        } catch (IOException e) {
            // no records to read: reference figures
        }
        List<Node> nodes = new ArrayList<>();
        String used = null;
        for (Execution.PlannedNode p : plan) {
            List<String> from = List.copyOf(upstream.getOrDefault(p.node(), List.of()));
            Stage stage = Stage.of(p.kind());
            if (p.fromCache()) {
                nodes.add(new Node(p.node(), p.kind(), stage, 0, Source.CACHE, from));
                continue;
            }
            RunRecords.NodeRun ran = null;
            RunRecords.Run in = null;
            // newest first: the same work (same key) if it was done before, else the latest time the node ran
            for (boolean sameKey : new boolean[] {true, false}) {
                for (RunRecords.Run r : runs) {
                    for (RunRecords.NodeRun n : r.nodes()) {
                        if (ran == null && n.node().equals(p.node()) && n.kind().equals(p.kind())
                                && n.status().equals("done") && (!sameKey || p.key() != null
                                        && p.key().equals(n.key()))) {
                            ran = n;
                            in = r;
                        }
                    }
                }
            }
            if (ran != null) {
                nodes.add(new Node(p.node(), p.kind(), stage, ran.seconds(), Source.RECORD, from));
                used = used == null || in.id().compareTo(used) > 0 ? in.id() : used;
            } else {
                nodes.add(new Node(p.node(), p.kind(), stage, reference.seconds(p.kind(), cores), Source.REFERENCE,
                        from));
            }
        }
        return new Estimate(nodes, parallel, cores, reference, used);
    }

    Node node(String id) {
        return byId.get(id);
    }

    /** The whole run's time, in seconds, as the engine would schedule it. */
    double seconds() {
        return remaining(Set.of(), Map.of());
    }

    /**
     * The time left, in seconds, when the nodes in {@code finished} are done and those in {@code running} have run
     * for the seconds given: a running node is taken to need its estimate less what it has had (at least a few
     * seconds more, once it overruns).
     */
    double remaining(Set<String> finished, Map<String, Double> running) {
        Map<String, Double> end = new HashMap<>(); // when each started node ends
        List<String> slots = new ArrayList<>();
        Set<String> done = new HashSet<>(finished);
        for (Map.Entry<String, Double> r : running.entrySet()) {
            Node n = byId.get(r.getKey());
            if (n != null) {
                end.put(n.node(), Math.max(Math.min(5, n.seconds()), n.seconds() - r.getValue()));
                slots.add(n.node());
            }
        }
        List<Node> waiting = new ArrayList<>(nodes.stream().filter(n -> !done.contains(n.node())
                && !running.containsKey(n.node())).toList());
        double now = 0;
        while (!waiting.isEmpty() || !slots.isEmpty()) {
            for (Node n : new ArrayList<>(waiting)) {
                if (slots.size() >= Math.max(1, parallel)) {
                    break;
                }
                if (done.containsAll(n.upstream().stream().filter(byId::containsKey).toList())) {
                    waiting.remove(n);
                    slots.add(n.node());
                    end.put(n.node(), now + n.seconds());
                }
            }
            if (slots.isEmpty()) {
                break; // nothing can start: an input that is not in the pipeline's order (a node with errors)
            }
            double next = slots.stream().mapToDouble(end::get).min().orElseThrow();
            now = Math.max(now, next);
            for (String s : new ArrayList<>(slots)) {
                if (end.get(s) <= now) {
                    slots.remove(s);
                    done.add(s);
                }
            }
        }
        return now;
    }

    /** The nodes' time added up by stage (not the run's time: nodes run at once). */
    Map<Stage, Double> byStage() {
        Map<Stage, Double> m = new EnumMap<>(Stage.class);
        for (Node n : nodes) {
            m.merge(n.stage(), n.seconds(), Double::sum);
        }
        return m;
    }

    /** A duration as people say it: {@code 45 s}, {@code 1 min 30 s}, {@code 6 min}. */
    static String duration(double seconds) {
        long s = Math.round(seconds);
        if (s < 60) {
            return s + " s";
        }
        if (s < 600 && s % 60 != 0) {
            return (s / 60) + " min " + (s % 60) + " s";
        }
        return Math.round(seconds / 60) + " min";
    }

    /** Time left as a rough figure: {@code a few seconds}, {@code about 40 s}, {@code about 5 min}. */
    static String about(double seconds) {
        if (seconds < 1) {
            return "nothing";
        }
        if (seconds < 10) {
            return "a few seconds";
        }
        if (seconds < 90) {
            return String.format(Locale.ROOT, "about %d s", Math.max(5, Math.round(seconds / 5) * 5));
        }
        return String.format(Locale.ROOT, "about %d min", Math.round(seconds / 60));
    }

    /** Elapsed time as a clock: {@code 0:46}, {@code 12:05}. */
    static String clock(double seconds) {
        long s = (long) seconds;
        return String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
