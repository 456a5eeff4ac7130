package dev.kumiki.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.kumiki.model.pipeline.Pipeline;
import dev.kumiki.model.yaml.PipelineYaml;

/** Configure and execute over small number nodes: diagnostics by message, values, cache, records, cancel. */
class EngineTest {
    static final NodeKinds KINDS = NodeKinds.of(List.of(new NumberKinds()));
    static final Engine ENGINE = new Engine(KINDS);

    @TempDir
    Path dir;

    static Pipeline pipeline(String yaml) {
        PipelineYaml.Result r = KINDS.yaml().read("kumiki: 1\n" + yaml, "p.kumiki");
        assertEquals(List.of(), r.errors());
        return r.pipeline();
    }

    List<String> diagnostics(String yaml) {
        return ENGINE.configure(pipeline(yaml), dir).diagnostics().stream().map(Diagnostic::toString).toList();
    }

    @Test
    void configureReportsEveryProblemOnItsNodeAndSetting() {
        assertEquals(List.of("error: node 'a', value: 'value' must be between 0 and 100, found 250.0"),
                diagnostics("nodes:\n  a: {kind: Number, value: 250}\n"));
        assertEquals(List.of("error: node 's', path: 'path' is required: The file to write.",
                "error: node 's', in: input 'in' is not connected; connect a number to it (the number to save)"),
                diagnostics("nodes:\n  s: {kind: Save}\n"));
        assertEquals(List.of("error: node 'a', output: connection 'a.output -> s.in': Number has no output 'output'; "
                + "its outputs: out"),
                diagnostics("nodes:\n  a: {kind: Number}\n  s: {kind: Save, path: x}\nconnections: [a.output -> s.in]\n"));
        assertEquals(List.of("error: node 's', inn: connection 'a.out -> s.inn': Sum has no input 'inn' (did you mean "
                + "'in'?); its inputs: in", "error: node 's', in: input 'in' is not connected; connect a number to it "
                        + "(numbers to add)"),
                diagnostics("nodes:\n  a: {kind: Number}\n  s: {kind: Sum}\nconnections: [a.out -> s.inn]\n"));
        assertEquals(List.of("error: node 's', in: connection 't.out -> s.in': incompatible ports: t.out gives text but "
                + "s.in takes number"), diagnostics("nodes:\n  t: {kind: Text}\n  s: {kind: Sum}\n"
                        + "connections: [t.out -> s.in]\n"));
        assertEquals(List.of("error: node 's', in: input 'in' takes one connection but has 2 (from a.out, b.out)"),
                diagnostics("nodes:\n  a: {kind: Number}\n  b: {kind: Number}\n  s: {kind: Save, path: x}\n"
                        + "connections: [a.out -> s.in, b.out -> s.in]\n"));
        assertEquals(List.of("error: node 'x': node 'x' is on a cycle of connections (x, y); a pipeline must flow one "
                + "way: remove one of the connections", "error: node 'y': node 'y' is on a cycle of connections (x, y); "
                        + "a pipeline must flow one way: remove one of the connections"),
                diagnostics("nodes:\n  x: {kind: Sum}\n  y: {kind: Sum}\nconnections: [x.out -> y.in, y.out -> x.in]\n"));
    }

    static final String SUM = """
            nodes:
              a: {kind: Number, value: 2}
              b: {kind: Number, value: 3}
              sum: {kind: Sum}
              save: {kind: Save, path: out.txt}
            connections:
            - a.out -> sum.in
            - b.out -> sum.in
            - sum.out -> save.in
            """;

    Execution.Result run(Pipeline p, boolean cache) {
        Configuration c = ENGINE.configure(p, dir);
        assertEquals(List.of(), c.diagnostics());
        return ENGINE.execute(c, RunOptions.defaults(dir).withUseCache(cache), RunListener.NONE).run();
    }

