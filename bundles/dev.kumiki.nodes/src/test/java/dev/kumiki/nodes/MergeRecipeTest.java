package dev.kumiki.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.eclipse.emf.ecore.EEnumLiteral;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kumiki.engine.Configuration;
import dev.kumiki.engine.Diagnostic;
import dev.kumiki.engine.Engine;
import dev.kumiki.engine.NodeKinds;
import dev.kumiki.engine.Execution;
import dev.kumiki.engine.RunListener;
import dev.kumiki.engine.RunOptions;
import dev.kumiki.merge.MergeMethods;
import dev.kumiki.merge.config.ParameterValue;
import dev.kumiki.model.pipeline.Node;
import dev.kumiki.model.yaml.PipelineYaml;
import dev.kumiki.nodes.settings.Merge;
import dev.kumiki.nodes.settings.NodesPackage;
import dev.kumiki.tensor.io.SyntheticModel;

/** A Merge node's settings as the merge library's typed recipe: methods, values, problems at settings, one plan. */
class MergeRecipeTest {
    static final NodeKinds KINDS = NodeKinds.discover();
    static final Engine ENGINE = new Engine(KINDS);

    @TempDir
    static Path dir;

    static dev.kumiki.model.pipeline.Pipeline pipeline(String text) {
        PipelineYaml.Result r = KINDS.yaml().read(text, "p.kumiki");
        assertEquals(List.of(), r.errors());
        return r.pipeline();
    }

    @BeforeAll
    static void models() throws IOException {
        SyntheticModel.llama().variant(0).write(dir.resolve("models/base"));
        SyntheticModel.llama().variant(1).write(dir.resolve("models/chat"));
        SyntheticModel.llama().variant(2).write(dir.resolve("models/code"));
    }

    @Test
    void theMergeNodesMethodsAreTheLibrarysInItsOrder() {
        List<String> node = NodesPackage.Literals.MERGE_METHOD.getELiterals().stream().map(EEnumLiteral::getLiteral)
                .toList();
        assertEquals(List.copyOf(MergeMethods.names()), node,
                "the Merge node's method choices (nodes.ecore) must list the merge library's methods, in order");
    }

    static final String TIES = """
            kumiki: 1
            nodes:
              base: {kind: LoadModel, path: models/base}
              chat: {kind: LoadModel, path: models/chat}
              code: {kind: LoadModel, path: models/code}
              merge:
                kind: Merge
                method: ties
                parameters: {normalize: true}
                models:
                  chat: {weight: [0.2, 0.8], density: 0.5}
                  code: {weight: 0.5, density: [{filter: mlp, value: 0.3}, {value: 0.7}]}
              save: {kind: SaveModel, path: out/ties, dtype: bfloat16}
            connections:
            - base.model -> merge.base
            - chat.model -> merge.models
            - code.model -> merge.models
            - merge.model -> save.model
            """;

    @Test
    void parameterValuesAreTypedInTheModelAndWrittenBackAsTheyWereRead() {
        PipelineYaml.Result r = KINDS.yaml().read(TIES, "p.kumiki");
        assertEquals(List.of(), r.errors());
        Merge merge = (Merge) r.pipeline().getNodes().stream().filter(n -> n.getId().equals("merge")).findFirst()
                .orElseThrow().getSettings();
        assertEquals(ParameterValue.gradient(0.2, 0.8), merge.getModels().get(0).getParameters().get(0).getValue());
        assertEquals(ParameterValue.of(true), merge.getParameters().get(0).getValue());
        String written = KINDS.yaml().write(r.pipeline());
        assertTrue(written.contains("      code: {weight: 0.5, density: [{filter: mlp, value: 0.3}, {value: 0.7}]}\n"),
                written);
        assertTrue(written.contains("      chat: {weight: [0.2, 0.8], density: 0.5}\n"), written);

        // --set and pipeline parameters go through the same typed values
        Node node = r.pipeline().getNodes().stream().filter(n -> n.getId().equals("merge")).findFirst().orElseThrow();
        assertEquals(java.util.Optional.empty(), KINDS.yaml().set(node, "models.chat.weight", "[0, 1]"));
        assertEquals(ParameterValue.gradient(0, 1), merge.getModels().get(0).getParameters().get(0).getValue());
        assertEquals(java.util.Optional.of("node 'merge': setting 'models': setting 'parameters' 'density': "
                + "the value of a {filter, value} entry of 'the parameter' is a number, a list of numbers or "
                + "true/false, not more filters"), KINDS.yaml().set(node, "models.chat.density",
                        "[{value: {value: 1}}]"));
    }

