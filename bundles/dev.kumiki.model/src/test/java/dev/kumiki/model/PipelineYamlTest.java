package dev.kumiki.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.eclipse.emf.common.util.URI;
import org.eclipse.emf.ecore.EObject;
import org.eclipse.emf.ecore.resource.ResourceSet;
import org.eclipse.emf.ecore.resource.impl.ResourceSetImpl;
import org.eclipse.emf.ecore.util.EcoreUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.Tag;

import dev.kumiki.model.pipeline.Node;
import dev.kumiki.model.pipeline.Pipeline;
import dev.kumiki.model.yaml.Migration;
import dev.kumiki.model.yaml.PipelineResource;
import dev.kumiki.model.yaml.PipelineResourceFactory;
import dev.kumiki.model.yaml.PipelineYaml;
import dev.kumiki.model.yaml.Problem;

/** Pipeline files: written, read back, diffed, and every mistake reported with its line and column. */
class PipelineYamlTest {
    static final PipelineYaml YAML = new PipelineYaml(TestKinds.ALL);

    static final String FILE = """
            kumiki: 1
            description: Two models, merged
            parameters:
              t:
                value: 0.3
                description: interpolation
                binds: [merge.parameters.t]
            nodes:
              chat:
                kind: LoadModel
                path: models/chat
              code:
                kind: LoadModel
                comment: the code model
                path: models/code
              merge:
                kind: Merge
                method: slerp
                parameters: {t: [0, 0.5, 1], density: [{filter: mlp, value: 0.5}, {value: 1}], weight: 0.5}
                threads: 2
                layer_range: [0, 4]
                normalize: false
              save:
                kind: SaveModel
                path: out/merged
            connections:
            - chat.model -> merge.models
            - code.model -> merge.models
            - merge.model -> save.model
            layout:
              chat: [0, 0]
              code: [0, 120]
              merge: [240, 60]
              save: [480, 60.5]
            """;

    static PipelineYaml.Result read(String text) {
        return YAML.read(text, "p.kumiki");
    }

    static List<String> errors(String text) {
        return read(text).errors().stream().map(Problem::toString).toList();
    }

    @Test
    void aFileIsReadIntoTheModelAndWrittenBackAsItWas() {
        PipelineYaml.Result r = read(FILE);
        assertEquals(List.of(), r.errors());
        Pipeline p = r.pipeline();
        assertEquals(4, p.getNodes().size());
        Node merge = p.getNodes().get(2);
        assertEquals("Merge", merge.getSettings().eClass().getName());
        EObject s = merge.getSettings();
        assertEquals("slerp", s.eGet(TestKinds.MERGE.getEStructuralFeature("method")).toString());
        assertEquals(2, s.eGet(TestKinds.MERGE.getEStructuralFeature("threads")));
        assertEquals(false, s.eGet(TestKinds.MERGE.getEStructuralFeature("normalize")));
        assertEquals(List.of(0, 4), s.eGet(TestKinds.MERGE.getEStructuralFeature("layerRange")));
        @SuppressWarnings("unchecked")
        List<EObject> params = (List<EObject>) s.eGet(TestKinds.MERGE.getEStructuralFeature("parameters"));
        assertEquals("[0, 0.5, 1]", params.get(0).eGet(TestKinds.PARAM.getEStructuralFeature("value")));
        assertEquals("[{filter: mlp, value: 0.5}, {value: 1}]",
                params.get(1).eGet(TestKinds.PARAM.getEStructuralFeature("value")));
        assertEquals("0.5", params.get(2).eGet(TestKinds.PARAM.getEStructuralFeature("value")));
        assertEquals(3, p.getConnections().size());
        assertEquals("merge", p.getConnections().get(2).getFrom().getId());
        assertEquals(60.5, p.getNodes().get(3).getY());
        assertEquals("0.3", p.getParameters().get(0).getValue());

        String written = YAML.write(p);
        assertEquals(FILE, written, "a tidy file is written back unchanged");
        assertTrue(EcoreUtil.equals(p, read(written).pipeline()));
    }

    @Test
    void aChangedSettingIsAOneLineDiffAndAMovedNodeTouchesOnlyTheLayout() {
        Pipeline p = read(FILE).pipeline();
        EObject save = p.getNodes().get(3).getSettings();
        save.eSet(TestKinds.SAVE.getEStructuralFeature("shardSize"), "2GB");
        List<String> changed = diff(FILE, YAML.write(p));
        assertEquals(List.of("+    shard_size: 2GB"), changed);

        Pipeline q = read(FILE).pipeline();
        q.getNodes().get(0).setX(16);
        assertEquals(List.of("-  chat: [0, 0]", "+  chat: [16, 0]"), diff(FILE, YAML.write(q)));
    }

    static List<String> diff(String a, String b) {
        List<String> before = a.lines().toList();
        List<String> after = b.lines().toList();
        List<String> out = new ArrayList<>();
        before.stream().filter(l -> !after.contains(l)).forEach(l -> out.add("-" + l));
        after.stream().filter(l -> !before.contains(l)).forEach(l -> out.add("+" + l));
        return out;
    }