    @Test
    void valuesFlowAndARerunTakesUnchangedNodesFromTheCache() throws Exception {
        Pipeline p = pipeline(SUM);
        int saves = NumberKinds.SAVES.get();
        Execution.Result first = run(p, true);
        assertEquals(Execution.Status.SUCCEEDED, first.status());
        assertEquals("5.0", Files.readString(dir.resolve("out.txt")));
        assertEquals(NodeState.DONE, first.nodes().get("save").state());
        assertEquals(saves + 1, NumberKinds.SAVES.get());

        Execution.Result second = run(pipeline(SUM), true);
        assertEquals(NodeState.CACHED, second.nodes().get("save").state());
        assertEquals(saves + 1, NumberKinds.SAVES.get(), "the cached node did not run");
        assertEquals("5.0", second.values().get("save").get("out").summary());

        Execution.Result changed = run(pipeline(SUM.replace("value: 3", "value: 4")), true);
        assertEquals(NodeState.DONE, changed.nodes().get("save").state());
        assertEquals("6.0", Files.readString(dir.resolve("out.txt")));

        Execution.Result forced = run(pipeline(SUM.replace("value: 3", "value: 4")), false);
        assertEquals(NodeState.DONE, forced.nodes().get("save").state(), "--no-cache runs it again");

        Files.delete(dir.resolve("out.txt"));
        assertEquals(NodeState.DONE, run(pipeline(SUM.replace("value: 3", "value: 4")), true).nodes().get("save")
                .state(), "outputs that are gone are made again");
    }

    static java.util.Set<String> cachedIn(Execution.Result r) {
        return r.nodes().values().stream().filter(n -> n.state() == NodeState.CACHED).map(Execution.NodeResult::node)
                .collect(java.util.stream.Collectors.toSet());
    }

    static java.util.Set<String> fromCache(List<Execution.PlannedNode> plan) {
        return plan.stream().filter(Execution.PlannedNode::fromCache).map(Execution.PlannedNode::node)
                .collect(java.util.stream.Collectors.toSet());
    }

    static Execution.PlannedNode node(List<Execution.PlannedNode> plan, String id) {
        return plan.stream().filter(n -> n.node().equals(id)).findFirst().orElseThrow();
    }

    static List<String> files(Path dir) throws IOException {
        try (var s = Files.walk(dir)) {
            return s.map(dir::relativize).map(Path::toString).sorted().toList();
        }
    }

    @Test
    void aPlanTellsBeforeARunWhatTheRunWillTakeFromTheCache() throws Exception {
        // two saves: one of a + b, one of b alone, so that a change of a leaves the second as it was
        String yaml = """
                nodes:
                  a: {kind: Number, value: 2}
                  b: {kind: Number, value: 3}
                  sum: {kind: Sum}
                  save: {kind: Save, path: out.txt}
                  other: {kind: Save, path: b.txt}
                connections:
                - a.out -> sum.in
                - b.out -> sum.in
                - sum.out -> save.in
                - b.out -> other.in
                """;
        RunOptions options = RunOptions.defaults(dir);
        Configuration configured = ENGINE.configure(pipeline(yaml), dir);
        List<Execution.PlannedNode> before = ENGINE.plan(configured, options);
        assertEquals(configured.order().stream().map(n -> n.getId()).toList(), before.stream()
                .map(Execution.PlannedNode::node).toList(), "in the order the run takes them");
        assertEquals("Save", node(before, "save").kind());
        assertEquals(java.util.Set.of(), fromCache(before), "an empty cache holds nothing");
        assertTrue(Files.notExists(dir.resolve(".kumiki")), "a plan writes no record and no cache");

        Execution.Result first = run(pipeline(yaml), true);
        List<Execution.PlannedNode> after = ENGINE.plan(ENGINE.configure(pipeline(yaml), dir), options);
        for (Execution.PlannedNode n : after) {
            assertEquals(first.nodes().get(n.node()).key(), n.key(), n.node() + ": the key the run computed");
        }
        assertEquals(before.stream().map(Execution.PlannedNode::key).toList(),
                after.stream().map(Execution.PlannedNode::key).toList(), "keys do not depend on the cache");
        // only kinds that keep outputs come from the cache; the others always execute
        assertEquals(java.util.Set.of("save", "other"), fromCache(after));
        assertEquals(fromCache(after), cachedIn(run(pipeline(yaml), true)), "what the run then does");

        // a changed setting: what depends on it runs again, the rest still comes from the cache
        String changed = yaml.replace("value: 2", "value: 4");
        List<Execution.PlannedNode> plan = ENGINE.plan(ENGINE.configure(pipeline(changed), dir), options);
        assertEquals(java.util.Set.of("other"), fromCache(plan));
        assertTrue(!node(plan, "save").key().equals(node(after, "save").key()), "save's key changed with a's setting");
        assertEquals(fromCache(plan), cachedIn(run(pipeline(changed), true)));

        // outputs that are gone, a damaged entry and a run without the cache are misses, as the run finds them; the
        // plan leaves the damaged entry and the records alone (the run warns and replaces it)
        Files.delete(dir.resolve("b.txt"));
        assertEquals(java.util.Set.of("save"), fromCache(ENGINE.plan(ENGINE.configure(pipeline(changed), dir),
                options)));
        Path entry = dir.resolve(".kumiki/cache").resolve(node(plan, "save").key() + ".json");
        Files.writeString(entry, "{");
        List<String> files = files(dir.resolve(".kumiki"));
        assertEquals(java.util.Set.of(), fromCache(ENGINE.plan(ENGINE.configure(pipeline(changed), dir), options)));
        assertEquals(files, files(dir.resolve(".kumiki")), "the plan wrote nothing");
        assertEquals("{", Files.readString(entry));
        assertEquals(java.util.Set.of(), cachedIn(run(pipeline(changed), true)));
        assertEquals(java.util.Set.of("save", "other"), fromCache(ENGINE.plan(ENGINE.configure(pipeline(changed),
                dir), options)));
        assertEquals(java.util.Set.of(), fromCache(ENGINE.plan(ENGINE.configure(pipeline(changed), dir),
                options.withUseCache(false))), "--no-cache executes every node");

        Configuration broken = ENGINE.configure(pipeline("nodes:\n  s: {kind: Save}\n"), dir);
        assertThrows(IllegalStateException.class, () -> ENGINE.plan(broken, options));
    }

