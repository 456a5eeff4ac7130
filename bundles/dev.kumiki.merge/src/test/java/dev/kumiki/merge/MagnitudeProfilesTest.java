package dev.kumiki.merge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kumiki.merge.config.MergeConfigReader;
import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.hardware.HardwareProfile;
import dev.kumiki.tensor.io.ModelFolder;
import dev.kumiki.tensor.io.SyntheticModel;
import dev.kumiki.tensor.kernel.Kernels;

/** Merges that keep their task vectors' sorted magnitudes across candidates give the merges computed without. */
class MagnitudeProfilesTest {
    @TempDir
    static Path dir;
    static final Map<String, ModelFolder> opened = new HashMap<>();

    @BeforeAll
    static void makeModels() throws IOException {
        for (int i = 0; i <= 2; i++) {
            String name = i == 0 ? "base" : "m" + i;
            SyntheticModel.llama().layers(2).variant(i).dtype(DType.F32).write(dir.resolve(name));
        }
    }

    @AfterAll
    static void close() {
        opened.values().forEach(ModelFolder::close);
    }

    /** Every tensor of a TIES merge at these densities, computed in memory. */
    static Map<String, float[]> ties(double d1, double d2, MagnitudeProfiles profiles) throws Exception {
        Path file = Files.writeString(dir.resolve("ties-" + d1 + "-" + d2 + ".yml"), """
                models:
                  - model: m1
                    parameters: {weight: 0.7, density: %s}
                  - model: m2
                    parameters: {weight: 0.4, density: %s}
                merge_method: ties
                base_model: base
                out_dtype: float32
                """.formatted(d1, d2));
        MergePlan plan = MergePlanner.plan(MergeConfigReader.read(file, w -> { }), opened);
        Merger.Builder builder = Merger.builder(plan, opened).kernels(Kernels.of(HardwareProfile.detect()));
        if (profiles != null) {
            builder.magnitudeProfiles(profiles);
        }
        Merger merger = builder.build();
        Map<String, float[]> tensors = new HashMap<>();
        for (PlannedTensor t : plan.tensors()) {
            tensors.put(t.output(), merger.compute(t));
        }
        return tensors;
    }

    static void assertSame(Map<String, float[]> expected, Map<String, float[]> actual, String what) {
        assertEquals(expected.keySet(), actual.keySet(), what);
        expected.forEach((name, values) -> assertArrayEquals(values, actual.get(name), what + ": " + name));
    }

    @Test
    void candidatesMergedWithProfilesEqualTheMergesWithout() throws Exception {
        MagnitudeProfiles profiles = MagnitudeProfiles.ofBytes(64L << 20);
        double[][] densities = {{0.5, 0.5}, {0.2, 0.9}, {0.73, 0.31}, {0.5, 0.5}, {1.0, 0.1}};
        for (double[] d : densities) {
            assertSame(ties(d[0], d[1], null), ties(d[0], d[1], profiles), "densities " + d[0] + ", " + d[1]);
        }
        // every task vector with a base was profiled once: two models' tensors, 4 bytes an element
        long elements = 0;
        int vectors = 0;
        try (ModelFolder base = ModelFolder.open(dir.resolve("base"))) {
            for (String name : base.names()) {
                elements += 2 * base.info(name).orElseThrow().shape().elements();
                vectors += 2;
            }
        }
        assertEquals(vectors, profiles.size());
        assertEquals(4 * elements, profiles.bytes());
    }

    @Test
    void pastItsBudgetAMergeComputesItsThresholdsAsWithout() throws Exception {
        MagnitudeProfiles none = MagnitudeProfiles.ofBytes(0);
        assertSame(ties(0.4, 0.6, null), ties(0.4, 0.6, none), "no budget");
        assertEquals(0, none.size());
        assertEquals(0, none.bytes());
        // a budget for some tensors: those are profiled, the others computed, the merge the same
        MagnitudeProfiles some = MagnitudeProfiles.ofBytes(40_000);
        assertSame(ties(0.4, 0.6, null), ties(0.4, 0.6, some), "a small budget");
        assertTrue(some.size() > 0 && some.bytes() <= 40_000, some.size() + " profiles, " + some.bytes() + " bytes");
    }
}
