package dev.kumiki.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kumiki.merge.config.ConfigException;
import dev.kumiki.merge.config.Location;
import dev.kumiki.merge.config.MergeConfig;
import dev.kumiki.merge.config.MergeConfigReader;
import dev.kumiki.merge.config.ParameterValue;
import dev.kumiki.tensor.io.ModelFolder;
import dev.kumiki.tensor.io.SyntheticModel;
import dev.kumiki.tensor.kernel.Kernels;

/** The typed configuration: built in code or read from YAML, the same merge; structured places; plans own no files. */
class TypedConfigTest {
    @TempDir
    static Path dir;

    @BeforeAll
    static void models() throws IOException {
        SyntheticModel.llama().variant(0).write(dir.resolve("base"));
        SyntheticModel.llama().variant(1).write(dir.resolve("chat"));
        SyntheticModel.llama().variant(2).write(dir.resolve("code"));
    }

    static final String TIES = """
            merge_method: ties
            base_model: base
            models:
              - model: chat
                parameters: {weight: [0.2, 0.8], density: 0.5}
              - model: code
                parameters:
                  weight: 0.5
                  density: [{filter: mlp, value: 0.3}, {value: 0.7}]
            parameters: {normalize: true}
            dtype: float32
            """;

    static Map<String, ParameterValue> params(Object... kv) {
        Map<String, ParameterValue> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], (ParameterValue) kv[i + 1]);
        }
        return m;
    }

    static MergeConfig built() throws ConfigException {
        return MergeConfig.builder().method(MergeMethods.TIES).base("base", dir.resolve("base"))
                .add("chat", dir.resolve("chat"), params("weight", ParameterValue.gradient(0.2, 0.8), "density",
                        ParameterValue.of(0.5)))
                .add("code", dir.resolve("code"), params("weight", ParameterValue.of(0.5), "density",
                        new ParameterValue.Filtered(List.of(
                                new ParameterValue.Filtered.Rule(Optional.of("mlp"), ParameterValue.of(0.3)),
                                new ParameterValue.Filtered.Rule(Optional.empty(), ParameterValue.of(0.7))))))
                .parameter("normalize", ParameterValue.of(true)).dtype("float32").build();
    }

    @Test
    void theBuilderAndTheReaderMakeTheSameMerge() throws Exception {
        MergeConfig read = MergeConfigReader.parse(dir.resolve("m.yml"), TIES, w -> { });
        MergeConfig built = built();
        assertEquals(read.method(), built.method());
        assertEquals(read.referencedModels(), built.referencedModels());
        for (int i = 0; i < 2; i++) {
            var r = read.models().get(i).parameters();
            var b = built.models().get(i).parameters();
            assertEquals(r.keySet(), b.keySet());
            r.forEach((k, v) -> assertEquals(v.value(), b.get(k).value(), k));
        }
        assertEquals(read.parameters().get("normalize").value(), built.parameters().get("normalize").value());
        MergePlan a = MergePlanner.plan(read);
        MergePlan b = MergePlanner.plan(built);
        assertEquals(a.tensors(), b.tensors(), "every tensor planned alike, parameters included");
        assertEquals(a.folders(), b.folders());
    }

    @Test
    void valuesReadBackFromTheirYaml() {
        for (String text : List.of("0.5", "1", "-2", "0.00001", "true", "[0, 0.5, 1]", "[{filter: mlp, value: 0.4}, "
                + "{value: [0, 1]}]", "[{filter: '*', value: false}]")) {
            ParameterValue v = ParameterValue.valueOf(text);
            assertEquals(v, ParameterValue.valueOf(v.toString()), text);
        }
        assertEquals("[0, 0.5, 1]", ParameterValue.valueOf("[0, 0.5, 1.0]").toString());
        assertEquals(new ParameterValue.Number(0.5), ParameterValue.valueOf("0.5"));
        assertEquals("a parameter value must be a finite number, found NaN",
                assertThrows(IllegalArgumentException.class, () -> ParameterValue.of(Double.NaN)).getMessage());
        assertEquals("a gradient needs at least one number",
                assertThrows(IllegalArgumentException.class, () -> ParameterValue.gradient()).getMessage());
        assertEquals("the value of a {filter, value} entry of 'the parameter' is a number, a list of numbers or "
                + "true/false, not more filters", assertThrows(IllegalArgumentException.class,
                        () -> ParameterValue.valueOf("[{filter: mlp, value: {value: 1}}]")).getMessage());
    }

    @Test
    void problemsOfABuiltConfigNameTheirPlaceStructurally() throws Exception {
        MergeConfig missing = MergeConfig.builder().method(MergeMethods.TIES).base("base", dir.resolve("base"))
                .add("chat", dir.resolve("chat"), params("density", ParameterValue.of(0.5))).build();
        ConfigException e = assertThrows(ConfigException.class, () -> MergePlanner.plan(missing));
        assertEquals(Location.model("chat").parameter("weight"), e.location());
        assertEquals("ties needs parameter 'weight' (the task vector's weight) for model 'chat' for tensor "
                + "model.embed_tokens.weight", e.getMessage(), "no file position to cut off");

        MergeConfig slices = MergeConfig.builder().method(MergeMethods.PASSTHROUGH)
                .slice(List.of(new MergeConfig.Builder.Source("chat", 0, 9, Map.of())), Map.of())
                .folder("chat", dir.resolve("chat")).build();
        e = assertThrows(ConfigException.class, () -> MergePlanner.plan(slices));
        assertEquals(Location.source(0, 0, "chat"), e.location());

        MergePlan plan = MergePlanner.plan(MergeConfig.builder().method(MergeMethods.LINEAR)
                .add("chat", dir.resolve("chat"), params("weight", ParameterValue.of(1), "wieght", ParameterValue.of(1)))
                .build());
        assertEquals(Location.model("chat").parameter("wieght"), plan.problems().get(0).location());
        assertEquals(List.of("linear has no parameter 'wieght' (did you mean 'weight'?); it is ignored (linear has "
                + "normalize, weight)"), plan.warnings());
    }

    /** Mappings of files under {@code folder} in this process, from the kernel's view (Linux). */
    static long mapped(Path folder) throws IOException {
        return Files.readAllLines(Path.of("/proc/self/maps")).stream()
                .filter(l -> l.contains(folder.toAbsolutePath().toString())).count();
    }

    @Test
    void aPlanHoldsNoFilesAndItsInputsAreUnmappedWhenClosed() throws Exception {
        Path chat = dir.resolve("chat");
        long before = mapped(chat);
        MergePlan plan = MergePlanner.plan(built());
        assertEquals(before, mapped(chat), "planning maps headers and unmaps them");
        MergePlan.Inputs inputs = plan.open();
        assertTrue(mapped(chat) > before, "a run maps the inputs");
        Path out = dir.resolve("out");
        Merger.builder(plan.withOutput(Optional.of("bfloat16"), TIES), inputs.models()).kernels(Kernels.scalar())
                .build().run(out);
        inputs.close();
        assertFalse(inputs.isOpen());
        assertEquals(before, mapped(chat), "closing the inputs unmaps every file");
        inputs.close(); // idempotent
        try (ModelFolder m = ModelFolder.open(out)) {
            assertTrue(m.names().stream().allMatch(n -> m.info(n).orElseThrow().dtype()
                    == dev.kumiki.tensor.DType.BF16), "written in the out dtype given");
        }
        assertEquals(TIES, Files.readString(out.resolve("mergekit_config.yml")));
        assertTrue(Files.readString(out.resolve("README.md")).contains("- chat (" + chat + ")"));
    }
}