    /** The cache entry of the save node of {@link #SUM}: its key is in the run's result. */
    Path entry(Execution.Result r) {
        return dir.resolve(".kumiki/cache").resolve(r.nodes().get("save").key() + ".json");
    }

    @Test
    void aDamagedCacheEntryIsRecomputedWithAWarningAndReplaced() throws Exception {
        Execution.Result first = run(pipeline(SUM), true);
        Path entry = entry(first);
        String whole = Files.readString(entry);
        assertTrue(whole.contains("\"sha256\""), whole);
        // each way an entry is found damaged: cut short, garbled within its checksum, emptied, a folder in its place,
        // the layout of an older Kumiki (a flat map of outputs), a value its kind cannot read back
        Map<String, String> damage = new java.util.LinkedHashMap<>();
        damage.put(whole.substring(0, whole.length() / 2), "Unexpected end-of-input");
        damage.put(whole.replace("5.0", "7.0"), "its checksum does not match its contents");
        damage.put("", "not the layout Kumiki writes");
        damage.put("{\"out\": \"5.0\"}", "not the layout Kumiki writes");
        damage.put(whole.replace("5.0", "five").replaceAll("\"sha256\" : \"\\w+\"", "\"sha256\" : \""
                + Execution.checksum(Map.of("out", "five")) + "\""), "For input string: \"five\"");
        damage.put(null, "not a cache entry file");
        int saves = NumberKinds.SAVES.get();
        for (Map.Entry<String, String> d : damage.entrySet()) {
            Files.delete(entry);
            if (d.getKey() == null) {
                Files.createDirectories(entry.resolve("x"));
            } else {
                Files.writeString(entry, d.getKey());
            }
            Execution.Result again = run(pipeline(SUM), true);
            assertEquals(Execution.Status.SUCCEEDED, again.status(), d.getValue());
            assertEquals(NodeState.DONE, again.nodes().get("save").state(), "a damaged entry is a miss: " + d.getValue());
            String warning = again.nodes().get("save").messages().get(0);
            assertTrue(warning.startsWith("warning: the cache entry " + entry + " cannot be used ("), warning);
            assertTrue(warning.contains(d.getValue()) && warning.endsWith("the node runs again and replaces it"), warning);
            if (d.getKey() == null) {
                // a folder in the way cannot be replaced by a file: the run still succeeds, and says so
                assertTrue(again.nodes().get("save").messages().get(1).startsWith("warning: cannot keep the outputs in"
                        + " the cache " + dir.resolve(".kumiki/cache")), again.nodes().get("save").messages().toString());
                Files.delete(entry.resolve("x"));
                Files.delete(entry);
                run(pipeline(SUM), true);
            } else {
                assertEquals(whole, Files.readString(entry), "the entry is written whole again");
            }
            assertEquals(NodeState.CACHED, run(pipeline(SUM), true).nodes().get("save").state(), d.getValue());
        }
        assertEquals(saves + damage.size() + 1, NumberKinds.SAVES.get());
        try (var left = Files.list(entry.getParent())) {
            assertEquals(List.of(entry.getFileName().toString()), left.map(f -> f.getFileName().toString()).toList(),
                    "no partial files are left in the cache");
        }
    }

