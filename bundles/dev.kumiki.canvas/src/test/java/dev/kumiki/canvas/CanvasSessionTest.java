package dev.kumiki.canvas;

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
