package dev.kumiki.evolve.space;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kumiki.merge.config.ConfigException;
import dev.kumiki.merge.config.MergeConfig;
import dev.kumiki.merge.config.MergeConfigReader;
import dev.kumiki.merge.config.ParameterValue;
import dev.kumiki.tensor.io.SyntheticModel;

/**
 * Decoded recipes against mergekit YAML written by hand (compared as parsed configurations), the genome's layout and
 * names, and the bounds and rounding maths.
 */
class ParameterSpaceTest {
    @TempDir
    static Path dir;
    static final List<ParameterSpace> SPACES = new ArrayList<>();

    @BeforeAll
    static void models() throws IOException {
        SyntheticModel.llama().layers(4).variant(0).write(dir.resolve("base"));
        SyntheticModel.llama().layers(4).variant(1).write(dir.resolve("ja"));
        SyntheticModel.llama().layers(4).variant(2).write(dir.resolve("math"));
    }

    @AfterAll
    static void close() {
        SPACES.forEach(ParameterSpace::close);
    }

    static ParameterSpace.Builder space(String method) {
        return ParameterSpace.builder().method(method).base("base", dir.resolve("base"))
                .model("ja", dir.resolve("ja")).model("math", dir.resolve("math"));
    }

    static ParameterSpace build(ParameterSpace.Builder b) throws IOException {
        ParameterSpace s = b.build();
        SPACES.add(s);
        return s;
    }

    /** mergekit YAML as a user writes it, beside the models (relative references resolve against its folder). */
    static MergeConfig hand(String yaml) throws ConfigException {
        List<String> warnings = new ArrayList<>();
        MergeConfig c = MergeConfigReader.parse(dir.resolve("hand.yml"), yaml, warnings::add);
        assertEquals(List.of(), warnings);
        return c;
    }

    static void assertSame(MergeConfig expected, MergeCandidate c) throws ConfigException {
        assertTrue(expected.sameRecipe(c.config()), () -> "decoded:\n" + c.key());
        // the exported recipe reads back to the same configuration
        assertTrue(hand(c.recipe()).sameRecipe(c.config()), c::recipe);
    }

    @Test
    void tiesWithPerModelWeightAndDensity() throws Exception {
        ParameterSpace s = build(space("ties"));
        assertEquals("ps", s.kind());
        assertEquals(List.of("ja/weight", "ja/density", "math/weight", "math/density"), s.names());
        assertArrayEquals(new double[] {0, 1}, s.bounds("weight"));
        assertArrayEquals(new double[] {0.1, 1}, s.bounds("density"));
        MergeCandidate c = s.decode(new double[] {0.2, 0.9, 0.6, 0.3});
        // density: 0.1 + 0.9 × 0.9 = 0.91 and 0.1 + 0.3 × 0.9 = 0.37
        assertSame(hand("""
                merge_method: ties
                base_model: base
                models:
                  - model: ja
                    parameters:
                      weight: 0.2
                      density: 0.91
                  - model: math
                    parameters:
                      weight: 0.6
                      density: 0.37
                parameters:
                  normalize: true
                """), c);
        assertEquals(Map.of("ja/weight", 0.2, "ja/density", 0.91, "math/weight", 0.6, "math/density", 0.37),
                c.parameters());
        assertTrue(c.recipe().startsWith("merge_method: ties\n"), "no seed needed: " + c.recipe());
        assertEquals(List.copyOf(c.parameters().keySet()), s.names());
    }

    @Test
    void dareTiesWithLayerGroups() throws Exception {
        ParameterSpace s = build(space("dare_ties").layerGroups(2).bounds("weight", 0.5, 1.5).seed(7));
        assertEquals("ps: dare_ties; base base=" + dir.resolve("base") + "; models ja=" + dir.resolve("ja") + ", math="
                + dir.resolve("math") + "; search weight [0.5, 1.5] density [0.1, 1]; layer groups 0-1 2-3; normalize "
                + "true; negative weights false; seed 7", s.toString());
        assertEquals(List.of("ja/weight/layers 0-1", "ja/density/layers 0-1", "math/weight/layers 0-1",
                "math/density/layers 0-1", "ja/weight/layers 2-3", "ja/density/layers 2-3", "math/weight/layers 2-3",
                "math/density/layers 2-3"), s.names());
        MergeCandidate c = s.decode(new double[] {0, 1, 0.25, 0.5, 1, 0, 0.75, 0.1});
        assertSame(hand("""
                merge_method: dare_ties
                base_model: base
                slices:
                  - sources:
                      - model: ja
                        layer_range: [0, 2]
                        parameters: {weight: 0.5, density: 1.0}
                      - model: math
                        layer_range: [0, 2]
                        parameters: {weight: 0.75, density: 0.55}
                      - model: base
                        layer_range: [0, 2]
                  - sources:
                      - model: ja
                        layer_range: [2, 4]
                        parameters: {weight: 1.5, density: 0.1}
                      - model: math
                        layer_range: [2, 4]
                        parameters: {weight: 1.25, density: 0.19}
                      - model: base
                        layer_range: [2, 4]
                parameters:
                  normalize: true
                """), c);
        // DARE drops at random: the recipe says which seed made the model the search scored
        assertTrue(c.recipe().startsWith("# dare_ties drops at random: the search merged this recipe with seed 7, and "
                + "`kumiki merge --seed 7 THIS_FILE OUT_DIR` makes the model it scored (another seed makes another "
                + "model)\nmerge_method: dare_ties\n"), c.recipe());
    }