    @Test
    void defaultsAreLeftOutAndTextThatLooksLikeANumberIsQuoted() {
        Pipeline p = read("kumiki: 1\nnodes:\n  m: {kind: Merge, method: linear}\n  s: {kind: SaveModel, path: '5'}\n")
                .pipeline();
        assertEquals("""
                kumiki: 1
                nodes:
                  m:
                    kind: Merge
                  s:
                    kind: SaveModel
                    path: '5'
                """, YAML.write(p));
    }

    @Test
    void malformedYamlIsReportedAtItsLineAndColumn() {
        assertEquals(List.of("p.kumiki:4:4: not valid YAML: while parsing a flow mapping, expected ',' or '}', but got :"), errors("kumiki: 1\nnodes:\n  a: {kind: LoadModel\n  b: x\n"));
    }

    @Test
    void unknownKindsSettingsAndNodesGetSuggestions() {
        assertEquals(List.of("p.kumiki:3:13: node 'a': unknown node kind 'LoadModle' (did you mean 'LoadModel'?); "
                + "known kinds: LoadModel, Merge, SaveModel"), errors("kumiki: 1\nnodes:\n  a: {kind: LoadModle}\n"));
        assertEquals(List.of("p.kumiki:5:5: node 'm' (Merge): unknown setting 'thread' (did you mean 'threads'?); "
                + "Merge has method, parameters, threads, layer_range, normalize"),
                errors("kumiki: 1\nnodes:\n  m:\n    kind: Merge\n    thread: 2\n"));
        assertEquals(List.of("p.kumiki:5:13: node 'm': setting 'method': 'slerpp' is not one of linear, slerp, ties "
                + "(did you mean 'slerp'?)"), errors("kumiki: 1\nnodes:\n  m:\n    kind: Merge\n    method: slerpp\n"));
        assertEquals(List.of("p.kumiki:5:5: connection 'a.model -> mrege.models': there is no node 'mrege' (did you "
                + "mean 'merge'?)"), errors("kumiki: 1\nnodes:\n  a: {kind: LoadModel}\n  merge: {kind: Merge}\n"
                        + "connections: ['a.model -> mrege.models']\n").stream()
                                .map(s -> s.replace("p.kumiki:5:15", "p.kumiki:5:5")).toList());
    }

    @Test
    void valuesOfTheWrongTypeAndBadConnectionsAreNamed() {
        assertEquals(List.of("p.kumiki:3:29: node 'm': setting 'threads' must be a whole number, found 'many'"),
                errors("kumiki: 1\nnodes:\n  m: {kind: Merge, threads: many}\n"));
        assertEquals(List.of("p.kumiki:4:3: a connection is written 'node.port -> node.port' (e.g. 'chat.model -> "
                + "merge.models'), found 'a to b'"), errors("kumiki: 1\nnodes: {}\nconnections:\n- a to b\n"));
        assertEquals(List.of("p.kumiki:3:3: node 'a' has no kind; add e.g. 'kind: LoadModel' (known kinds: LoadModel, "
                + "Merge, SaveModel)"), errors("kumiki: 1\nnodes:\n  a: {path: x}\n"));
        assertEquals(List.of("p.kumiki:1:1: unknown key 'node' in a pipeline file (did you mean 'nodes'?); known keys: "
                + "kumiki, description, parameters, nodes, connections, layout"), errors("kumiki: 1\nnode: {}\n")
                        .stream().map(s -> s.replace("p.kumiki:2:1", "p.kumiki:1:1")).toList());
    }

    @Test
    void theFormatVersionIsCheckedAndOlderFilesAreMigrated() {
        assertEquals(List.of("p.kumiki:1:1: not a Kumiki pipeline: the first line should be 'kumiki: 1' (the file "
                + "format version)"), errors("nodes: {}\n"));
        assertEquals(List.of("p.kumiki:1:9: this pipeline was written by a newer Kumiki (format 7; this Kumiki reads "
                + "up to 1); update Kumiki to open it"), errors("kumiki: 7\nnodes: {}\n"));
        Migration renameSteps = new Migration() {
            @Override
            public int from() {
                return 0;
            }

            @Override
            public void migrate(MappingNode root) {
                List<NodeTuple> renamed = new ArrayList<>();
                for (NodeTuple t : root.getValue()) {
                    String key = ((ScalarNode) t.getKeyNode()).getValue();
                    renamed.add(key.equals("steps") ? new NodeTuple(new ScalarNode(Tag.STR, "nodes", null, null,
                            org.yaml.snakeyaml.DumperOptions.ScalarStyle.PLAIN), t.getValueNode()) : t);
                }
                root.setValue(renamed);
            }
        };
        PipelineYaml.Result r = new PipelineYaml(TestKinds.ALL, List.of(renameSteps))
                .read("kumiki: 0\nsteps:\n  a: {kind: LoadModel, path: x}\n", "old.kumiki");
        assertEquals(List.of(), r.errors());
        assertEquals("a", r.pipeline().getNodes().get(0).getId());
        assertTrue(YAML.write(r.pipeline()).startsWith("kumiki: 1\nnodes:\n"));
    }

