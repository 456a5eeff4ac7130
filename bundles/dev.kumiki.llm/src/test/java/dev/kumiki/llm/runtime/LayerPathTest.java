package dev.kumiki.llm.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kumiki.merge.MergePlan;
import dev.kumiki.merge.MergePlanner;
import dev.kumiki.merge.Merger;
import dev.kumiki.merge.config.MergeConfigReader;
import dev.kumiki.tensor.io.ModelFolder;
import dev.kumiki.tensor.hardware.HardwareProfile;
import dev.kumiki.tensor.kernel.Kernels;

/**
 * A {@link LayerPath} run by {@link Transformer#path} computes what the same layers stacked into one model compute:
 * mergekit's passthrough of one-layer slices (written by the merge library) where the scales are 1, and the
 * independent PyTorch reference multiplying the hidden state where they are not.
 */
class LayerPathTest {
    private static final int[] PROMPT = {0, 12, 99, 250, 3, 77, 77, 140, 5, 31};

    @TempDir
    Path tmp;

    /** Two fine-tunes of one shape, three layers each, different weights. */
    private void writeModels() throws Exception {
        TinyModel.llama().set(m -> {
            m.layers = 3;
            m.seed = 11;
        }).write(tmp.resolve("ja"));
        TinyModel.llama().set(m -> {
            m.layers = 3;
            m.seed = 23;
        }).write(tmp.resolve("math"));
    }

    // ends in a layer of the first model: passthrough takes the final norm and head from the last slice's model,
    // the path from the first model, so the two agree only then
    private static final LayerPath PATH = new LayerPath(2, List.of(LayerPath.Step.of(0, 0), LayerPath.Step.of(1, 2),
            LayerPath.Step.of(1, 0), LayerPath.Step.of(0, 1), LayerPath.Step.of(1, 2), LayerPath.Step.of(0, 2)));

    /** The path's layers as mergekit passthrough slices, one layer each, merged into a folder. */
    private Path passthrough(LayerPath path) throws Exception {
        StringBuilder yaml = new StringBuilder("slices:\n");
        for (LayerPath.Step s : path.steps()) {
            yaml.append("  - sources:\n      - model: ").append(s.model() == 0 ? "ja" : "math")
                    .append("\n        layer_range: [").append(s.layer()).append(", ").append(s.layer() + 1)
                    .append("]\n");
        }
        yaml.append("merge_method: passthrough\ndtype: float32\n");
        Path recipe = Files.writeString(tmp.resolve("path.yml"), yaml.toString());
        Map<String, ModelFolder> folders = new HashMap<>();
        Path out = tmp.resolve("stacked");
        try {
            MergePlan plan = MergePlanner.plan(MergeConfigReader.read(recipe, w -> { }), folders);
            Merger.builder(plan, folders).kernels(Kernels.scalar()).build().run(out);
        } finally {
            folders.values().forEach(ModelFolder::close);
        }
        return out;
    }

    @Test
    void aPathWithUnitScalesComputesWhatItsPassthroughMergeComputes() throws Exception {
        writeModels();
        Path stacked = passthrough(PATH);
        RuntimeOptions options = new RuntimeOptions(Kernels.of(HardwareProfile.detect()), 2, 4);
        try (Transformer ja = Transformer.open(tmp.resolve("ja"), options);
                Transformer math = Transformer.open(tmp.resolve("math"), options);
                Transformer merged = Transformer.open(stacked, options)) {
            assertEquals(6, merged.config().layers());
            float[][] expected = merged.logits(PROMPT);
            try (Transformer path = Transformer.path(List.of(ja, math), PATH)) {
                assertEquals(6, path.config().layers(), "num_hidden_layers is the path's length");
                float[][] actual = path.logits(PROMPT);
                for (int i = 0; i < PROMPT.length; i++) {
                    // the same F32 weights through the same kernels: equal up to the thread split of a batch
                    double rel = PythonReference.relativeDifference(new float[][] {actual[i]},
                            new float[][] {expected[i]});
                    assertTrue(rel < 1e-6, "position " + i + ": relative difference " + rel);
                }
                // decoding token by token uses the KV cache of every step, and gives the prefill's logits
                Session s = path.newSession();
                s.append(Arrays.copyOf(PROMPT, 4));
                float[] last = null;
                for (int i = 4; i < PROMPT.length; i++) {
                    last = s.append(PROMPT[i]);
                }
                double rel = PythonReference.relativeDifference(new float[][] {last},
                        new float[][] {expected[PROMPT.length - 1]});
                assertTrue(rel < 1e-5, "decoding: relative difference " + rel);
                assertArrayEquals(Generator.generate(merged, PROMPT, dev.kumiki.llm.GenerationSettings.greedy(12),
                        List.of()).tokens(), Generator.generate(path, PROMPT,
                                dev.kumiki.llm.GenerationSettings.greedy(12), List.of()).tokens());
            }
            // the path differs from its first model, so the comparison compares something
            assertFalse(Arrays.equals(ja.logits(PROMPT)[5], expected[5]));
            // closing the path left the models open: they still run
            assertEquals(ja.vocabularySize(), ja.logits(PROMPT)[0].length);
        }
    }