    @Test
    void smoothMakesEachGroupsValuesPointsOfAGradientOverTheLayers() throws Exception {
        // mergekit-evolve's smooth: the models section with gradients, no slices
        ParameterSpace s = build(space("dare_ties").layerGroups(3).smooth(true).bounds("weight", 0.5, 1.5).seed(7));
        assertTrue(s.smooth());
        assertTrue(s.toString().contains("; layer groups 0-0 1-1 2-3, smooth; normalize true"), s.toString());
        // the points sit at layers 0, 1.5 and 3 of the 4: where mergekit's gradient puts them
        assertEquals(List.of("ja/weight/layer 0", "ja/density/layer 0", "math/weight/layer 0",
                "math/density/layer 0", "ja/weight/layer 1.5", "ja/density/layer 1.5", "math/weight/layer 1.5",
                "math/density/layer 1.5", "ja/weight/layer 3", "ja/density/layer 3", "math/weight/layer 3",
                "math/density/layer 3"), s.names());
        MergeCandidate c = s.decode(new double[] {0, 1, 0.25, 0.5, 1, 0, 0.75, 0.1, 0.5, 0.5, 0.5, 0.5});
        assertSame(hand("""
                merge_method: dare_ties
                base_model: base
                models:
                  - model: ja
                    parameters: {weight: [0.5, 1.5, 1.0], density: [1.0, 0.1, 0.55]}
                  - model: math
                    parameters: {weight: [0.75, 1.25, 1.0], density: [0.55, 0.19, 0.55]}
                parameters:
                  normalize: true
                """), c);
        assertEquals(1.25, c.parameters().get("math/weight/layer 1.5"));
        // slerp's t, the method's own parameter, becomes a gradient at the top
        ParameterSpace slerp = build(ParameterSpace.builder().method("slerp").base("base", dir.resolve("base"))
                .model("ja", dir.resolve("ja")).layerGroups(2).smooth(true));
        assertEquals(List.of("t/layer 0", "t/layer 3"), slerp.names());
        assertSame(hand("""
                merge_method: slerp
                base_model: base
                models:
                  - model: ja
                parameters: {t: [0.2, 0.9]}
                """), slerp.decode(new double[] {0.2, 0.9}));
    }

