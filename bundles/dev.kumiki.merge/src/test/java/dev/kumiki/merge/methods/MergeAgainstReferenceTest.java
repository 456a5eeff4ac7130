package dev.kumiki.merge.methods;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.kumiki.merge.MergePlan;
import dev.kumiki.merge.MergePlanner;
import dev.kumiki.merge.Merger;
import dev.kumiki.merge.config.MergeConfig;
import dev.kumiki.merge.config.MergeConfigReader;
import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.hardware.HardwareProfile;
import dev.kumiki.tensor.io.ModelFolder;
import dev.kumiki.tensor.io.SyntheticModel;
import dev.kumiki.tensor.kernel.Kernels;

/**
 * Every merge method, run the way {@code kumiki merge} runs it (YAML, planner, streamed merger, vector kernels), on
 * tiny BF16 models, against the PyTorch reference of mergekit's math.
 */
class MergeAgainstReferenceTest {
    static final long SEED = 7;

    @TempDir
    static Path models;

    @BeforeAll
    static void makeModels() throws IOException {
        // BF16 like real checkpoints; F32 copies for the magnitude selections, where BF16's coarse values make equal
        // magnitudes at the cut-off, whose order torch leaves unspecified
        for (int i = 0; i <= 3; i++) {
            String name = i == 0 ? "base" : "m" + i;
            SyntheticModel.llama().layers(3).variant(i).write(models.resolve(name));
            SyntheticModel.llama().layers(3).variant(i).dtype(DType.F32).write(models.resolve("f32/" + name));
        }
    }

