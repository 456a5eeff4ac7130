package dev.kumiki.nodes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kumiki.engine.Configuration;
import dev.kumiki.engine.Diagnostic;
import dev.kumiki.engine.Engine;
import dev.kumiki.engine.Execution;
import dev.kumiki.engine.NodeKinds;
import dev.kumiki.engine.RunListener;
import dev.kumiki.engine.RunOptions;
import dev.kumiki.merge.lora.LoraModule;
import dev.kumiki.merge.lora.PeftAdapter;
import dev.kumiki.merge.lora.PeftConfig;
import dev.kumiki.model.yaml.PipelineYaml;
import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.io.SyntheticModel;

/**
 * ApplyAdapter in a pipeline: a PEFT adapter on disk applied to a model is nothing but a handle until a node reads it;
 * SaveModel then writes every adapted weight as W + (alpha/r)·B·A (computed here independently, in double precision)
 * and the others unchanged; Evaluate runs the adapted model from memory and scores exactly what the saved one scores.
 */
class ApplyAdapterNodeTest {
    static final NodeKinds KINDS = NodeKinds.discover();
    static final Engine ENGINE = new Engine(KINDS);
    static final String Q = "model.layers.1.self_attn.q_proj";
    static final String DOWN = "model.layers.0.mlp.down_proj";

    @TempDir
    static Path dir;

    static PeftAdapter adapter;

    @BeforeAll
    static void files() throws IOException {
        Path m = SyntheticModel.llama().layers(2).hidden(32).intermediate(48).vocab(320).dtype(DType.F32)
                .write(dir.resolve("base"));
        ByteLevelVocabulary.write(m, 128);
        Random random = new Random(5);
        int r = 4;
        adapter = new PeftAdapter(new PeftConfig(r, 8, 0, List.of("q_proj", "down_proj"), false, Optional.empty()),
                List.of(module(Q, r, 32, 32, random), module(DOWN, r, 48, 32, random)));
        adapter.write(dir.resolve("adapter"));
    }

    static LoraModule module(String name, int r, int in, int out, Random random) {
        float[] a = new float[r * in];
        float[] b = new float[out * r];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) random.nextGaussian() * 0.2f;
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) random.nextGaussian() * 0.2f;
        }
        return new LoraModule(name, r, in, out, a, b);
    }

    static Execution.Result run(String text) {
        PipelineYaml.Result r = KINDS.yaml().read("kumiki: 1\n" + text, "p.kumiki");
        assertEquals(List.of(), r.errors());
        Configuration c = ENGINE.configure(r.pipeline(), dir);
        assertEquals(List.of(), c.diagnostics().stream().map(Diagnostic::toString).toList());
        return ENGINE.execute(c, RunOptions.defaults(dir).withUseCache(false), RunListener.NONE).run();
    }

    static float[] read(ModelHandle m, String tensor) throws IOException {
        try (ModelHandle.TensorReader r = m.open()) {
            return r.read(tensor);
        }
    }

    @Test
    void savedWeightsAreTheBasePlusScaledBTimesA() throws IOException {
        Execution.Result r = run("""
                nodes:
                  base: {kind: LoadModel, path: base}
                  apply: {kind: ApplyAdapter, path: adapter}
                  save: {kind: SaveModel, path: out/adapted}
                connections: [base.model -> apply.model, apply.model -> save.model]
                """);
        assertEquals(Execution.Status.SUCCEEDED, r.status(), r.nodes().toString());
        ModelHandle base = (ModelHandle) r.values().get("base").get("model");
        ModelHandle saved = (ModelHandle) r.values().get("save").get("model");
        double scaling = 8.0 / 4;
        for (LoraModule m : adapter.modules()) {
            float[] w = read(base, m.module() + ".weight");
            float[] expected = new float[w.length];
            for (int o = 0; o < m.out(); o++) {
                for (int i = 0; i < m.in(); i++) {
                    double ba = 0;
                    for (int k = 0; k < m.rank(); k++) {
                        ba += (double) m.b()[o * m.rank() + k] * m.a()[k * m.in() + i];
                    }
                    expected[o * m.in() + i] = (float) (w[o * m.in() + i] + scaling * ba);
                }
            }
            float[] got = read(saved, m.module() + ".weight");
            for (int i = 0; i < got.length; i++) {
                assertEquals(expected[i], got[i], Math.ulp(expected[i]), m.module() + " [" + i + "]");
            }
            assertFalse(java.util.Arrays.equals(w, got), "the adapter changed " + m.module());
        }
        String untouched = "model.layers.1.self_attn.k_proj.weight";
        assertArrayEquals(read(base, untouched), read(saved, untouched));
        // the applied model read lazily from the ApplyAdapter node gives the same tensors as the saved folder
        ModelHandle lazy = (ModelHandle) r.values().get("apply").get("model");
        assertArrayEquals(read(saved, Q + ".weight"), read(lazy, Q + ".weight"));
        assertEquals(Optional.empty(), lazy.spec().folder());
    }

    @Test
    void anAdaptedModelIsEvaluatedFromMemoryAsItsSavedCopyScores() throws IOException {
        String eval = "{kind: Evaluate, tasks: [ppl_en], limit: 3, threads: 2}";
        Execution.Result inMemory = run("nodes:\n  base: {kind: LoadModel, path: base}\n  apply: {kind: ApplyAdapter, "
                + "path: adapter}\n  eval: " + eval + "\nconnections: [base.model -> apply.model, apply.model -> "
                + "eval.model]\n");
        assertEquals(Execution.Status.SUCCEEDED, inMemory.status(), inMemory.nodes().toString());
        assertFalse(Files.exists(dir.resolve("out/memory")));
        Execution.Result saved = run("nodes:\n  base: {kind: LoadModel, path: base}\n  apply: {kind: ApplyAdapter, "
                + "path: adapter}\n  save: {kind: SaveModel, path: out/evaluated}\n  eval: " + eval + "\n"
                + "connections: [base.model -> apply.model, apply.model -> save.model, save.model -> eval.model]\n");
        assertEquals(Execution.Status.SUCCEEDED, saved.status(), saved.nodes().toString());
        Execution.Result plain = run("nodes:\n  base: {kind: LoadModel, path: base}\n  eval: " + eval + "\n"
                + "connections: [base.model -> eval.model]\n");
        double a = ((Scores) inMemory.values().get("eval").get("scores")).results().task("ppl_en").orElseThrow()
                .primary().value();
        double b = ((Scores) saved.values().get("eval").get("scores")).results().task("ppl_en").orElseThrow()
                .primary().value();
        double base = ((Scores) plain.values().get("eval").get("scores")).results().task("ppl_en").orElseThrow()
                .primary().value();
        assertEquals(b, a, "the same model, in memory or saved");
        assertTrue(a != base, "the adapter changes the scores: " + a + " vs " + base);
    }
}