    @Test
    void smoothNeedsTwoLayerGroups() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> build(space("ties").smooth(true)));
        assertEquals("smooth interpolates the values of two or more layer groups over the layers; set layer groups "
                + "to 2 or more, or leave smooth out", e.getMessage());
    }

    @Test
    void taskArithmeticWithNegativeWeights() throws Exception {
        ParameterSpace s = build(space("task_arithmetic").allowNegativeWeights(true));
        assertEquals(List.of("ja/weight", "math/weight"), s.names());
        assertArrayEquals(new double[] {-1, 1}, s.bounds("weight"));
        assertFalse(s.normalize());
        assertSame(hand("""
                merge_method: task_arithmetic
                base_model: base
                models:
                  - model: ja
                    parameters: {weight: -0.5}
                  - model: math
                    parameters: {weight: 0.8}
                parameters: {normalize: false}
                """), s.decode(new double[] {0.25, 0.9}));
    }

    @Test
    void slerpSearchesItsTPerLayerGroup() throws Exception {
        ParameterSpace s = build(ParameterSpace.builder().method("slerp").base("base", dir.resolve("base"))
                .model("ja", dir.resolve("ja")).layerGroups(4));
        assertEquals(List.of("t/layers 0-0", "t/layers 1-1", "t/layers 2-2", "t/layers 3-3"), s.names());
        MergeCandidate c = s.decode(new double[] {0, 0.3, 0.6, 1});
        StringBuilder yaml = new StringBuilder("merge_method: slerp\nbase_model: base\nslices:\n");
        double[] t = {0, 0.3, 0.6, 1};
        for (int i = 0; i < 4; i++) {
            yaml.append("  - sources:\n      - {model: ja, layer_range: [").append(i).append(", ").append(i + 1)
                    .append("]}\n      - {model: base, layer_range: [").append(i).append(", ").append(i + 1)
                    .append("]}\n    parameters: {t: ").append(t[i]).append("}\n");
        }
        assertSame(hand(yaml.toString()), c);
    }

    @Test
    void boundsAndRounding() throws Exception {
        assertEquals(0.0, ParameterSpace.scale(0.5, -1, 1));
        assertEquals(-1.0, ParameterSpace.scale(-3, -1, 1));
        assertEquals(1.0, ParameterSpace.scale(1.7, -1, 1));
        assertEquals(0.1235, ParameterSpace.scale(0.123456, 0, 1));
        assertEquals(0.0, ParameterSpace.scale(0.4999999, -1, 1));
        assertEquals(-0.0002, ParameterSpace.scale(0.4999, -1, 1));
        assertEquals(12.35, ParameterSpace.scale(0.123456, 0, 100));
        assertEquals(1.235e-5, ParameterSpace.scale(0.123456, 0, 1e-4));
        assertEquals(0.0, ParameterSpace.round(-1e-30, 0, 1));
        ParameterSpace s = build(space("ties").bounds("density", 0.2, 0.6).search("density")
                .fixed("weight", ParameterValue.of(0.7)));
        assertEquals(List.of("ja/density", "math/density"), s.names());
        // 0.2 + 0.5 × 0.4 = 0.4 (written to 4 digits); outside the cube clipped to the bounds
        MergeCandidate c = s.decode(new double[] {0.5, 2});
        assertEquals(Map.of("ja/density", 0.4, "math/density", 0.6), c.parameters());
        // genomes that round to the same recipe share a key; others do not
        assertEquals(c.key(), s.decode(new double[] {0.5000001, 1}).key());
        assertNotEquals(c.key(), s.decode(new double[] {0.51, 1}).key());
        // the key names models, not folders, and is the recipe in mergekit YAML
        assertFalse(c.key().contains(dir.toString()));
        assertSame(hand("""
                merge_method: ties
                base_model: base
                models:
                  - model: ja
                    parameters: {density: 0.4}
                  - model: math
                    parameters: {density: 0.6}
                parameters: {normalize: true, weight: 0.7}
                """), c);
        assertTrue(c.recipe().contains(dir.resolve("ja").toString()));
    }

    @Test
    void normalizeFollowsMergekitEvolveUnlessSet() throws Exception {
        assertTrue(build(space("ties")).normalize());
        assertTrue(build(space("dare_ties")).normalize());
        assertFalse(build(space("task_arithmetic")).normalize());
        ParameterSpace off = build(space("ties").normalize(false));
        assertFalse(off.normalize());
        assertTrue(off.decode(off.initial()).key().contains("normalize: false"));
        ParameterSpace linear = build(ParameterSpace.builder().method("linear").model("ja", dir.resolve("ja"))
                .model("math", dir.resolve("math")));
        assertTrue(linear.normalize());
        assertEquals(List.of("ja/weight", "math/weight"), linear.names());
    }

    @Test
    void dellaKeepsDensityPlusMinusEpsilonInsideTheUnitInterval() throws Exception {
        ParameterSpace s = build(space("della"));
        assertArrayEquals(new double[] {0.16, 0.84}, s.bounds("density"));
        ParameterSpace searched = build(space("della").search("weight", "density", "epsilon"));
        assertArrayEquals(new double[] {0, 0.3}, searched.bounds("epsilon"));
        assertArrayEquals(new double[] {0.31, 0.69}, searched.bounds("density"));
        assertEquals(List.of("ja/weight", "ja/density", "ja/epsilon", "math/weight", "math/density", "math/epsilon"),
                searched.names());
        assertSame(hand("""
                merge_method: della
                base_model: base
                models:
                  - model: ja
                    parameters: {weight: 1, density: 0.31, epsilon: 0.15}
                  - model: math
                    parameters: {weight: 0, density: 0.69, epsilon: 0.3}
                parameters: {normalize: false}
                """), searched.decode(new double[] {1, 0, 0.5, 0, 1, 1}));
    }

    @Test
    void unevenGroupsSplitTheLayersContiguously() throws Exception {
        ParameterSpace s = build(space("ties").layerGroups(3).search("weight"));
        List<int[]> groups = s.layerGroups();
        assertEquals(3, groups.size());
        assertArrayEquals(new int[] {0, 1}, groups.get(0));
        assertArrayEquals(new int[] {1, 2}, groups.get(1));
        assertArrayEquals(new int[] {2, 4}, groups.get(2));
        assertEquals("ja/weight/layers 2-3", s.names().get(4));
        assertEquals(6, s.dimensions());
    }
}