    static Stream<Arguments> configs() {
        return Stream.of(
                Arguments.of("linear", """
                        models:
                          - model: m1
                            parameters: {weight: 0.6}
                          - model: m2
                            parameters: {weight: [0.2, 0.8]}
                        merge_method: linear
                        """),
                Arguments.of("linear, not normalised, with filters", """
                        models:
                          - model: m1
                          - model: m2
                        merge_method: linear
                        parameters:
                          normalize: false
                          weight:
                            - filter: self_attn
                              value: 0.3
                            - value: 0.5
                        """),
                Arguments.of("slerp with the README's gradients", """
                        slices:
                          - sources:
                              - model: base
                                layer_range: [0, 3]
                              - model: m1
                                layer_range: [0, 3]
                        merge_method: slerp
                        base_model: base
                        parameters:
                          t:
                            - filter: self_attn
                              value: [0, 0.5, 0.3, 0.7, 1]
                            - filter: mlp
                              value: [1, 0.5, 0.7, 0.3, 0]
                            - value: 0.5
                        """),
                Arguments.of("nuslerp of task vectors, rows", """
                        models:
                          - model: m1
                            parameters: {weight: 0.3}
                          - model: m2
                            parameters: {weight: 0.7}
                        merge_method: nuslerp
                        base_model: base
                        parameters: {nuslerp_flatten: false}
                        """),
                Arguments.of("nuslerp, columns", """
                        models:
                          - model: m1
                            parameters: {weight: 1.0}
                          - model: m2
                            parameters: {weight: 2.0}
                        merge_method: nuslerp
                        parameters: {nuslerp_flatten: false, nuslerp_row_wise: true}
                        """),
                Arguments.of("nuslerp, whole tensors", """
                        models:
                          - model: m1
                            parameters: {weight: 0.5}
                          - model: m3
                            parameters: {weight: 0.5}
                        merge_method: nuslerp
                        base_model: base
                        """),
                Arguments.of("task_arithmetic", """
                        models:
                          - model: m1
                            parameters: {weight: 0.7}
                          - model: m2
                            parameters: {weight: 0.3}
                        merge_method: task_arithmetic
                        base_model: base
                        parameters: {lambda: 0.9}
                        """),
                Arguments.of("ties", """
                        models:
                          - model: f32/m1
                            parameters: {weight: 1.0, density: 0.5}
                          - model: f32/m2
                            parameters: {weight: 0.5, density: [0.3, 0.9]}
                          - model: f32/m3
                            parameters: {weight: 0.7, density: 0.7}
                        merge_method: ties
                        base_model: f32/base
                        """),
                Arguments.of("dare_ties", """
                        models:
                          - model: m1
                            parameters: {weight: 0.6, density: 0.6}
                          - model: m2
                            parameters: {weight: 0.4, density: 0.4}
                        merge_method: dare_ties
                        base_model: base
                        """),
                Arguments.of("dare_linear", """
                        models:
                          - model: m1
                            parameters: {weight: 0.6, density: 0.6}
                          - model: m2
                            parameters: {weight: 0.4, density: 0.5}
                        merge_method: dare_linear
                        base_model: base
                        parameters: {normalize: true}
                        """),
                Arguments.of("breadcrumbs", """
                        models:
                          - model: f32/m1
                            parameters: {weight: 0.6, density: 0.8, gamma: 0.05}
                          - model: f32/m2
                            parameters: {weight: 0.4, density: 0.7}
                        merge_method: breadcrumbs
                        base_model: f32/base
                        """),
                Arguments.of("breadcrumbs_ties", """
                        models:
                          - model: f32/m1
                            parameters: {weight: 0.6, density: 0.8, gamma: 0.05}
                          - model: f32/m2
                            parameters: {weight: 0.4, density: 0.7, gamma: 0.1}
                        merge_method: breadcrumbs_ties
                        base_model: f32/base
                        """),
                Arguments.of("della", """
                        models:
                          - model: m1
                            parameters: {weight: 0.6, density: 0.5, epsilon: 0.1}
                          - model: m2
                            parameters: {weight: 0.4, density: 0.6}
                        merge_method: della
                        base_model: base
                        """),
                Arguments.of("della_linear", """
                        models:
                          - model: m1
                            parameters: {weight: 0.6, density: 0.5, epsilon: 0.2}
                          - model: m2
                            parameters: {weight: 0.4, density: 0.5, epsilon: 0.2}
                        merge_method: della_linear
                        base_model: base
                        parameters: {lambda: 1.1}
                        """),
                Arguments.of("model_stock", """
                        models: [m1, m2, m3]
                        merge_method: model_stock
                        base_model: base
                        """),
                Arguments.of("model_stock, per row", """
                        models: [m1, m2, m3]
                        merge_method: model_stock
                        base_model: base
                        parameters: {filter_wise: true}
                        """),
                Arguments.of("sce", """
                        models: [m1, m2, m3]
                        merge_method: sce
                        base_model: base
                        parameters: {select_topk: 0.5}
                        """),
                Arguments.of("passthrough stacking layers of two models", """
                        slices:
                          - sources:
                              - model: m1
                                layer_range: [0, 2]
                          - sources:
                              - model: m2
                                layer_range: [1, 3]
                          - sources:
                              - model: m3
                                layer_range: [2, 3]
                                parameters: {scale: 0.5}
                        merge_method: passthrough
                        """));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void matchesTheReference(String name, String yaml, @TempDir Path work) throws Exception {
        Path file = models.resolve(name.replaceAll("\\W+", "_") + ".yml");
        Files.writeString(file, yaml + "out_dtype: float32\n");
        List<String> warnings = new ArrayList<>();
        MergeConfig config = MergeConfigReader.read(file, warnings::add);
        Map<String, ModelFolder> opened = new HashMap<>();
        try {
            MergePlan plan = MergePlanner.plan(config, opened);
            Path out = work.resolve("out");
            Merger.builder(plan, opened).kernels(Kernels.of(HardwareProfile.detect())).seed(SEED).threads(2)
                    .build().run(out);
            double worst = ReferenceHarness.compare(plan, opened, out, work.resolve("ref"), SEED, 2e-5, 2e-6);
            assertTrue(worst < 1e-4, name + ": worst difference " + worst);
            try (ModelFolder merged = ModelFolder.open(out)) {
                assertEquals(plan.tensors().size(), merged.names().size());
                assertEquals(plan.outputLayers().orElseThrow(), merged.config().orElseThrow().layers().getAsInt());
            }
        } finally {
            opened.values().forEach(ModelFolder::close);
        }
    }
}