    @Test
    void noCacheNeitherReadsNorWritesTheCache() throws Exception {
        Execution.Result r = run(pipeline(SUM), false);
        assertEquals(Execution.Status.SUCCEEDED, r.status());
        assertTrue(Files.notExists(dir.resolve(".kumiki/cache")), "--no-cache creates no cache folder");

        // a cache that cannot be written (here a file where its folder should be: tests run as root, which ignores
        // permission bits, so a read-only folder would not stop them) does not bother --no-cache at all ...
        Files.writeString(dir.resolve(".kumiki/cache"), "not a folder");
        Execution.Result forced = run(pipeline(SUM), false);
        assertEquals(Execution.Status.SUCCEEDED, forced.status());
        assertEquals(List.of(), forced.nodes().get("save").messages());
        // ... and costs a cached run only a warning naming the folder
        Execution.Result cached = run(pipeline(SUM), true);
        assertEquals(Execution.Status.SUCCEEDED, cached.status());
        assertEquals(NodeState.DONE, cached.nodes().get("save").state());
        String warning = cached.nodes().get("save").messages().get(0);
        assertTrue(warning.startsWith("warning: cannot keep the outputs in the cache " + dir.resolve(".kumiki/cache")
                + " ("), warning);
        assertEquals("not a folder", Files.readString(dir.resolve(".kumiki/cache")), "what was there is untouched");
    }

    @Test
    void metricsAreKeptInTheRecordAndSentToListenersAsMeasured() throws Exception {
        List<String> heard = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        Execution.Result r = ENGINE.execute(ENGINE.configure(pipeline(SUM), dir), RunOptions.defaults(dir)
                .withUseCache(false), new RunListener() {
                    @Override
                    public void metric(String node, String name, long step, double value) {
                        heard.add(node + " " + name + " " + step + " " + value);
                    }
                }).run();
        assertEquals(List.of("sum partial_sum 1 2.0", "sum partial_sum 2 5.0"), heard);
        assertEquals(Map.of("partial_sum", List.of(new RunRecords.Point(1, 2), new RunRecords.Point(2, 5))),
                RunRecords.metrics(r.recordDir(), "sum"));
        assertEquals(Map.of(), RunRecords.metrics(r.recordDir(), "a"), "a node that measured nothing");
        // a run killed while writing a point leaves half a line: the points before it still read
        Path file = r.recordDir().resolve("nodes/sum").resolve(RunRecords.METRICS);
        Files.writeString(file, "{\"metric\":\"partial_sum\",\"st", java.nio.file.StandardOpenOption.APPEND);
        assertEquals(2, RunRecords.metrics(r.recordDir(), "sum").get("partial_sum").size());
    }

    @Test
    void everyRunLeavesARecord() throws Exception {
        Execution.Result r = run(pipeline(SUM), true);
        Path record = dir.resolve(".kumiki/runs").resolve(r.id());
        assertEquals(record, r.recordDir());
        JsonNode json = new ObjectMapper().readTree(record.resolve("run.json").toFile());
        assertEquals("succeeded", json.get("status").asText());
        assertEquals("done", json.get("nodes").get("sum").get("status").asText());
        assertEquals("5.0", json.get("nodes").get("sum").get("outputs").get("out").asText());
        assertEquals("adding 2 numbers", json.get("nodes").get("sum").get("messages").get(0).asText());
        assertEquals(64, json.get("nodes").get("save").get("key").asText().length());
        assertEquals(KINDS.yaml().write(pipeline(SUM)), Files.readString(record.resolve("pipeline.kumiki")));
        assertTrue(Files.readString(record.resolve("log.txt")).contains("[sum] adding 2 numbers"));

        // the one reader the CLI and the Studio share reads back what the run wrote
        assertEquals(List.of(record), RunRecords.list(dir.resolve(".kumiki/runs")));
        RunRecords.Run read = RunRecords.read(record);
        assertEquals(r.id(), read.id());
        assertEquals("succeeded", read.status());
        assertEquals(json.get("seconds").asDouble(), read.seconds());
        RunRecords.NodeRun sum = read.nodes().stream().filter(n -> n.node().equals("sum")).findFirst().orElseThrow();
        assertEquals("Sum", sum.kind());
        assertEquals("done", sum.status());
        assertEquals(Map.of("out", "5.0"), sum.outputs());
        assertEquals(List.of("adding 2 numbers"), sum.messages());
        assertEquals(json.get("nodes").get("sum").get("key").asText(), sum.key(), "the cache key, as recorded");
        assertEquals(64, sum.key().length());
    }

