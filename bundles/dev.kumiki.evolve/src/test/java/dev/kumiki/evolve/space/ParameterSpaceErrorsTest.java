package dev.kumiki.evolve.space;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Path;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kumiki.tensor.io.SyntheticModel;

/** Mistakes are refused when the space is built, before any candidate runs, with messages that say what to do. */
class ParameterSpaceErrorsTest {
    @TempDir
    static Path dir;

    @BeforeAll
    static void models() throws IOException {
        SyntheticModel.llama().variant(0).write(dir.resolve("base"));
        SyntheticModel.llama().variant(1).write(dir.resolve("ja"));
        SyntheticModel.llama().variant(2).write(dir.resolve("math"));
        SyntheticModel.llama().variant(3).intermediate(32).write(dir.resolve("wide"));
        SyntheticModel.llama().variant(4).layers(3).write(dir.resolve("deep"));
    }

    private static ParameterSpace.Builder ties() {
        return ParameterSpace.builder().method("ties").base("base", dir.resolve("base"))
                .model("ja", dir.resolve("ja")).model("math", dir.resolve("math"));
    }

    private static String refused(ParameterSpace.Builder b) {
        return assertThrows(IllegalArgumentException.class, b::build).getMessage();
    }

    @Test
    void modelsWhoseShapesCannotBeMerged() {
        assertEquals("the models cannot be merged with ties: tensor 'model.layers.0.mlp.gate_proj.weight' of model "
                + "'wide' is [32, 16] but 'model.layers.0.mlp.gate_proj.weight' of 'ja' is [24, 16]; models merged "
                + "together need the same architecture and sizes",
                refused(ParameterSpace.builder().method("ties").base("base", dir.resolve("base"))
                        .model("ja", dir.resolve("ja")).model("wide", dir.resolve("wide"))));
        assertEquals("model 'deep' has 3 layers but 'base' has 2; the parameter space merges layer by layer and needs "
                + "equal layer counts (the data-flow space combines different depths)",
                refused(ties().model("deep", dir.resolve("deep"))));
    }

    @Test
    void aMethodThatNeedsABaseWithoutOne() {
        assertEquals("dare_ties merges changes from a base model; give the base model (the model the sources were "
                + "fine-tuned from)", refused(ParameterSpace.builder().method("dare_ties")
                        .model("ja", dir.resolve("ja")).model("math", dir.resolve("math"))));
        assertEquals("linear has no base model; leave out base model 'base' or use a method that merges changes from "
                + "one (e.g. ties)", refused(ties().method("linear")));
    }

    @Test
    void emptyBounds() {
        assertEquals("the bounds of 'density' are empty: [0.5, 0.5] (lower must be below upper); give e.g. [0.1, 1]",
                refused(ties().bounds("density", 0.5, 0.5)));
        assertEquals("the bounds of 'weight' are empty: [1, 0] (lower must be below upper); give e.g. [0, 1]",
                refused(ties().bounds("weight", 1, 0)));
        assertEquals("the bounds of 'weight' [-1, 1] include negative weights, which are not allowed; allow negative "
                + "weights or start the bounds at 0", refused(ties().bounds("weight", -1, 1)));
        assertEquals("the bounds of 'density' [0, 1.5] leave ties's range [0, 1]; keep them inside it",
                refused(ties().bounds("density", 0, 1.5)));
    }

    @Test
    void unknownParametersAndMethods() {
        assertEquals("ties has no parameter 'densty' (searched parameter); did you mean 'density'? (ties has weight, "
                + "density, normalize, rescale, lambda, int8_mask)", refused(ties().search("weight", "densty")));
        assertEquals("ties has no parameter 'wieght' (parameter with bounds); did you mean 'weight'? (ties has weight, "
                + "density, normalize, rescale, lambda, int8_mask)", refused(ties().bounds("wieght", 0, 2)));
        assertEquals("unknown merge method 'tie'; did you mean 'ties'? (Kumiki has linear, slerp, nuslerp, "
                + "task_arithmetic, ties, dare_ties, dare_linear, breadcrumbs, breadcrumbs_ties, della, della_linear, "
                + "model_stock, sce, passthrough)", refused(ties().method("tie")));
        assertEquals("ties's parameter 'normalize' is true or false and is not searched; set it with normalize",
                refused(ties().search("normalize")));
        assertEquals("bounds are given for 'density', which is not searched (searched: weight); search it or drop its "
                + "bounds", refused(ties().search("weight").bounds("density", 0.2, 0.8)));
        assertEquals("'base' is both the base model and a source model; ties ignores a base model's parameters, so give "
                + "it only as the base", refused(ties().model("base", dir.resolve("base"))));
    }

    @Test
    void aRequiredParameterNeitherSearchedNorFixed() {
        assertEquals("ties needs 'weight' (the task vector's weight); search it or give it a fixed value",
                refused(ties().search("density")));
    }

    @Test
    void dellaDensityBoundsThatEpsilonPushesOutOfTheUnitInterval() {
        assertEquals("della needs 0 < density - epsilon and density + epsilon < 1; the density bounds [0.1, 0.8] with "
                + "epsilon up to 0.15 leave that range; keep the density bounds inside (0.15, 0.85)",
                refused(ties().method("della").bounds("density", 0.1, 0.8)));
        assertEquals("della needs 0 < density - epsilon and density + epsilon < 1; the density bounds [0.3, 0.6] with "
                + "epsilon up to 0.4 leave that range; keep the density bounds inside (0.4, 0.6)",
                refused(ties().method("della").bounds("density", 0.3, 0.6).fixed("epsilon",
                        dev.kumiki.merge.config.ParameterValue.of(0.4))));
    }

    @Test
    void boundsWhoseExtremesTheMethodRefuses() {
        assertEquals("the models cannot be merged with ties at the lower bounds: ties, tensor "
                + "model.layers.0.input_layernorm.weight: density 0.01 keeps no element of "
                + "model.layers.0.input_layernorm.weight (16 elements) for model 1; raise density for this tensor (e.g. "
                + "with a filter); narrow the bounds", refused(ties().bounds("density", 0.01, 1)));
    }

    @Test
    void densityOfTaskArithmetic() {
        assertEquals("task_arithmetic keeps whole task vectors and ignores density; search weight only, or use ties, "
                + "dare_ties or dare_linear to search density", refused(ties().method("task_arithmetic")
                        .search("weight", "density")));
    }

    @Test
    void tooManyLayerGroupsAndMissingFolders() {
        assertEquals("3 layer groups cannot be made from the 2 layers of the models; use at most 2",
                refused(ties().layerGroups(3)));
        assertEquals("model 'gone' is not a folder here (" + dir.resolve("gone") + "); give the folder of a Hugging "
                + "Face model", refused(ties().model("gone", dir.resolve("gone"))));
    }
}
