package dev.kumiki.canvas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.kumiki.engine.NodeKinds;
import dev.kumiki.model.yaml.PipelineResource;
import dev.kumiki.tensor.io.SyntheticModel;

/** The canvas protocol against the Java model: every edit undoable, refusals with reasons, runs with states. */
class CanvasSessionTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final NodeKinds KINDS = NodeKinds.discover();

    static final String PIPELINE = """
            kumiki: 1
            nodes:
              a: {kind: LoadModel, path: models/a}
              b: {kind: LoadModel, path: models/b}
              merge:
                kind: Merge
                parameters: {weight: 0.5}
              recipe: {kind: ExportMergekitYaml, path: out/recipe.yml}
            connections:
            - a.model -> merge.models
            - b.model -> merge.models
            - merge.model -> recipe.model
            layout:
              a: [0, 0]
              b: [0, 120]
              merge: [250, 60]
              recipe: [500, 60]
            """;

    /** A pipeline file over two small models, opened in a session. */
    static CanvasSession open(Path dir) throws Exception {
        SyntheticModel.llama().variant(1).write(dir.resolve("models/a"));
        SyntheticModel.llama().variant(2).write(dir.resolve("models/b"));
        Path file = Files.writeString(dir.resolve("p.kumiki"), PIPELINE);
        PipelineResource r = KINDS.open(file);
        assertEquals(List.of(), r.getErrors());
        return new CanvasSession(r, KINDS);
    }

    static JsonNode send(CanvasSession s, String json) throws Exception {
        return JSON.readTree(s.handle(json));
    }

    static JsonNode node(JsonNode snapshot, String id) {
        for (JsonNode n : snapshot.get("nodes")) {
            if (n.get("id").asText().equals(id)) {
                return n;
            }
        }
        throw new AssertionError("no node " + id);
    }

    @Test
    void editsAreUndoableAndSavedToTheFile(@TempDir Path dir) throws Exception {
        CanvasSession s = open(dir);
        JsonNode added = send(s, "{\"type\":\"addNode\",\"kind\":\"SaveModel\",\"x\":500,\"y\":200}");
        assertEquals("saveModel1", added.get("id").asText());
        assertTrue(send(s, "{\"type\":\"connect\",\"from\":\"merge\",\"fromPort\":\"model\",\"to\":\"saveModel1\","
                + "\"toPort\":\"model\"}").get("ok").asBoolean());
        assertEquals("error", node(s.snapshot(), "saveModel1").get("state").asText(), "path is required");
        assertEquals("'path' is required: The output folder, absolute or relative to the pipeline file.",
                node(s.snapshot(), "saveModel1").get("diagnostics").get(0).get("message").asText());
        assertTrue(send(s, "{\"type\":\"setSetting\",\"node\":\"saveModel1\",\"path\":\"path\",\"value\":\"out/m\"}")
                .get("ok").asBoolean());
        assertEquals("configured", node(s.snapshot(), "saveModel1").get("state").asText());
        assertTrue(send(s, "{\"type\":\"moveNodes\",\"moves\":[{\"id\":\"a\",\"x\":10,\"y\":20}]}").get("ok").asBoolean());
        assertEquals("Move a", s.snapshot().get("undoLabel").asText());
        assertTrue(s.snapshot().get("dirty").asBoolean());

        send(s, "{\"type\":\"undo\"}");
        assertEquals(0, node(s.snapshot(), "a").get("x").asInt());
        send(s, "{\"type\":\"redo\"}");
        assertEquals(10, node(s.snapshot(), "a").get("x").asInt());

        send(s, "{\"type\":\"save\"}");
        assertFalse(s.snapshot().get("dirty").asBoolean());
        String file = Files.readString(dir.resolve("p.kumiki"));
        assertTrue(file.contains("  saveModel1:\n    kind: SaveModel\n    path: out/m\n"), file);
        assertTrue(file.contains("- merge.model -> saveModel1.model\n"), file);
        assertTrue(file.contains("  a: [10, 20]\n"), file);

        for (int i = 0; i < 4; i++) {
            send(s, "{\"type\":\"undo\"}");
        }
        assertEquals(4, s.snapshot().get("nodes").size(), "undone back to the file as opened");
        assertTrue(s.snapshot().get("dirty").asBoolean());
    }

    @Test
    void badConnectionsAndValuesAreRefusedWithTheReason(@TempDir Path dir) throws Exception {
        CanvasSession s = open(dir);
        send(s, "{\"type\":\"addNode\",\"kind\":\"SaveModel\",\"x\":0,\"y\":0}");
        assertEquals("cannot connect recipe.file to saveModel1.model: it gives file but model takes model",
                send(s, "{\"type\":\"connect\",\"from\":\"recipe\",\"fromPort\":\"file\",\"to\":\"saveModel1\","
                        + "\"toPort\":\"model\"}").get("message").asText());
        assertEquals("a has no input 'model'", send(s, "{\"type\":\"connect\",\"from\":\"merge\",\"fromPort\":"
                + "\"model\",\"to\":\"a\",\"toPort\":\"model\"}").get("message").asText());
        send(s, "{\"type\":\"addNode\",\"kind\":\"Merge\",\"x\":0,\"y\":0}");
        send(s, "{\"type\":\"connect\",\"from\":\"merge\",\"fromPort\":\"model\",\"to\":\"merge1\",\"toPort\":\"models\"}");
        send(s, "{\"type\":\"addNode\",\"kind\":\"SaveModel\",\"x\":0,\"y\":0}");
        assertEquals("node 'merge': setting 'method': 'tiez' is not one of linear, slerp, nuslerp, task_arithmetic, "
                + "ties, dare_ties, dare_linear, breadcrumbs, breadcrumbs_ties, della, della_linear, model_stock, sce, "
                + "passthrough (did you mean 'ties'?)", send(s, "{\"type\":\"setSetting\",\"node\":\"merge\",\"path\":"
                        + "\"method\",\"value\":\"tiez\"}").get("message").asText());
        assertEquals("linear", node(s.snapshot(), "merge").get("settings").get(0).get("value").asText(),
                "a refused value leaves nothing behind");
        assertTrue(send(s, "{\"type\":\"setSetting\",\"node\":\"saveModel1\",\"path\":\"threads\",\"value\":"
                + "\"5000\"}").get("ok").asBoolean(), "a value of the right type is taken; configure judges it");
        String threads = "";
        for (JsonNode d : node(s.snapshot(), "saveModel1").get("diagnostics")) {
            if (d.get("setting").asText().equals("threads")) {
                threads = d.get("message").asText();
            }
        }
        assertEquals("'threads' must be between 0 and 1024, found 5000", threads);
    }

    @Test
    void aRefusedEditLeavesNoUndoOrRedoEntry(@TempDir Path dir) throws Exception {
        CanvasSession s = open(dir);
        send(s, "{\"type\":\"moveNodes\",\"moves\":[{\"id\":\"a\",\"x\":10,\"y\":0}]}");
        for (String bad : List.of("{\"type\":\"setSetting\",\"node\":\"merge\",\"path\":\"method\",\"value\":\"tiez\"}",
                "{\"type\":\"setSetting\",\"node\":\"merge\",\"path\":\"no_such\",\"value\":\"1\"}",
                "{\"type\":\"moveNodes\",\"moves\":[{\"id\":\"a\",\"x\":99,\"y\":0},{\"id\":\"nope\",\"x\":1,"
                        + "\"y\":1}]}",
                "{\"type\":\"connect\",\"from\":\"merge\",\"fromPort\":\"model\",\"to\":\"a\",\"toPort\":\"model\"}")) {
            assertFalse(send(s, bad).get("ok").asBoolean(), bad);
            assertEquals("Move a", s.commandStack().getUndoCommand().getLabel(), "nothing new to undo after " + bad);
            assertFalse(s.commandStack().canRedo(), "nothing to redo after " + bad);
        }
        assertEquals(10, node(s.snapshot(), "a").get("x").asInt(), "the refused move moved nothing");
    }

    /**
     * The bug: a value that contains itself ({@code &a [*a]}) overflowed the stack in the YAML reader; the error
     * escaped handle() (the browser got no answer) and left a parameter without a value in the model, so the next
     * Save failed halfway and left a 0-byte pipeline file.
     */
    @Test
    void aValueThatContainsItselfIsRefusedAndTheNextSaveWritesTheWholeFile(@TempDir Path dir) throws Exception {
        CanvasSession s = open(dir);
        for (String[] v : new String[][] {{"parameters", "{weight: &a [*a]}"}, {"parameters.weight", "&a [*a]"},
                {"parameters.weight", "&a {x: *a}"}}) {
            JsonNode reply = send(s, JSON.createObjectNode().put("type", "setSetting").put("node", "merge")
                    .put("path", v[0]).put("value", v[1]).toString());
            assertFalse(reply.get("ok").asBoolean(), v[1]);
            assertEquals("'" + v[1] + "' is not a YAML value: the value '&a' contains an alias to itself (a "
                    + "recursive alias); write the value out instead", reply.get("message").asText());
            assertFalse(s.commandStack().canUndo() || s.commandStack().canRedo(), "nothing on the stack");
        }
        assertTrue(send(s, "{\"type\":\"save\"}").get("ok").asBoolean());
        PipelineResource again = KINDS.open(dir.resolve("p.kumiki"));
        assertEquals(List.of(), again.getErrors());
        assertTrue(Files.readString(dir.resolve("p.kumiki")).contains("    parameters: {weight: 0.5}\n"),
                Files.readString(dir.resolve("p.kumiki")));
    }

    @Test
    void aSaveThatCannotMakeTheTextLeavesTheFileAsItWas(@TempDir Path dir) throws Exception {
        CanvasSession s = open(dir);
        byte[] before = Files.readAllBytes(dir.resolve("p.kumiki"));
        // a connection from nowhere cannot be written: the writer fails halfway through the text
        s.pipeline().getConnections().add(dev.kumiki.model.pipeline.PipelineFactory.eINSTANCE.createConnection());
        JsonNode reply = send(s, "{\"type\":\"save\"}");
        assertFalse(reply.get("ok").asBoolean());
        assertTrue(reply.get("message").asText().startsWith("could not save p.kumiki: cannot write the pipeline as "
                + "YAML (java.lang.NullPointerException"), reply.toString());
        assertTrue(reply.get("message").asText().endsWith("p.kumiki is as it was"), reply.toString());
        assertArrayEquals(before, Files.readAllBytes(dir.resolve("p.kumiki")), "the file is untouched");
        try (var files = Files.list(dir)) {
            assertEquals(List.of(), files.filter(f -> f.getFileName().toString().endsWith(".saving")).toList(),
                    "no temporary file is left behind");
        }
    }

    @Test
    void malformedCommandsAreAnsweredWithTheReason(@TempDir Path dir) throws Exception {
        CanvasSession s = open(dir);
        assertEquals(new CanvasSession.Reply(400, "{\"ok\":false,\"message\":\"unknown command 'pwn' (did you mean "
                + "'run'?); the commands are addNode, cancel, connect, duplicate, hello, moveNodes, redo, removeNodes, "
                + "run, save, select, setSetting, undo\"}"), s.answer("{\"type\":\"pwn\"}"));
        assertEquals(400, s.answer("{\"type\":").status());
        assertTrue(JSON.readTree(s.answer("{\"type\":").json()).get("message").asText()
                .startsWith("a command is a JSON object, e.g. {\"type\": \"undo\"}; this is not JSON: "));
        assertEquals("command 'setSetting' needs \"value\", the setting's value as YAML text; found null",
                JSON.readTree(s.handle("{\"type\":\"setSetting\",\"node\":\"merge\",\"path\":\"method\"}"))
                        .get("message").asText());
        assertEquals("command 'addNode' needs \"x\", a number; found \"1e400\"", JSON.readTree(s.handle(
                "{\"type\":\"addNode\",\"kind\":\"Merge\",\"x\":\"1e400\",\"y\":0}")).get("message").asText());
        assertEquals(400, s.answer("[]").status());
        assertEquals(400, s.answer("").status());
        assertEquals(4, s.pipeline().getNodes().size(), "nothing changed");
        assertFalse(s.commandStack().canUndo());
    }

    @Test
    void copyPasteAndDeleteKeepTheConnectionsBetweenThem(@TempDir Path dir) throws Exception {
        CanvasSession s = open(dir);
        JsonNode pasted = send(s, "{\"type\":\"duplicate\",\"nodes\":[\"a\",\"merge\"]}");
        assertEquals("[\"loadModel1\",\"merge1\"]", pasted.get("ids").toString());
        JsonNode snap = s.snapshot();
        assertEquals(6, snap.get("nodes").size());
        assertTrue(snap.get("connections").toString().contains("\"id\":\"loadModel1.model->merge1.models\""));
        assertEquals(60, node(snap, "loadModel1").get("x").asInt());
        send(s, "{\"type\":\"removeNodes\",\"nodes\":[\"merge1\"],\"connections\":[]}");
        assertEquals(5, s.snapshot().get("nodes").size());
        assertFalse(s.snapshot().get("connections").toString().contains("merge1"));
        send(s, "{\"type\":\"removeNodes\",\"nodes\":[],\"connections\":[\"b.model->merge.models\"]}");
        assertFalse(s.snapshot().get("connections").toString().contains("b.model->merge.models"));
    }

    @Test
    void aRunStreamsNodeStatesAndEndsInTheSnapshot(@TempDir Path dir) throws Exception {
        CanvasSession s = open(dir);
        List<JsonNode> events = new CopyOnWriteArrayList<>();
        s.addListener(e -> {
            try {
                events.add(JSON.readTree(e));
            } catch (Exception x) {
                throw new AssertionError(x);
            }
        });
        List<RunEvent> typed = new CopyOnWriteArrayList<>();
        s.addRunListener(typed::add);
        assertTrue(send(s, "{\"type\":\"run\"}").get("ok").asBoolean());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (events.stream().noneMatch(e -> e.get("type").asText().equals("runFinished"))) {
            assertTrue(System.nanoTime() < deadline, "the run finishes");
            Thread.sleep(20);
        }
        assertTrue(events.stream().anyMatch(e -> e.get("type").asText().equals("nodeState")
                && e.get("node").asText().equals("recipe") && e.get("state").asText().equals("running")));
        JsonNode finished = events.stream().filter(e -> e.get("type").asText().equals("runFinished")).findFirst()
                .orElseThrow();
        assertEquals("succeeded", finished.get("status").asText());
        // the same run as objects, for Java listeners (the Studio)
        while (typed.stream().noneMatch(e -> e instanceof RunEvent.Finished)) {
            Thread.sleep(20);
        }
        assertTrue(typed.contains(new RunEvent.NodeStateChanged("recipe", dev.kumiki.engine.NodeState.RUNNING,
                null)), typed.toString());
        RunEvent.Finished done = (RunEvent.Finished) typed.get(typed.size() - 1);
        assertEquals(dev.kumiki.engine.Execution.Status.SUCCEEDED, done.result().status());
        assertEquals(finished.get("record").asText(), done.result().recordDir().toString());
        assertEquals("done", node(s.snapshot(), "recipe").get("state").asText());
        assertTrue(Files.readString(dir.resolve("out/recipe.yml")).contains("merge_method: linear"));
        // run to here: only the node and what it needs
        events.clear();
        send(s, "{\"type\":\"run\",\"to\":\"merge\"}");
        while (events.stream().noneMatch(e -> e.get("type").asText().equals("runFinished"))) {
            Thread.sleep(20);
        }
        assertFalse(events.stream().anyMatch(e -> e.path("node").asText().equals("recipe")));
    }
}