    @Test
    void aDamagedRunRecordIsAnErrorNamingTheFile() throws Exception {
        Path record = Files.createDirectories(dir.resolve(".kumiki/runs/20260101-000000"));
        Files.writeString(record.resolve("run.json"), "{\"status\": ");
        IOException e = assertThrows(IOException.class, () -> RunRecords.read(record));
        assertTrue(e.getMessage().startsWith(record.resolve("run.json") + " is not a run record"), e.getMessage());
        Files.writeString(record.resolve("run.json"), "[]");
        e = assertThrows(IOException.class, () -> RunRecords.read(record));
        assertEquals(record.resolve("run.json") + " is not a run record (expected a JSON object with a status)",
                e.getMessage());
        assertEquals(List.of(), RunRecords.list(dir.resolve("no-runs-here")));
    }

    @Test
    void aFailureSkipsWhatDependsOnItAndIsRecorded() {
        Execution.Result r = run(pipeline("nodes:\n  f: {kind: Fail}\n  s: {kind: Sum}\n  n: {kind: Number}\n"
                + "connections: [f.out -> s.in]\n"), true);
        assertEquals(Execution.Status.FAILED, r.status());
        assertEquals(NodeState.FAILED, r.nodes().get("f").state());
        assertEquals(List.of("error: the disk is full (as this test pretends)"), r.nodes().get("f").messages());
        assertEquals(NodeState.SKIPPED, r.nodes().get("s").state());
        assertEquals(NodeState.DONE, r.nodes().get("n").state(), "independent nodes still run");
    }

    @Test
    void cancellingStopsTheRunningNodeAndTheQueuedOnes() throws Exception {
        NumberKinds.slowStarted = new CountDownLatch(1);
        Configuration c = ENGINE.configure(pipeline("nodes:\n  slow: {kind: Slow}\n  after: {kind: Sum}\n"
                + "connections: [slow.out -> after.in]\n"), dir);
        Execution run = ENGINE.execute(c, RunOptions.defaults(dir), RunListener.NONE);
        Thread canceller = new Thread(() -> {
            try {
                NumberKinds.slowStarted.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                return;
            }
            run.cancel();
        });
        canceller.start();
        Execution.Result r = run.run();
        assertEquals(Execution.Status.CANCELLED, r.status());
        assertEquals(Map.of("slow", NodeState.CANCELLED, "after", NodeState.CANCELLED),
                Map.of("slow", r.nodes().get("slow").state(), "after", r.nodes().get("after").state()));
    }

    @Test
    void independentNodesRunAtTheSameTimeWithinTheMemoryBudget() {
        Configuration c = ENGINE.configure(pipeline("nodes:\n  a: {kind: Probe}\n  b: {kind: Probe}\n"
                + "  c: {kind: Probe}\n"), dir);
        RunOptions roomy = new RunOptions(dir.resolve("cache"), dir.resolve("runs"), true, 1, 3, 1000);
        NumberKinds.mostAtOnce.set(0);
        assertEquals(Execution.Status.SUCCEEDED, ENGINE.execute(c, roomy, RunListener.NONE).run().status());
        assertEquals(3, NumberKinds.mostAtOnce.get(), "three nodes of 100 bytes fit a budget of 1000");

        RunOptions tight = new RunOptions(dir.resolve("cache"), dir.resolve("runs"), true, 1, 3, 250);
        NumberKinds.mostAtOnce.set(0);
        assertEquals(Execution.Status.SUCCEEDED, ENGINE.execute(c, tight, RunListener.NONE).run().status());
        assertEquals(2, NumberKinds.mostAtOnce.get(), "a budget of 250 bytes holds two of them");
    }
}
