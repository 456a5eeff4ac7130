package dev.kumiki.evolve.space;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kumiki.llm.runtime.LayerPath;
import dev.kumiki.llm.runtime.RuntimeOptions;
import dev.kumiki.llm.runtime.Transformer;
import dev.kumiki.llm.runtime.TransformerLanguageModel;
import dev.kumiki.merge.MergePlan;
import dev.kumiki.merge.MergePlanner;
import dev.kumiki.merge.Merger;
import dev.kumiki.merge.config.MergeConfigReader;
import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.io.ModelFolder;
import dev.kumiki.tensor.io.SyntheticModel;
import dev.kumiki.tensor.kernel.Kernels;

/**
 * The data-flow space's genome decoded by hand on small cases (indicator, repeats, length limit, scales), its settings
 * and models checked before any candidate runs, and a decoded path run in memory against the same path materialised by
 * the merge library's passthrough.
 */
class DataFlowSpaceTest {
    static final RuntimeOptions OPTIONS = new RuntimeOptions(Kernels.scalar(), 1, 8);
    static final int[] PROMPT = {0, 5, 17, 3, 22, 9, 9, 31};

    @TempDir
    Path tmp;

    /** Two "fine-tunes" of one tiny base, two layers each. */
    static List<PathRecipe.Model> models(Path tmp, int layers) throws IOException {
        for (int v = 1; v <= 2; v++) {
            SyntheticModel.llama().layers(layers).hidden(16).intermediate(24).vocab(40).dtype(DType.F32)
                    .contextLength(64).variant(v).write(tmp.resolve(v == 1 ? "ja" : "math"));
        }
        return List.of(PathRecipe.Model.folder("ja", tmp.resolve("ja")),
                PathRecipe.Model.folder("math", tmp.resolve("math")));
    }

    private static String steps(LayerPath p) {
        StringBuilder s = new StringBuilder();
        for (LayerPath.Step st : p.steps()) {
            s.append(st.model() == 0 ? "ja" : "math").append('.').append(st.layer());
            if (st.scale() != 1) {
                s.append('*').append(st.scale());
            }
            s.append(' ');
        }
        return s.toString().trim();
    }

    @Test
    void theIndicatorRepeatsAndScaleMatrixDecodeAsWorkedOutByHand() throws Exception {
        // M = 4 layers (ja.0 ja.1 math.0 math.1), r = 2: T = 8 slots, then W row-major, 4 × 4
        try (DataFlowSpace space = DataFlowSpace.of(models(tmp, 2),
                new DataFlowSpace.Settings(2, 0, 2, 0, DataFlowSpace.ScaleMode.MATRIX))) {
            assertEquals(8 + 16, space.dimensions());
            assertEquals("use ja.0 (repeat 1)", space.names().get(0));
            assertEquals("use math.1 (repeat 2)", space.names().get(7));
            assertEquals("scale ja.0 → math.0", space.names().get(8 + 2));
            assertEquals("scale math.1 → ja.0", space.names().get(8 + 12));
            double[] g = new double[24];
            Arrays.fill(g, 0.5);
            // slots on (> 0.5): 0 ja.0, 2 math.0, 5 ja.1 (repeat 2), 7 math.1 (repeat 2); 0.5 itself is off
            double[] indicator = {0.9, 0.1, 0.6, 0.5, 0.3, 0.7, 0.2, 0.8};
            System.arraycopy(indicator, 0, g, 0, 8);
            g[8 + 0 * 4 + 2] = 0.25;   // ja.0 → math.0: 0 + 0.25 × 2 = 0.5
            g[8 + 2 * 4 + 1] = 0.6;    // math.0 → ja.1: 1.2
            g[8 + 1 * 4 + 3] = 0.4004; // ja.1 → math.1: 0.8008, written to 3 decimals: 0.801
            LayerPath p = space.path(g);
            assertEquals("ja.0 math.0*0.5 ja.1*1.2 math.1*0.801", steps(p));

            // at most 2 steps: the two largest entries (0.9 at slot 0, 0.8 at slot 7), in slot order
            try (DataFlowSpace short2 = DataFlowSpace.of(space.models(),
                    new DataFlowSpace.Settings(2, 0, 2, 2, DataFlowSpace.ScaleMode.MATRIX))) {
                g[8 + 0 * 4 + 3] = 0.75; // ja.0 → math.1 now that they are adjacent: 1.5
                assertEquals("ja.0 math.1*1.5", steps(short2.path(g)));
            }
            // nothing above 0.5: the one slot with the largest entry (slot 6: math.0 of the second repeat)
            double[] off = g.clone();
            double[] low = {0.1, 0.2, 0.3, 0.45, 0.05, 0.1, 0.49, 0.2};
            System.arraycopy(low, 0, off, 0, 8);
            assertEquals("math.0", steps(space.path(off)));
            // out-of-range values are clipped: 7 acts as 1, -3 as 0
            double[] wild = g.clone();
            wild[1] = 7;
            wild[0] = -3;
            // slots 1 ja.1, 2 math.0 (W[1][2] is 0.5: scale 1), 5 ja.1, 7 math.1
            assertEquals("ja.1 math.0 ja.1*1.2 math.1*0.801", steps(space.path(wild)));
        }
    }

