package dev.kumiki.nodes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kumiki.engine.Configuration;
import dev.kumiki.engine.Diagnostic;
import dev.kumiki.engine.Engine;
import dev.kumiki.engine.Execution;
import dev.kumiki.engine.NodeKinds;
import dev.kumiki.engine.NodeState;
import dev.kumiki.engine.RunListener;
import dev.kumiki.engine.RunOptions;
import dev.kumiki.merge.MergePlan;
import dev.kumiki.merge.MergePlanner;
import dev.kumiki.merge.Merger;
import dev.kumiki.merge.config.MergeConfigReader;
import dev.kumiki.model.pipeline.Pipeline;
import dev.kumiki.model.yaml.PipelineYaml;
import dev.kumiki.tensor.io.ModelFolder;
import dev.kumiki.tensor.io.SyntheticModel;
import dev.kumiki.tensor.kernel.Kernels;

/** Pipelines over small generated models: the same models as the merge library makes, cached re-runs, diagnostics. */
class PipelineRunTest {
    static final NodeKinds KINDS = NodeKinds.discover();
    static final Engine ENGINE = new Engine(KINDS);

    @TempDir
    static Path dir;

    @BeforeAll
    static void models() throws IOException {
        SyntheticModel.llama().variant(0).write(dir.resolve("models/base"));
        SyntheticModel.llama().variant(1).write(dir.resolve("models/chat"));
        SyntheticModel.llama().variant(2).write(dir.resolve("models/code"));
        SyntheticModel.llama().hidden(32).variant(3).write(dir.resolve("models/wide"));
    }

    static final String TIES = """
            kumiki: 1
            nodes:
              base: {kind: LoadModel, path: models/base}
              chat: {kind: LoadModel, path: models/chat}
              code: {kind: LoadModel, path: models/code}
              merge:
                kind: Merge
                method: ties
                parameters: {normalize: true}
                models:
                  chat: {weight: [0.2, 0.8], density: 0.5}
                  code: {weight: 0.5, density: [{filter: mlp, value: 0.3}, {value: 0.7}]}
              save: {kind: SaveModel, path: out/ties, shard_size: 10kB}
              recipe: {kind: ExportMergekitYaml, path: out/ties.yml}
            connections:
            - base.model -> merge.base
            - chat.model -> merge.models
            - code.model -> merge.models
            - merge.model -> save.model
            - merge.model -> recipe.model
            """;

    static Pipeline pipeline(String text) {
        PipelineYaml.Result r = KINDS.yaml().read(text, "p.kumiki");
        assertEquals(List.of(), r.errors());
        return r.pipeline();
    }

    static List<String> diagnostics(String text) {
        return ENGINE.configure(pipeline(text), dir).diagnostics().stream().map(Diagnostic::toString).toList();
    }

    static Execution.Result run(String text, boolean cache) {
        Configuration c = ENGINE.configure(pipeline(text), dir);
        assertEquals(List.of(), c.errors());
        return ENGINE.execute(c, RunOptions.defaults(dir).withUseCache(cache), RunListener.NONE).run();
    }

    /** A BF16 tensor's values, decoded here (the upper half of a float's bits). */
    static float[] bf16(ModelFolder m, String name) throws IOException {
        var t = m.tensor(name);
        assertEquals(dev.kumiki.tensor.DType.BF16, t.info().dtype(), name);
        short[] bits = t.data().toArray(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED
                .withOrder(java.nio.ByteOrder.LITTLE_ENDIAN));
        float[] v = new float[bits.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = Float.intBitsToFloat((bits[i] & 0xFFFF) << 16);
        }
        return v;
    }

    static byte[] tensor(Path model, String name) throws IOException {
        try (ModelFolder m = ModelFolder.open(model)) {
            return m.tensor(name).data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        }
    }

