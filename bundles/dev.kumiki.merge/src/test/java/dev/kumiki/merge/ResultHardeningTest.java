package dev.kumiki.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.kumiki.merge.config.ConfigException;
import dev.kumiki.merge.config.MergeConfigReader;
import dev.kumiki.tensor.TensorInfo;
import dev.kumiki.tensor.io.ModelFolder;
import dev.kumiki.tensor.io.ModelWriter;
import dev.kumiki.tensor.io.OutputFolder;
import dev.kumiki.tensor.io.SyntheticModel;
import dev.kumiki.tensor.kernel.Kernels;

/**
 * Regression corpus of merges whose result would be silently wrong: NaN/Inf results, inputs that already hold them,
 * weights summing to zero, overflow, a missing output head. Each case is checked by its message and by what is left on
 * disk.
 */
class ResultHardeningTest {
    @TempDir
    static Path dir;

    @BeforeAll
    static void models() throws IOException {
        SyntheticModel.llama().variant(0).write(dir.resolve("base"));
        SyntheticModel.llama().variant(1).write(dir.resolve("a"));
        SyntheticModel.llama().variant(2).write(dir.resolve("b"));
        SyntheticModel.llama().variant(3).write(dir.resolve("nan"));
        // one NaN (bf16 0x7FC0) in element 5 of nan's model.norm.weight
        Path file = dir.resolve("nan/model.safetensors");
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            c.read(len, 0);
            long headerLength = len.getLong(0);
            ByteBuffer header = ByteBuffer.allocate((int) headerLength);
            c.read(header, 8);
            JsonNode h = new ObjectMapper().readTree(new String(header.array(), StandardCharsets.UTF_8));
            long start = h.get("model.norm.weight").get("data_offsets").get(0).asLong();
            c.write(ByteBuffer.wrap(new byte[] {(byte) 0xC0, 0x7F}), 8 + headerLength + start + 5 * 2);
        }
        // models without lm_head: one whose config says the embeddings are tied, one whose config says they are not
        for (String name : new String[] {"tied", "headless"}) {
            try (ModelFolder a = ModelFolder.open(dir.resolve("a"))) {
                List<TensorInfo> kept = a.names().stream().filter(n -> !n.equals("lm_head.weight"))
                        .map(n -> a.info(n).orElseThrow()).toList();
                try (ModelWriter w = ModelWriter.create(dir.resolve(name), kept, ModelWriter.DEFAULT_SHARD_BYTES,
                        Map.of())) {
                    for (TensorInfo t : kept) {
                        w.write(t.name(), 0, a.tensor(t.name()).data());
                    }
                    w.commit();
                }
            }
            String config = Files.readString(dir.resolve("a/config.json"));
            Files.writeString(dir.resolve(name).resolve("config.json"), name.equals("tied")
                    ? config.replace("\"tie_word_embeddings\": false", "\"tie_word_embeddings\": true") : config);
        }
    }

    record Outcome(Exception error, List<String> warnings, MergePlan plan) {
    }

    static Outcome merge(String yaml, Path out, boolean allowNonFinite) throws IOException, ConfigException {
        Path cfg = Files.writeString(dir.resolve("m.yml"), yaml);
        Map<String, ModelFolder> models = new HashMap<>();
        List<String> warnings = new ArrayList<>();
        try {
            MergePlan plan = MergePlanner.plan(MergeConfigReader.read(cfg, w -> { }), models);
            warnings.addAll(plan.warnings());
            try {
                Merger.builder(plan, models).kernels(Kernels.scalar()).threads(2).allowNonFinite(allowNonFinite)
                        .listener(new MergeListener() {
                            @Override
                            public void tensorDone(PlannedTensor t, int done, int total, long b, long bt) {
                            }

                            @Override
                            public synchronized void warning(String message) {
                                warnings.add(message);
                            }
                        }).build().run(out);
                return new Outcome(null, warnings, plan);
            } catch (RuntimeException | IOException e) {
                return new Outcome(e, warnings, plan);
            }
        } finally {
            models.values().forEach(ModelFolder::close);
        }
    }

    /** Files beside the outputs: only the lock files of writes that ran, never a staging folder. */
    static void nothingStaged() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            List<String> staged = s.map(p -> p.getFileName().toString()).filter(n -> n.contains("kumiki-staging")
                    || n.contains("kumiki-old") || n.endsWith(".partial")).toList();
            assertEquals(List.of(), staged);
        }
    }

    static final String ZERO_SUM = """
            models:
              - model: a
                parameters: {weight: 1.0}
              - model: b
                parameters: {weight: -1.0}
            merge_method: linear
            dtype: bfloat16
            """;

    @Test
    void weightsSummingToZeroWithNormalizeAreRefusedWithTheTensorNamed() throws Exception {
        Path out = dir.resolve("zero");
        Outcome o = merge(ZERO_SUM, out, false);
        assertTrue(o.error() instanceof NonFiniteResultException, String.valueOf(o.error()));
        String m = o.error().getMessage();
        // the largest tensors are merged first: the embeddings and the head (320·... elements) or the MLP
        assertTrue(m.startsWith("the merged tensor "), m);
        assertTrue(m.contains(" NaN or infinite values of "), m);
        assertTrue(m.contains("(the first at element 0): the models' weights for it sum to 0.0 and normalize is true, "
                + "so the sum is divided by zero; change the weights or set normalize: false. The model was not "
                + "written; fix the recipe or the inputs (or allow it explicitly to write a broken model anyway)"), m);
        assertFalse(Files.exists(out), "nothing under the output's name");
        nothingStaged();
    }

    @Test
    void allowedNonFiniteValuesAreWrittenWithLoudWarningsAndInTheModelCard() throws Exception {
        Path out = dir.resolve("zero-allowed");
        Outcome o = merge(ZERO_SUM, out, true);
        assertEquals(null, o.error());
        assertEquals(o.plan().tensors().size(), o.warnings().size(), o.warnings().toString());
        assertTrue(o.warnings().stream().allMatch(w -> w.startsWith("the merged tensor ") && w.contains("sum to 0.0")),
                o.warnings().toString());
        String card = Files.readString(out.resolve("README.md"));
        assertTrue(card.contains("## Warning: NaN or infinite values"), card);
        assertTrue(card.contains("- model.norm.weight has 16 NaN or infinite values of 16 (the first at element 0): "
                + "the models' weights for it sum to 0.0"), card);
        assertTrue(OutputFolder.writtenByKumiki(out));
    }

    @Test
    void anInputHoldingNanIsNamed() throws Exception {
        Path out = dir.resolve("from-nan");
        Outcome o = merge("""
                models:
                  - model: a
                    parameters: {weight: 0.5}
                  - model: nan
                    parameters: {weight: 0.5}
                merge_method: linear
                dtype: bfloat16
                """, out, false);
        assertEquals("the merged tensor model.norm.weight has 1 NaN or infinite value of 16 (the first at element 5): "
                + "the input 'nan' (model.norm.weight) already holds NaN or infinite values. The model was not "
                + "written; fix the recipe or the inputs (or allow it explicitly to write a broken model anyway)",
                o.error().getMessage());
        assertFalse(Files.exists(out));
        nothingStaged();
    }

    @Test
    void overflowIsNamedAsSuch() throws Exception {
        Path out = dir.resolve("overflow");
        Outcome o = merge("""
                models:
                  - model: a
                    parameters: {weight: 3.0e+38}
                  - model: b
                    parameters: {weight: 3.0e+38}
                merge_method: linear
                parameters: {normalize: false}
                dtype: bfloat16
                """, out, false);
        assertTrue(o.error() instanceof NonFiniteResultException, String.valueOf(o.error()));
        assertTrue(o.error().getMessage().contains("): the values overflow BF16 (weights or scales too large for the "
                + "type). The model was not written"), o.error().getMessage());
        assertFalse(Files.exists(out));
    }

    @Test
    void aFailedReMergeLeavesTheEarlierModelWhole() throws Exception {
        Path out = dir.resolve("kept");
        String good = ZERO_SUM.replace("weight: -1.0", "weight: 1.0");
        assertEquals(null, merge(good, out, false).error());
        Map<String, byte[]> before = files(out);
        assertTrue(merge(ZERO_SUM, out, false).error() instanceof NonFiniteResultException);
        Map<String, byte[]> after = files(out);
        assertEquals(before.keySet(), after.keySet());
        before.forEach((name, bytes) -> assertTrue(java.util.Arrays.equals(bytes, after.get(name)), name));
        nothingStaged();
    }

    static Map<String, byte[]> files(Path folder) throws IOException {
        Map<String, byte[]> files = new java.util.TreeMap<>();
        try (Stream<Path> s = Files.list(folder)) {
            for (Path p : s.toList()) {
                files.put(p.getFileName().toString(), Files.readAllBytes(p));
            }
        }
        return files;
    }

    @Test
    void aMissingHeadIsAnErrorUnlessTheConfigTiesTheEmbeddings() throws Exception {
        Path cfg = Files.writeString(dir.resolve("head.yml"), """
                models:
                  - model: headless
                    parameters: {weight: 0.5}
                  - model: a
                    parameters: {weight: 0.5}
                merge_method: linear
                """);
        Map<String, ModelFolder> models = new HashMap<>();
        try {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> MergePlanner.plan(MergeConfigReader.read(cfg, w -> { }), models));
            assertEquals(cfg + ":2:5: model 'headless' has no lm_head.weight but its config.json does not tie the "
                    + "embeddings (tie_word_embeddings is not true), so the merged model would have no output head; "
                    + "the model is incomplete: use a complete copy of it, or put a model that has lm_head.weight "
                    + "first", e.getMessage());
        } finally {
            models.values().forEach(ModelFolder::close);
            models.clear();
        }
        Files.writeString(cfg, """
                models:
                  - model: tied
                    parameters: {weight: 0.5}
                  - model: a
                    parameters: {weight: 0.5}
                merge_method: linear
                """);
        try {
            MergePlan plan = MergePlanner.plan(MergeConfigReader.read(cfg, w -> { }), models);
            assertEquals(List.of(cfg + ":2:5: model 'tied' has no lm_head.weight because it ties the embeddings "
                    + "(tie_word_embeddings: true); lm_head.weight is left out"), plan.warnings());
        } finally {
            models.values().forEach(ModelFolder::close);
            models.clear();
        }
        Files.writeString(cfg, """
                models:
                  - model: a
                    parameters: {weight: 0.5}
                  - model: headless
                    parameters: {weight: 0.5}
                merge_method: linear
                """);
        try {
            MergePlan plan = MergePlanner.plan(MergeConfigReader.read(cfg, w -> { }), models);
            assertEquals(List.of(cfg + ":4:5: model 'headless' has no lm_head.weight although its config.json does not tie the "
                    + "embeddings (the model looks incomplete); lm_head.weight is merged from the other models only"),
                    plan.warnings());
        } finally {
            models.values().forEach(ModelFolder::close);
        }
    }

    @Test
    void theMergeRefusesToWriteIntoItsInputOrAForeignFolder() throws Exception {
        Outcome o = merge(ZERO_SUM.replace("weight: -1.0", "weight: 1.0"), dir.resolve("a"), false);
        assertEquals("the output folder " + dir.resolve("a") + " is also an input (" + dir.resolve("a") + "); write "
                + "the model to another folder", o.error().getMessage());
        Path foreign = Files.createDirectories(dir.resolve("foreign"));
        Files.writeString(foreign.resolve("notes.txt"), "keep me");
        o = merge(ZERO_SUM.replace("weight: -1.0", "weight: 1.0"), foreign, false);
        assertTrue(o.error().getMessage().startsWith(foreign + " is not empty and was not written by Kumiki"),
                o.error().getMessage());
        assertEquals(List.of("notes.txt"), files(foreign).keySet().stream().toList());
    }
}