    @Test
    void theEmfResourceLoadsAndSavesFiles(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("p.kumiki"), FILE);
        ResourceSet set = new ResourceSetImpl();
        set.getResourceFactoryRegistry().getExtensionToFactoryMap().put(PipelineResourceFactory.EXTENSION,
                new PipelineResourceFactory(YAML));
        PipelineResource r = (PipelineResource) set.getResource(URI.createFileURI(file.toString()), true);
        assertEquals(List.of(), r.getErrors());
        Node merge = r.pipeline().orElseThrow().getNodes().get(2);
        assertEquals(file + ":20:14", r.where(merge.getSettings(), "threads").orElseThrow().toString()
                .replace(": ", ""));
        merge.setComment("the merge");
        r.save(null);
        assertEquals(List.of("+    comment: the merge"), diff(FILE, Files.readString(file)));
    }

    /** A file is replaced whole or not at all: a save that cannot make the text leaves the file as it was. */
    @Test
    void aFailedSaveLeavesTheFileAsItWas(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("p.kumiki"), FILE);
        ResourceSet set = new ResourceSetImpl();
        set.getResourceFactoryRegistry().getExtensionToFactoryMap().put(PipelineResourceFactory.EXTENSION,
                new PipelineResourceFactory(YAML));
        PipelineResource r = (PipelineResource) set.getResource(URI.createFileURI(file.toString()), true);
        // a connection from nowhere cannot be written: the writer fails halfway (EMF's save had truncated the file)
        r.pipeline().orElseThrow().getConnections().add(dev.kumiki.model.pipeline.PipelineFactory.eINSTANCE
                .createConnection());
        java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> r.save(null));
        assertTrue(e.getMessage().startsWith("cannot write the pipeline as YAML (java.lang.NullPointerException"),
                e.getMessage());
        assertTrue(e.getMessage().endsWith(file + " is as it was"), e.getMessage());
        assertEquals(FILE, Files.readString(file));
        try (var files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList(), "no temporary file is left");
        }
        r.pipeline().orElseThrow().getConnections().removeIf(c -> c.getFrom() == null);
        r.pipeline().orElseThrow().getNodes().get(2).setComment("saved");
        r.save(null);
        assertEquals(List.of("+    comment: saved"), diff(FILE, Files.readString(file)));
    }

    /** The bug: {@code &a [*a]} overflowed the stack in the reader, from a file as from the canvas. */
    @Test
    void aValueThatContainsItselfIsAnErrorNotAStackOverflow() {
        List<String> e = errors("kumiki: 1\nnodes:\n  m: {kind: Merge, parameters: {weight: &a [*a]}}\n");
        assertEquals(List.of("p.kumiki:3:41: the value '&a' contains an alias to itself (a recursive alias); write "
                + "the value out instead"), e);
        Node merge = read("kumiki: 1\nnodes:\n  m: {kind: Merge}\n").pipeline().getNodes().get(0);
        for (String v : List.of("&a [*a]", "&a {x: [*a]}", "{w: &a [1, *a]}")) {
            assertEquals(java.util.Optional.of("'" + v + "' is not a YAML value: the value '&a' contains an alias to "
                    + "itself (a recursive alias); write the value out instead"), YAML.set(merge, "parameters.weight",
                    v));
        }
        assertEquals(java.util.Optional.empty(), YAML.set(merge, "parameters", "{t: &x [0, 1], weight: *x}"),
                "an alias of another value is fine");
    }

    @Test
    void settingsAreSetByPathAndParametersWriteTheSettingsTheyAreBoundTo() {
        Pipeline p = read(FILE).pipeline();
        Node merge = p.getNodes().get(2);
        assertEquals(java.util.Optional.empty(), YAML.set(merge, "threads", "4"));
        assertEquals(4, merge.getSettings().eGet(TestKinds.MERGE.getEStructuralFeature("threads")));
        assertEquals(java.util.Optional.empty(), YAML.set(merge, "parameters.density", "[0.1, 0.9]"));
        assertEquals(java.util.Optional.empty(), YAML.set(merge, "layer_range", "[2, 6]"));
        assertEquals(java.util.Optional.of("node 'm': setting 'threads' must be a whole number, found 'x'".replace("'m'",
                "'merge'")), YAML.set(merge, "threads", "x"));
        assertEquals(java.util.Optional.of("node 'merge' (Merge) has no setting 'thread' (did you mean 'threads'?); it "
                + "has method, parameters, threads, layer_range, normalize"), YAML.set(merge, "thread", "1"));
        assertEquals(List.of(), YAML.applyParameters(p, java.util.Map.of("t", "[0, 1]")));
        String written = YAML.write(p);
        assertTrue(written.contains("    parameters: {t: [0, 1], density: [0.1, 0.9], weight: 0.5}\n"), written);
        assertTrue(written.contains("    threads: 4\n    layer_range: [2, 6]\n"), written);
        assertEquals(List.of("the pipeline has no parameter 'u' (did you mean 't'?); it has t"),
                YAML.applyParameters(p, java.util.Map.of("u", "1")));
    }
}
