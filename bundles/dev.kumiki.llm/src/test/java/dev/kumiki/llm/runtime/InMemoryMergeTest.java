package dev.kumiki.llm.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import dev.kumiki.llm.GenerationSettings;
import dev.kumiki.merge.MergePlan;
import dev.kumiki.merge.MergePlanner;
import dev.kumiki.merge.Merger;
import dev.kumiki.merge.PlannedTensor;
import dev.kumiki.merge.config.MergeConfigReader;
import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.TensorInfo;
import dev.kumiki.tensor.io.ModelFolder;
import dev.kumiki.tensor.kernel.Kernels;

/**
 * A merge run straight from {@code Merger.compute}, tensor by tensor, with no file written, gives the same logits and
 * the same greedy tokens as the same merge saved by {@code Merger.run} and loaded from disk. This is how the nodes
 * bundle adapts a lazy merge handle to a {@link TensorSource}.
 */
class InMemoryMergeTest {
    @TempDir
    Path tmp;

    private List<Path> files() throws IOException {
        try (var walk = Files.walk(tmp)) {
            return walk.sorted().toList();
        }
    }

    @Test
    void aMergeComputedInMemoryRunsLikeTheSameMergeSaved() throws Exception {
        for (String name : List.of("base", "chat", "code")) {
            TinyModel.of("Qwen2ForCausalLM").set(m -> {
                m.dtype = DType.BF16;
                m.seed = name.hashCode();
            }).write(tmp.resolve(name));
        }
        Path recipe = Files.writeString(tmp.resolve("ties.yml"), """
                models:
                  - model: chat
                    parameters: {weight: 0.6, density: 0.5}
                  - model: code
                    parameters: {weight: 0.4, density: 0.7}
                merge_method: ties
                base_model: base
                dtype: bfloat16
                """);
        Map<String, ModelFolder> models = new HashMap<>();
        int[] prompt = {0, 12, 99, 250, 3, 77, 77, 140};
        try {
            MergePlan plan = MergePlanner.plan(MergeConfigReader.read(recipe, w -> { }), models);
            Merger merger = Merger.builder(plan, models).kernels(Kernels.scalar()).seed(5).build();
            Path saved = tmp.resolve("saved");
            merger.run(saved);

            JsonNode config = TinyModel.JSON.readTree(tmp.resolve("base").resolve("config.json").toFile());
            Map<String, PlannedTensor> byName = new LinkedHashMap<>();
            plan.tensors().forEach(t -> byName.put(t.output(), t));
            TensorSource source = new TensorSource() {
                @Override
                public String name() {
                    return "ties of chat, code";
                }

                @Override
                public JsonNode config() {
                    return config;
                }

                @Override
                public List<TensorInfo> tensors() {
                    return plan.tensors().stream().map(t -> new TensorInfo(t.output(), t.type(), t.shape())).toList();
                }

                @Override
                public float[] read(String name) throws IOException {
                    return merger.compute(byName.get(name));
                }
            };
            List<Path> before = files();
            try (Transformer inMemory = Transformer.of(source, new RuntimeOptions(Kernels.scalar(), 2, 4));
                    Transformer fromDisk = Transformer.open(saved, new RuntimeOptions(Kernels.scalar(), 2, 4))) {
                // held as the saved copy stores it: BF16, 2 bytes a weight (F32 before: twice the memory)
                Transformer.Linear q = inMemory.layer(0).q();
                assertEquals(DType.BF16, q.type());
                assertEquals(2L * q.rows() * q.cols(), q.w().byteSize());
                float[][] a = inMemory.logits(prompt);
                float[][] b = fromDisk.logits(prompt);
                for (int i = 0; i < a.length; i++) {
                    // compute() rounds to the output dtype as run() does, and the kernels widen BF16 exactly
                    assertArrayEquals(b[i], a[i], "position " + i);
                }
                assertArrayEquals(Generator.generate(fromDisk, prompt, GenerationSettings.greedy(20), List.of())
                        .tokens(), Generator.generate(inMemory, prompt, GenerationSettings.greedy(20), List.of())
                        .tokens());
                // the merge differs from its inputs, so the comparison above compares something
                try (Transformer base = Transformer.open(tmp.resolve("base"), new RuntimeOptions(Kernels.scalar(),
                        1, 4))) {
                    assertFalse(java.util.Arrays.equals(base.logits(prompt)[3], a[3]));
                }
            }
            assertTrue(Files.exists(saved.resolve(ModelFolder.SINGLE)));
            assertEquals(before, files(), "running the merge in memory wrote no file");
        } finally {
            models.values().forEach(ModelFolder::close);
        }
    }
}