    @Test
    void scalesMultiplyTheHiddenStateBeforeTheirLayerAsTheReferenceDoes() throws Exception {
        writeModels();
        double[] scales = {1, 0.75, 1.4, 1, 0.5, 1.25};
        List<LayerPath.Step> steps = new java.util.ArrayList<>();
        for (int i = 0; i < PATH.length(); i++) {
            LayerPath.Step s = PATH.steps().get(i);
            steps.add(new LayerPath.Step(s.model(), s.layer(), scales[i]));
        }
        LayerPath scaled = new LayerPath(2, steps);
        Path stacked = passthrough(PATH);
        PythonReference.Result ref = PythonReference.run(stacked, PROMPT, "float32", 0, scales);
        PythonReference.Result unscaled = PythonReference.run(stacked, PROMPT, "float32", 0);
        RuntimeOptions options = new RuntimeOptions(Kernels.of(HardwareProfile.detect()), 2, 4);
        try (Transformer ja = Transformer.open(tmp.resolve("ja"), options);
                Transformer math = Transformer.open(tmp.resolve("math"), options);
                Transformer path = Transformer.path(List.of(ja, math), scaled)) {
            float[][] logits = path.logits(PROMPT);
            double rel = PythonReference.relativeDifference(logits, ref.logits());
            System.out.printf("scaled path against the PyTorch reference: max relative logit difference %.3g%n", rel);
            assertTrue(rel < 1e-4, "relative difference " + rel);
            // the scales change the result well beyond that tolerance
            assertTrue(PythonReference.relativeDifference(unscaled.logits(), ref.logits()) > 1e-2);
        }
    }

    @Test
    void aScaleOnAOneLayerPathIsTheEmbeddingScaledByHand() throws Exception {
        // one step: the hidden state entering the layer is the embedding times the scale; a model whose embedding
        // was multiplied by that scale (and an untied head, so the head is unchanged) computes the same
        TinyModel base = TinyModel.llama().set(m -> m.layers = 1);
        base.write(tmp.resolve("one"));
        float s = 0.625f; // a fraction of a power of two: the product is exact in float32, as the path computes it
        TensorSource scaledEmbedding = new TensorSource() {
            @Override
            public String name() {
                return "one with its embedding scaled";
            }

            @Override
            public com.fasterxml.jackson.databind.JsonNode config() {
                return base.config();
            }

            @Override
            public List<dev.kumiki.tensor.TensorInfo> tensors() {
                try {
                    return base.tensors();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }

            @Override
            public float[] read(String name) {
                dev.kumiki.tensor.TensorInfo t = tensors().stream().filter(i -> i.name().equals(name)).findFirst()
                        .orElseThrow();
                float[] v = base.values(t);
                if (name.equals("model.embed_tokens.weight")) {
                    for (int i = 0; i < v.length; i++) {
                        v[i] *= s;
                    }
                }
                return v;
            }
        };
        RuntimeOptions options = new RuntimeOptions(Kernels.scalar(), 1, 4);
        try (Transformer one = Transformer.open(tmp.resolve("one"), options);
                Transformer byHand = Transformer.of(scaledEmbedding, options);
                Transformer path = Transformer.path(List.of(one), new LayerPath(1, List.of(
                        new LayerPath.Step(0, 0, s))))) {
            float[][] a = path.logits(PROMPT);
            float[][] b = byHand.logits(PROMPT);
            for (int i = 0; i < a.length; i++) {
                assertArrayEquals(b[i], a[i], "position " + i);
            }
            assertFalse(Arrays.equals(one.logits(PROMPT)[2], a[2]));
        }
    }

    @Test
    void modelsOfAnotherShapeAndMissingLayersAreRefusedByName() throws Exception {
        writeModels();
        TinyModel.llama().set(m -> {
            m.layers = 3;
            m.intermediate = 128;
        }).write(tmp.resolve("wide"));
        TinyModel.llama().set(m -> {
            m.layers = 3;
            m.ropeTheta = 500000;
        }).write(tmp.resolve("longrope"));
        RuntimeOptions options = new RuntimeOptions(Kernels.scalar(), 1, 4);
        try (Transformer ja = Transformer.open(tmp.resolve("ja"), options);
                Transformer wide = Transformer.open(tmp.resolve("wide"), options);
                Transformer rope = Transformer.open(tmp.resolve("longrope"), options)) {
            LayerPath two = new LayerPath(2, List.of(LayerPath.Step.of(0, 0), LayerPath.Step.of(1, 1)));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Transformer.path(List.of(ja, wide), two));
            assertEquals("the layers of wide cannot run in a path that starts from ja: its intermediate_size is 128, "
                    + "ja's is 96; a path needs models of the same shape (e.g. fine-tunes of one base)", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> Transformer.path(List.of(ja, rope), two));
            assertTrue(e.getMessage().contains("longrope") && e.getMessage().contains("rope_theta is 500000.0"),
                    e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> Transformer.path(List.of(ja, ja),
                    new LayerPath(2, List.of(LayerPath.Step.of(1, 3)))));
            assertEquals("step 0 of the path takes layer 3 of ja, which has 3 layers (num_hidden_layers; indices 0 "
                    + "to 2)", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> Transformer.path(List.of(ja), two));
            assertEquals("the path runs through 2 models but 1 were given", e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new LayerPath(2, List.of()));
        assertEquals("a layer path needs at least one step", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new LayerPath(2, List.of(LayerPath.Step.of(2, 0))));
        assertEquals("step 0 names model 2 but the path runs through 2 models (indices 0 to 1)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new LayerPath.Step(0, 1, Double.NaN));
        assertEquals("the scale of the step through layer 1 of model 0 must be a finite number, found NaN",
                e.getMessage());
    }
}