    @Test
    void perLayerAndNoScalesShrinkTheGenome() throws Exception {
        List<PathRecipe.Model> m = models(tmp, 2);
        try (DataFlowSpace perLayer = DataFlowSpace.of(m,
                new DataFlowSpace.Settings(3, 0.5, 1.5, 0, DataFlowSpace.ScaleMode.PER_LAYER));
                DataFlowSpace none = DataFlowSpace.of(m,
                        new DataFlowSpace.Settings(1, 0.5, 1.5, 0, DataFlowSpace.ScaleMode.NONE))) {
            assertEquals(12 + 4, perLayer.dimensions());
            assertEquals("scale → math.1", perLayer.names().get(15));
            double[] g = new double[16];
            Arrays.fill(g, 0.2);
            g[1] = 0.9;  // ja.1
            g[2] = 0.9;  // math.0
            g[4] = 0.9;  // ja.0 of repeat 2
            g[12 + 2] = 0.3; // entering math.0: 0.5 + 0.3 = 0.8
            g[12 + 0] = 1;   // entering ja.0: 1.5
            g[12 + 1] = 0;   // entering ja.1, but it is the first step: 1
            assertEquals("ja.1 math.0*0.8 ja.0*1.5", steps(perLayer.path(g)));
            assertEquals(4, none.dimensions());
            assertEquals("ja.0 math.1", steps(none.path(new double[] {0.6, 0.4, 0.1, 1})));
        }
    }

    @Test
    void theInitialGenomeIsTheFirstModelAsItIs() throws Exception {
        try (DataFlowSpace space = DataFlowSpace.of(models(tmp, 2), DataFlowSpace.Settings.DEFAULTS)) {
            assertEquals(4 * 3 + 16, space.dimensions());
            PathCandidate c = space.decode(space.initial());
            assertEquals("ja.0 ja.1", steps(c.path()));
            assertEquals(Map.of("step 1: ja.0", 1.0, "step 2: ja.1", 1.0), c.parameters());
            try (TransformerLanguageModel path = c.open(OPTIONS);
                    Transformer ja = Transformer.open(tmp.resolve("ja"), OPTIONS)) {
                float[][] a = path.transformer().logits(PROMPT);
                float[][] b = ja.logits(PROMPT);
                for (int i = 0; i < a.length; i++) {
                    assertTrue(Arrays.equals(b[i], a[i]), "position " + i);
                }
                assertEquals("path through ja, math (2 layers)", path.name());
            }
        }
    }

    @Test
    void equalRecipesHaveEqualKeysAndTheScalesAreRoundedAsWritten() throws Exception {
        try (DataFlowSpace space = DataFlowSpace.of(models(tmp, 2), DataFlowSpace.Settings.DEFAULTS)) {
            double[] a = space.initial();
            a[1] = 0.25; // ja.1 off
            a[2] = 0.9;  // math.0 on
            int w = 12 + 0 * 4 + 2; // ja.0 → math.0
            a[w] = 0.61234;
            double[] b = a.clone();
            b[w] = 0.61236;          // the same scale to 3 decimals (1.112)
            b[5] = 0.4;              // another slot still off
            assertEquals(space.decode(a).key(), space.decode(b).key());
            b[w] = 0.62;
            assertNotEquals(space.decode(a).key(), space.decode(b).key());
            assertTrue(space.decode(a).recipe().contains("- {model: math, layer: 0, scale: 1.112}"),
                    space.decode(a).recipe());
        }
    }

