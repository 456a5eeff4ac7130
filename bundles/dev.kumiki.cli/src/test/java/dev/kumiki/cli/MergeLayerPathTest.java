package dev.kumiki.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kumiki.llm.runtime.RuntimeOptions;
import dev.kumiki.llm.runtime.Transformer;
import dev.kumiki.llm.runtime.TransformerLanguageModel;
import dev.kumiki.evolve.space.PathRecipe;
import dev.kumiki.tensor.io.SyntheticModel;
import dev.kumiki.tensor.kernel.Kernels;

/** {@code kumiki merge} on a layer path (a data-flow search's recipe): a model folder that computes the path. */
class MergeLayerPathTest {
    @TempDir
    Path dir;

    @Test
    void aLayerPathIsWrittenAsAModelThatComputesThePath() throws Exception {
        SyntheticModel.llama().layers(2).contextLength(64).variant(1).write(dir.resolve("ja"));
        SyntheticModel.llama().layers(2).contextLength(64).variant(2).write(dir.resolve("math"));
        Path file = Files.writeString(dir.resolve("best.yml"), """
                kind: layer-path
                models:
                  - {name: ja, folder: ja}
                  - {name: math, folder: math}
                steps:
                  - {model: ja, layer: 0}
                  - {model: math, layer: 1}
                  - {model: ja, layer: 1}
                """);
        Cli.Result dry = Cli.kumiki("merge", "--dry-run", file.toString());
        assertEquals(0, dry.code(), dry.err());
        assertEquals("Layer path: 3 steps through ja, math (embeddings and head of ja).\nDry run: the path and the "
                + "models agree; nothing was written.\n", dry.out().replace(System.lineSeparator(), "\n"));
        assertFalse(Files.exists(dir.resolve("out")));

        Cli.Result r = Cli.kumiki("merge", file.toString(), dir.resolve("out").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("Wrote the path into " + dir.resolve("out")), r.out());
        RuntimeOptions options = new RuntimeOptions(Kernels.scalar(), 1, 8);
        int[] tokens = {0, 5, 9, 17, 3, 22};
        try (Transformer saved = Transformer.open(dir.resolve("out"), options);
                TransformerLanguageModel path = PathRecipe.read(file).open(options)) {
            assertEquals(3, saved.config().layers());
            float[][] a = saved.logits(tokens);
            float[][] b = path.transformer().logits(tokens);
            for (int i = 0; i < a.length; i++) {
                assertTrue(java.util.Arrays.equals(b[i], a[i]), "position " + i);
            }
        }

        Path bad = Files.writeString(dir.resolve("bad.yml"), """
                kind: layer-path
                models: [{name: ja, folder: ja}]
                steps: [{model: ja, layer: 5}]
                """);
        Cli.Result refused = Cli.kumiki("merge", bad.toString(), dir.resolve("out2").toString());
        assertEquals(2, refused.code(), refused.out());
        assertTrue(refused.err().contains("step 0 of the path takes layer 5 of ja, which has 2 layers"),
                refused.err());
        assertFalse(Files.exists(dir.resolve("out2")));
    }
}