    /** The model the merge library makes from {@code recipe}, compared tensor by tensor with {@code saved}. */
    static void sameAsTheLibrary(Path recipe, Path saved) throws Exception {
        Map<String, ModelFolder> models = new HashMap<>();
        Path reference = dir.resolve("reference-" + saved.getFileName());
        try {
            MergePlan plan = MergePlanner.plan(MergeConfigReader.read(recipe, w -> { }), models);
            Merger.builder(plan, models).kernels(Kernels.scalar()).build().run(reference);
        } finally {
            models.values().forEach(ModelFolder::close);
        }
        try (ModelFolder out = ModelFolder.open(saved); ModelFolder ref = ModelFolder.open(reference)) {
            assertEquals(ref.names(), out.names());
            for (String name : out.names()) {
                assertArrayEquals(tensor(reference, name), tensor(saved, name), name);
            }
        }
    }

    @Test
    void slicesStackLayersOfDifferentModels() throws Exception {
        Execution.Result r = run("""
                kumiki: 1
                nodes:
                  chat: {kind: LoadModel, path: models/chat}
                  code: {kind: LoadModel, path: models/code}
                  stack:
                    kind: Merge
                    method: passthrough
                    slices:
                    - sources: [{model: chat, layer_range: [0, 2]}]
                    - sources: [{model: code, layer_range: [1, 2]}]
                  save: {kind: SaveModel, path: out/stacked}
                  recipe: {kind: ExportMergekitYaml, path: out/stacked.yml}
                connections: [chat.model -> stack.models, code.model -> stack.models, stack.model -> save.model,
                  stack.model -> recipe.model]
                """, true);
        assertEquals(Execution.Status.SUCCEEDED, r.status(), r.nodes().toString());
        try (ModelFolder out = ModelFolder.open(dir.resolve("out/stacked"))) {
            assertEquals(3, out.config().orElseThrow().layers().getAsInt(), "2 layers of chat, 1 of code");
        }
        assertTrue(Files.readString(dir.resolve("out/stacked.yml")).contains("slices:\n- sources:\n  - model: "),
                Files.readString(dir.resolve("out/stacked.yml")));
        sameAsTheLibrary(dir.resolve("out/stacked.yml"), dir.resolve("out/stacked"));
    }

    @Test
    void aMergeOfAModelWrittenEarlierInTheSameRunIsPlannedWhenItRuns() throws Exception {
        // 'half' is written by SaveModel during the run: when the pipeline is configured its folder does not exist,
        // so the second merge is planned when it runs, from the folder written by then
        String text = """
                kumiki: 1
                nodes:
                  base: {kind: LoadModel, path: models/base}
                  chat: {kind: LoadModel, path: models/chat}
                  code: {kind: LoadModel, path: models/code}
                  first: {kind: Merge, method: linear, models: {chat: {weight: 1}, code: {weight: 1}}}
                  half: {kind: SaveModel, path: out/written-in-run/half}
                  again:
                    kind: Merge
                    method: task_arithmetic
                    models: {half: {weight: 0.5}}
                  save: {kind: SaveModel, path: out/written-in-run/again}
                  recipe: {kind: ExportMergekitYaml, path: out/written-in-run/again.yml}
                connections: [chat.model -> first.models, code.model -> first.models, first.model -> half.model,
                  half.model -> again.models, base.model -> again.base, again.model -> save.model,
                  again.model -> recipe.model]
                """;
        assertFalse(Files.exists(dir.resolve("out/written-in-run/half")));
        assertEquals(List.of(), diagnostics(text));
        Execution.Result r = run(text, false);
        assertEquals(Execution.Status.SUCCEEDED, r.status(), r.nodes().toString());
        sameAsTheLibrary(dir.resolve("out/written-in-run/again.yml"), dir.resolve("out/written-in-run/again"));
        // base + 0.5 × (half − base), half being the average of chat and code: checked on one tensor
        String name = "model.layers.0.mlp.down_proj.weight";
        try (ModelFolder b = ModelFolder.open(dir.resolve("models/base"));
                ModelFolder h = ModelFolder.open(dir.resolve("out/written-in-run/half"));
                ModelFolder a = ModelFolder.open(dir.resolve("out/written-in-run/again"))) {
            float[] vb = bf16(b, name);
            float[] vh = bf16(h, name);
            float[] va = bf16(a, name);
            for (int i = 0; i < va.length; i++) {
                double expected = vb[i] + 0.5 * (vh[i] - vb[i]);
                // one bfloat16 rounding of the result
                assertEquals(expected, va[i], Math.abs(expected) / 128 + 1e-30, name + "[" + i + "]");
            }
        }
    }

