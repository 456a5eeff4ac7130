package dev.kumiki.evolve.space;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;


import dev.kumiki.llm.runtime.RuntimeOptions;
import dev.kumiki.llm.runtime.Transformer;
import dev.kumiki.llm.runtime.TransformerLanguageModel;
import dev.kumiki.merge.MergePlan;
import dev.kumiki.merge.MergePlanner;
import dev.kumiki.merge.Merger;
import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.io.SyntheticModel;
import dev.kumiki.tensor.kernel.Kernels;

/**
 * The hybrid: a path through a merge computed in memory (a fixed result of the {@link ParameterSpace}) and another
 * model computes what the same path through the merge saved to disk computes, materialised by passthrough.
 */
class HybridSpaceTest {
    static final RuntimeOptions OPTIONS = DataFlowSpaceTest.OPTIONS;
    static final int[] PROMPT = DataFlowSpaceTest.PROMPT;

    @TempDir
    Path tmp;

    private Path write(String name, int variant, int hidden) throws IOException {
        return SyntheticModel.llama().layers(2).hidden(hidden).intermediate(24).vocab(40).dtype(DType.F32)
                .contextLength(64).variant(variant).write(tmp.resolve(name));
    }

    @Test
    void aPathThroughTheInMemoryMergeRunsAsThroughTheSavedMerge() throws Exception {
        Path base = write("base", 0, 16);
        Path ja = write("ja", 1, 16);
        Path math = write("math", 2, 16);
        ParameterSpace psSpace = ParameterSpace.builder().method("ties").base("base", base).model("ja", ja)
                .model("math", math).dtype("float32").build();
        // a fixed result of the parameter space: TIES with decoded weights and densities
        double[] best = {0.3, 0.8, 0.7, 0.5};
        MergeCandidate ps = psSpace.decode(best);
        DataFlowSpace.Settings settings = new DataFlowSpace.Settings(2, 0.5, 1.5, 0, DataFlowSpace.ScaleMode.NONE);
        try (psSpace; HybridSpace hybrid = HybridSpace.of(psSpace, best, List.of(PathRecipe.Model.folder("math",
                math)), settings, OPTIONS)) {
            assertEquals("hybrid", hybrid.kind());
            assertEquals(8, hybrid.dimensions());
            assertEquals(List.of("use merge.0 (repeat 1)", "use merge.1 (repeat 1)", "use math.0 (repeat 1)",
                    "use math.1 (repeat 1)"), hybrid.names().subList(0, 4));
            // the merge saved to disk, as a reference
            Path saved = tmp.resolve("merged");
            MergePlan plan = MergePlanner.plan(ps.config());
            try (MergePlan.Inputs inputs = plan.open()) {
                Merger.builder(plan, inputs.models()).kernels(Kernels.scalar()).build().run(saved);
            }
            assertEquals(ps.key(), hybrid.merge().key());
            PathCandidate initial = hybrid.decode(hybrid.initial());
            // slots 0 merge.0, 3 math.1, 5 merge.1 (repeat 2)
            PathCandidate path = hybrid.decode(new double[] {0.9, 0.2, 0.2, 0.9, 0.2, 0.9, 0.2, 0.2});
            assertEquals(List.of("step 1: merge.0", "step 2: math.1", "step 3: merge.1"),
                    List.copyOf(path.parameters().keySet()));
            // the recipe names the merge by its mergekit YAML
            assertTrue(path.recipe().contains("  - name: merge\n    merge: |\n"), path.recipe());
            assertTrue(path.recipe().contains("      merge_method: ties\n"), path.recipe());
            try (Transformer fromDisk = Transformer.open(saved, OPTIONS);
                    TransformerLanguageModel first = initial.open(OPTIONS)) {
                float[][] a = first.transformer().logits(PROMPT);
                float[][] b = fromDisk.logits(PROMPT);
                for (int i = 0; i < a.length; i++) {
                    assertTrue(Arrays.equals(b[i], a[i]), "the initial path is the merge itself, position " + i);
                }
            }
            // the same path through the saved merge, stacked by passthrough (it ends in the merge, whose head both
            // use: passthrough takes the head from the last slice's model)
            PathRecipe onDisk = new PathRecipe(List.of(PathRecipe.Model.folder("merge", saved),
                    PathRecipe.Model.folder("math", math)), path.pathRecipe().steps());
            Path stacked = DataFlowSpaceTest.passthrough(tmp, onDisk, "stacked");
            try (Transformer merged = Transformer.open(stacked, OPTIONS);
                    Transformer mergeAlone = Transformer.open(saved, OPTIONS);
                    TransformerLanguageModel inMemory = path.open(OPTIONS)) {
                float[][] a = inMemory.transformer().logits(PROMPT);
                float[][] b = merged.logits(PROMPT);
                for (int i = 0; i < a.length; i++) {
                    assertTrue(Arrays.equals(b[i], a[i]), "position " + i);
                }
                assertFalse(Arrays.equals(mergeAlone.logits(PROMPT)[4], a[4]), "the path is not the merge");
            }
        }
    }

    @Test
    void anotherModelOfAnotherShapeIsRefusedBeforeAnyCandidate() throws Exception {
        Path base = write("base", 0, 16);
        Path wide = write("wide", 0, 32);
        Path ja = write("ja", 1, 16);
        try (ParameterSpace psSpace = ParameterSpace.builder().method("task_arithmetic").base("base", base)
                .model("ja", ja).build()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HybridSpace.of("merge",
                    psSpace.decode(psSpace.initial()), List.of(PathRecipe.Model.folder("wide", wide)),
                    DataFlowSpace.Settings.DEFAULTS, OPTIONS));
            assertEquals("the layers of wide cannot run in a path that starts from merge: its hidden_size is 32, "
                    + "merge's is 16; a path needs models of the same shape (e.g. fine-tunes of one base)",
                    e.getMessage());
        }
    }
}