    @Test
    void emptyBoundsAndModelsOfAnotherShapeAreRefusedBeforeAnyCandidate() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new DataFlowSpace.Settings(3, 1.5, 0.5, 0, DataFlowSpace.ScaleMode.MATRIX));
        assertEquals("the scale bounds are empty: min_scale 1.5 is above max_scale 0.5; give min_scale <= "
                + "max_scale (default 0.5 and 1.5)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new DataFlowSpace.Settings(0, 0.5, 1.5, 0, DataFlowSpace.ScaleMode.MATRIX));
        assertEquals("repeats must be at least 1 (the paper uses 3), found 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> DataFlowSpace.ScaleMode.of("diagonal"));
        assertEquals("scales: 'diagonal' is not a scale mode; use matrix (the paper's M × M matrix), per-layer or "
                + "none", e.getMessage());

        List<PathRecipe.Model> m = models(tmp, 2);
        SyntheticModel.llama().layers(2).hidden(32).intermediate(24).vocab(40).dtype(DType.F32).contextLength(64)
                .write(tmp.resolve("wide"));
        List<PathRecipe.Model> mixed = List.of(m.get(0), PathRecipe.Model.folder("wide", tmp.resolve("wide")));
        e = assertThrows(IllegalArgumentException.class, () -> DataFlowSpace.of(mixed, DataFlowSpace.Settings.DEFAULTS));
        assertEquals("the layers of wide cannot run in a path that starts from ja: its hidden_size is 32, ja's is 16; "
                + "a path needs models of the same shape (e.g. fine-tunes of one base)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> DataFlowSpace.of(List.of(m.get(0)),
                DataFlowSpace.Settings.DEFAULTS));
        assertEquals("a data-flow search runs through at least two models, 1 given", e.getMessage());
        IOException io = assertThrows(IOException.class, () -> DataFlowSpace.of(List.of(m.get(0),
                PathRecipe.Model.folder("gone", tmp.resolve("gone"))), DataFlowSpace.Settings.DEFAULTS));
        assertTrue(io.getMessage().contains(tmp.resolve("gone").resolve("config.json").toString()), io.getMessage());
    }

    /** The recipe's steps as mergekit passthrough slices, one layer each, written by the merge library. */
    static Path passthrough(Path tmp, PathRecipe recipe, String out) throws Exception {
        StringBuilder yaml = new StringBuilder("slices:\n");
        for (PathRecipe.Step s : recipe.steps()) {
            Path folder = recipe.models().stream().filter(m -> m.name().equals(s.model())).findFirst().orElseThrow()
                    .folder().orElseThrow();
            yaml.append("  - sources:\n      - model: ").append(folder).append("\n        layer_range: [")
                    .append(s.layer()).append(", ").append(s.layer() + 1).append("]\n");
        }
        yaml.append("merge_method: passthrough\ndtype: float32\n");
        Path file = Files.writeString(tmp.resolve(out + ".yml"), yaml.toString());
        Map<String, ModelFolder> folders = new HashMap<>();
        try {
            MergePlan plan = MergePlanner.plan(MergeConfigReader.read(file, w -> { }), folders);
            Merger.builder(plan, folders).kernels(Kernels.scalar()).build().run(tmp.resolve(out));
        } finally {
            folders.values().forEach(ModelFolder::close);
        }
        return tmp.resolve(out);
    }

    @Test
    void aDecodedPathRunsAsItsPassthroughMergeDoes() throws Exception {
        try (DataFlowSpace space = DataFlowSpace.of(models(tmp, 2),
                new DataFlowSpace.Settings(2, 0.5, 1.5, 0, DataFlowSpace.ScaleMode.NONE))) {
            // slots on: 1 ja.1, 3 math.1, 5 ja.1 (repeat 2), 6 math.0 (repeat 2)
            double[] genome = {0.1, 0.9, 0.2, 0.8, 0.3, 0.9, 0.7, 0.1};
            PathCandidate c = space.decode(genome);
            assertEquals("ja.1 math.1 ja.1 math.0", steps(c.path()));
            // passthrough takes the head from the last slice's model: end the comparison path in ja
            double[] endsInJa = genome.clone();
            endsInJa[6] = 0.1;
            PathCandidate d = space.decode(endsInJa);
            assertEquals("ja.1 math.1 ja.1", steps(d.path()));
            Path stacked = passthrough(tmp, d.pathRecipe(), "stacked");
            try (TransformerLanguageModel path = d.open(OPTIONS);
                    TransformerLanguageModel other = c.open(OPTIONS);
                    Transformer merged = Transformer.open(stacked, OPTIONS)) {
                float[][] a = path.transformer().logits(PROMPT);
                float[][] b = merged.logits(PROMPT);
                for (int i = 0; i < a.length; i++) {
                    // the same F32 weights through the same scalar kernels, one thread: bit for bit
                    assertTrue(Arrays.equals(b[i], a[i]), "position " + i);
                }
                assertTrue(!Arrays.equals(other.transformer().logits(PROMPT)[3], a[3]),
                        "another path computes something else");
                // every path shares the first model's tokenizer, loaded once
                org.junit.jupiter.api.Assertions.assertSame(path.tokenizer(), other.tokenizer());
            }
            // the best recipe written, read back and run by the runtime: the same logits
            Path file = tmp.resolve("best/path.yml");
            c.pathRecipe().write(file);
            try (TransformerLanguageModel fromSpace = c.open(OPTIONS);
                    TransformerLanguageModel readBack = PathRecipe.read(file).open(OPTIONS)) {
                float[][] a = fromSpace.transformer().logits(PROMPT);
                float[][] b = readBack.transformer().logits(PROMPT);
                for (int i = 0; i < a.length; i++) {
                    assertTrue(Arrays.equals(a[i], b[i]), "position " + i);
                }
                assertEquals(List.of(4), List.of(readBack.transformer().config().layers()));
            }
            PathRecipe tooDeep = new PathRecipe(c.pathRecipe().models(), List.of(new PathRecipe.Step("math", 2, 1)));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tooDeep.open(OPTIONS));
            assertEquals("step 0 of the path takes layer 2 of math, which has 2 layers (num_hidden_layers; indices 0 "
                    + "to 1)", e.getMessage());
        }
    }

    private static double relativeDifference(float[][] a, float[][] b) {
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < b.length; i++) {
            for (int j = 0; j < b[i].length; j++) {
                diff = Math.max(diff, Math.abs(a[i][j] - b[i][j]));
                scale = Math.max(scale, Math.abs(b[i][j]));
            }
        }
        return diff / scale;
    }

    @Test
    void aSavedPathIsAModelFolderThatComputesThePath() throws Exception {
        List<PathRecipe.Model> m = models(tmp, 2);
        // ends in math: the saved model still has ja's final norm and head, as the path does
        PathRecipe unit = new PathRecipe(m, List.of(new PathRecipe.Step("ja", 0, 1), new PathRecipe.Step("math", 1, 1),
                new PathRecipe.Step("ja", 1, 1), new PathRecipe.Step("math", 0, 1)));
        PathRecipe scaled = new PathRecipe(m, List.of(new PathRecipe.Step("ja", 0, 1),
                new PathRecipe.Step("math", 1, 0.75), new PathRecipe.Step("ja", 1, 1.3),
                new PathRecipe.Step("math", 0, 0.6)));
        unit.save(tmp.resolve("unit"), Kernels.scalar());
        scaled.save(tmp.resolve("scaled"), Kernels.scalar());
        assertEquals(unit.toYaml(), Files.readString(tmp.resolve("unit").resolve(PathRecipe.SAVED_RECIPE)));
        assertTrue(Files.exists(tmp.resolve("unit/tokenizer.json")));
        try (TransformerLanguageModel savedUnit = TransformerLanguageModel.open(tmp.resolve("unit"), OPTIONS);
                Transformer savedScaled = Transformer.open(tmp.resolve("scaled"), OPTIONS);
                TransformerLanguageModel runUnit = unit.open(OPTIONS);
                TransformerLanguageModel runScaled = scaled.open(OPTIONS)) {
            assertEquals(4, savedUnit.transformer().config().layers());
            float[][] a = savedUnit.transformer().logits(PROMPT);
            float[][] b = runUnit.transformer().logits(PROMPT);
            for (int i = 0; i < a.length; i++) {
                assertTrue(Arrays.equals(b[i], a[i]), "scales 1: bit for bit, position " + i);
            }
            float[][] c = savedScaled.logits(PROMPT);
            float[][] d = runScaled.transformer().logits(PROMPT);
            double rel = relativeDifference(c, d);
            System.out.printf("saved scaled path against the runtime's: max relative logit difference %.3g%n", rel);
            // float32 rounding of the divided weights and rms_norm_eps (1e-6) seen at another scale
            assertTrue(rel < 1e-4, "scaled: relative difference " + rel);
            assertTrue(relativeDifference(b, d) > 1e-2, "the scales change the logits");
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> unit.save(tmp.resolve("ja"),
                Kernels.scalar()));
        assertEquals("the output folder " + tmp.resolve("ja") + " is also an input (" + tmp.resolve("ja")
                + "); write the model to another folder", e.getMessage());
    }
}