    @Test
    void aPipelineMakesTheModelTheMergeLibraryMakesFromTheExportedRecipe() throws Exception {
        Execution.Result r = run(TIES, true);
        assertEquals(Execution.Status.SUCCEEDED, r.status(), r.nodes().toString());
        Path recipe = dir.resolve("out/ties.yml");
        String yaml = Files.readString(recipe);
        assertTrue(yaml.contains("merge_method: ties\nbase_model: " + dir.resolve("models/base")), yaml);
        assertTrue(yaml.contains("density:\n    - filter: mlp\n      value: 0.3\n"), yaml);
        assertTrue(Files.exists(dir.resolve("out/ties/model.safetensors.index.json")), "sharded at 10 kB");
        sameAsTheLibrary(recipe, dir.resolve("out/ties"));
        assertTrue(Files.readString(r.recordDir().resolve("nodes/save/summary.json")).contains("\"tensors\""));

        // the merge's output read in memory, tensor by tensor, equals what SaveModel wrote
        ModelHandle merged = (ModelHandle) r.values().get("merge").get("model");
        ModelHandle saved = (ModelHandle) r.values().get("save").get("model");
        try (ModelHandle.TensorReader lazy = merged.open(); ModelHandle.TensorReader files = saved.open()) {
            assertEquals(files.tensors().size(), lazy.tensors().size());
            for (var t : files.tensors()) {
                assertArrayEquals(files.read(t.name()), lazy.read(t.name()), t.name());
            }
        }
        assertTrue(Files.readString(r.recordDir().resolve("nodes/merge/mergekit_config.yml")).contains("ties"));
    }

    @Test
    void theRunChoosesTheKernelsAndSaveModelItsThreads() throws Exception {
        String text = TIES.replace("out/ties, shard_size: 10kB", "out/scalar, threads: 1");
        Configuration c = ENGINE.configure(pipeline(text), dir);
        assertEquals(List.of(), c.errors());
        Execution.Result r = ENGINE.execute(c, RunOptions.defaults(dir).withUseCache(false).withThreads(2)
                .withBackend("scalar"), RunListener.NONE).run();
        assertEquals(Execution.Status.SUCCEEDED, r.status(), r.nodes().toString());
        assertEquals(null, System.getProperty("kumiki.backend"), "nothing JVM-wide");
        assertTrue(Files.readString(r.recordDir().resolve("nodes/save/summary.json")).contains(
                "\"kernels\" : \"scalar\""), Files.readString(r.recordDir().resolve("nodes/save/summary.json")));
        assertTrue(Files.readString(r.recordDir().resolve("log.txt")).contains("scalar kernels, 1 threads"),
                Files.readString(r.recordDir().resolve("log.txt")));
        sameAsTheLibrary(dir.resolve("out/ties.yml"), dir.resolve("out/scalar"));

        Execution.Result bad = ENGINE.execute(c, RunOptions.defaults(dir).withUseCache(false).withBackend("gpu"),
                RunListener.NONE).run();
        assertEquals(Execution.Status.FAILED, bad.status());
        assertTrue(bad.nodes().get("save").messages().toString().contains(
                "unknown backend 'gpu'; choose one of a64fx, vector, scalar"), bad.nodes().get("save").messages()
                .toString());
    }

    @Test
    void aRerunWritesNothingUnlessSomethingChanged() {
        String text = TIES.replace("out/ties", "out/rerun");
        assertEquals(NodeState.DONE, run(text, true).nodes().get("save").state());
        Execution.Result again = run(text, true);
        assertEquals(NodeState.CACHED, again.nodes().get("save").state());
        assertEquals(NodeState.CACHED, again.nodes().get("recipe").state());
        Execution.Result changed = run(text.replace("weight: 0.5", "weight: 0.6"), true);
        assertEquals(NodeState.DONE, changed.nodes().get("save").state());
        assertEquals(NodeState.DONE, run(text.replace("weight: 0.5", "weight: 0.6"), false).nodes().get("save")
                .state());
    }