    @Test
    void problemsPointAtTheSettingAndItsLine() {
        String text = """
                kumiki: 1
                nodes:
                  base: {kind: LoadModel, path: models/base}
                  chat: {kind: LoadModel, path: models/chat}
                  merge:
                    kind: Merge
                    method: ties
                    models:
                      chat: {density: 0.5, wieght: 1}
                connections: [base.model -> merge.base, chat.model -> merge.models]
                """;
        PipelineYaml.Result read = KINDS.yaml().read(text, "p.kumiki");
        Configuration c = ENGINE.configure(read.pipeline(), dir);
        List<Diagnostic> d = c.of("merge");
        assertEquals(List.of("warning: node 'merge', models.chat.wieght: ties has no parameter 'wieght' (did you mean "
                + "'weight'?); it is ignored (ties has normalize, rescale, lambda, int8_mask, weight, density)",
                "error: node 'merge', models.chat.weight: ties needs parameter 'weight' (the task vector's weight) for "
                        + "model 'chat' for tensor model.embed_tokens.weight"),
                d.stream().map(Diagnostic::toString).toList());
        var settings = read.pipeline().getNodes().get(2).getSettings();
        // the misspelt parameter's own place; the missing one at the model's entry
        assertEquals(9, read.where(settings, "models.chat.wieght").orElseThrow().line());
        assertEquals(36, read.where(settings, "models.chat.wieght").orElseThrow().column());
        assertEquals(9, read.where(settings, "models.chat.weight").orElseThrow().line());
        assertEquals(7, read.where(settings, "method").orElseThrow().line());
    }

    @Test
    void theExportedRecipeIsMergekitYamlAsBefore() {
        Configuration c = ENGINE.configure(pipeline(TIES), dir);
        MergeRecipe recipe = ((ModelSpec) c.spec("merge", "model").orElseThrow()).recipe().orElseThrow();
        Path m = dir.resolve("models");
        assertEquals("# mergekit recipe written by Kumiki (node 'recipe'); run it with mergekit-yaml or kumiki merge\n"
                + "merge_method: ties\n"
                + "base_model: " + m.resolve("base") + "\n"
                + "models:\n"
                + "- model: " + m.resolve("chat") + "\n"
                + "  parameters:\n"
                + "    weight:\n"
                + "    - 0.2\n"
                + "    - 0.8\n"
                + "    density: 0.5\n"
                + "- model: " + m.resolve("code") + "\n"
                + "  parameters:\n"
                + "    weight: 0.5\n"
                + "    density:\n"
                + "    - filter: mlp\n"
                + "      value: 0.3\n"
                + "    - value: 0.7\n"
                + "parameters:\n"
                + "  normalize: true\n", ExportMergekitYamlKind.text(recipe, "recipe"));
    }

    /** Mappings of files under {@code folder} in this process (Linux). */
    static long mapped(Path folder) throws IOException {
        return Files.readAllLines(Path.of("/proc/self/maps")).stream()
                .filter(l -> l.contains(folder.toAbsolutePath().toString())).count();
    }

    @Test
    void executeRunsThePlanMadeAtConfigureAndUnmapsTheInputsAfter() throws Exception {
        Configuration c = ENGINE.configure(pipeline(TIES), dir);
        assertEquals(List.of(), c.errors());
        var planned = ((ModelSpec) c.spec("merge", "model").orElseThrow()).recipe().orElseThrow().planned()
                .orElseThrow();
        assertEquals(0, mapped(dir.resolve("models")), "configuring keeps no file mapped");
        Execution.Result r = ENGINE.execute(c, RunOptions.defaults(dir).withUseCache(false),
                RunListener.NONE).run();
        assertEquals(Execution.Status.SUCCEEDED, r.status(), r.nodes().toString());
        MergedModel merged = (MergedModel) r.values().get("merge").get("model");
        assertSame(planned, merged.recipe().planned().orElseThrow(), "execute reuses the configured plan");
        assertEquals(0, mapped(dir.resolve("models")), "the run unmapped every input");
        assertTrue(Files.readString(dir.resolve("out/ties/mergekit_config.yml")).contains("out_dtype: bfloat16"));
        try (ModelHandle.TensorReader lazy = merged.open()) {
            assertTrue(mapped(dir.resolve("models")) > 0, "reading the merge maps its inputs");
            assertEquals(merged.spec().tensors().size(), lazy.tensors().size());
        }
        assertEquals(0, mapped(dir.resolve("models")), "closing the reader unmaps them");
    }
}