    @Test
    void configureFindsMistakesFromHeadersAlone() throws IOException {
        assertEquals(List.of("error: node 'a', path: there is no folder " + dir.resolve("models/nope") + " (the path is "
                + "relative to the pipeline file's folder); LoadModel reads a local Hugging Face model folder "
                + "(config.json and *.safetensors), Kumiki downloads nothing"),
                diagnostics("kumiki: 1\nnodes:\n  a: {kind: LoadModel, path: models/nope}\n"));
        assertEquals(List.of("error: node 'merge', models: tensor 'model.embed_tokens.weight' of model 'wide' is [40, 32] "
                + "but 'model.embed_tokens.weight' of 'chat' is [40, 16]; models merged together need the same "
                + "architecture and sizes"), diagnostics("""
                kumiki: 1
                nodes:
                  chat: {kind: LoadModel, path: models/chat}
                  wide: {kind: LoadModel, path: models/wide}
                  merge: {kind: Merge, parameters: {weight: 0.5}}
                connections: [chat.model -> merge.models, wide.model -> merge.models]
                """));
        assertEquals(List.of("error: node 'merge', models: parameters are given for model 'chta', but no node of that "
                + "id is connected to 'models' (did you mean 'chat'?); connected: chat"), diagnostics("""
                kumiki: 1
                nodes:
                  chat: {kind: LoadModel, path: models/chat}
                  merge: {kind: Merge, models: {chta: {weight: 1}}}
                connections: [chat.model -> merge.models]
                """));
        assertEquals(List.of("error: node 'again', models: the model from 'merge' is itself a merge's output, computed "
                + "on demand; merging it again needs it on disk: put a SaveModel after 'merge' and connect the "
                + "SaveModel's output"), diagnostics("""
                kumiki: 1
                nodes:
                  chat: {kind: LoadModel, path: models/chat}
                  merge: {kind: Merge, parameters: {weight: 1}}
                  again: {kind: Merge, parameters: {weight: 1}}
                connections: [chat.model -> merge.models, merge.model -> again.models]
                """));
        assertEquals(List.of("error: node 'save', threads: 'threads' must be between 0 and 1024, found -1"),
                diagnostics("""
                kumiki: 1
                nodes:
                  chat: {kind: LoadModel, path: models/chat}
                  save: {kind: SaveModel, path: models/chat2, threads: -1}
                connections: [chat.model -> save.model]
                """));
        assertEquals(List.of("error: node 'save', shard_size: shard_size 'lots' is not a size; use e.g. 5GB, 500MB, "
                + "2GiB"), diagnostics("""
                kumiki: 1
                nodes:
                  chat: {kind: LoadModel, path: models/chat}
                  save: {kind: SaveModel, path: models/chat2, shard_size: lots}
                connections: [chat.model -> save.model]
                """));
        assertEquals(List.of("error: node 'save', path: the output folder " + dir.resolve("models/chat") + " is also an "
                + "input (" + dir.resolve("models/chat") + "); write the model to another folder"), diagnostics("""
                kumiki: 1
                nodes:
                  chat: {kind: LoadModel, path: models/chat}
                  save: {kind: SaveModel, path: models/chat}
                connections: [chat.model -> save.model]
                """));
        Files.createDirectories(dir.resolve("mine"));
        Files.writeString(dir.resolve("mine/notes.txt"), "keep");
        assertEquals(List.of("error: node 'save', path: " + dir.resolve("mine") + " is not empty and was not written by "
                + "Kumiki (it has no .kumiki-output file); Kumiki replaces only folders it wrote, so nothing of yours "
                + "is deleted. Give a new or empty folder, or move the files away first"), diagnostics("""
                kumiki: 1
                nodes:
                  chat: {kind: LoadModel, path: models/chat}
                  save: {kind: SaveModel, path: mine}
                connections: [chat.model -> save.model]
                """));
        assertEquals(List.of("error: node 'merge', models.chat.weight: ties needs parameter 'weight' (the task "
                + "vector's weight) for model 'chat' for tensor model.embed_tokens.weight"), diagnostics("""
                kumiki: 1
                nodes:
                  base: {kind: LoadModel, path: models/base}
                  chat: {kind: LoadModel, path: models/chat}
                  merge: {kind: Merge, method: ties}
                connections: [base.model -> merge.base, chat.model -> merge.models]
                """));
    }
}
