package dev.kumiki.merge.methods;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.kumiki.merge.MergePlan;
import dev.kumiki.merge.PlannedTensor;
import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.MappedTensor;
import dev.kumiki.tensor.TensorInfo;
import dev.kumiki.tensor.io.ModelFolder;
import dev.kumiki.tensor.io.SafetensorsFile;
import dev.kumiki.tensor.io.SafetensorsWriter;
import dev.kumiki.tensor.kernel.CounterRandom;
import dev.kumiki.tensor.kernel.Kernels;

/**
 * Checks a finished merge against the independent PyTorch implementation of mergekit's math
 * (src/test/python/mergekit_reference.py, run with Debian's python3-torch): planned tensors are grouped by their
 * inputs and resolved parameters, each group is written out as the reference's spec, and the reference's result is
 * compared with what Kumiki wrote. Random methods get Kumiki's own keep-masks, so the reference checks everything
 * but the random stream (whose statistics are tested separately).
 */
final class ReferenceHarness {
    static final Path PYTHON = Path.of("/usr/bin/python3");
    static final Path SCRIPT = Path.of("src/test/python/mergekit_reference.py").toAbsolutePath();
    private static final ObjectMapper JSON = new ObjectMapper();

    private ReferenceHarness() {
    }

    /** Compares every tensor of {@code merged} with the reference; returns the largest absolute difference seen. */
    static double compare(MergePlan plan, Map<String, ModelFolder> models, Path merged, Path work, long seed,
            double rtol, double atol) throws IOException, InterruptedException {
        Map<String, List<PlannedTensor>> groups = new LinkedHashMap<>();
        for (PlannedTensor t : plan.tensors()) {
            String key = t.base().map(PlannedTensor.Input::model).orElse("-") + "|"
                    + t.inputs().stream().map(PlannedTensor.Input::model).toList() + "|" + t.parameters() + "|"
                    + t.modelParameters();
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(t);
        }
        double worst = 0;
        int g = 0;
        try (ModelFolder out = ModelFolder.open(merged)) {
            for (List<PlannedTensor> group : groups.values()) {
                Path dir = Files.createDirectories(work.resolve("group" + g++));
                Path result = runReference(plan, models, group, dir, seed);
                try (SafetensorsFile ref = SafetensorsFile.open(result)) {
                    for (PlannedTensor t : group) {
                        float[] expected = floats(ref.tensor(t.output()));
                        float[] actual = floats(out.tensor(t.output()));
                        assertEquals(expected.length, actual.length);
                        for (int i = 0; i < expected.length; i++) {
                            double diff = Math.abs(expected[i] - actual[i]);
                            worst = Math.max(worst, diff);
                            if (diff > atol + rtol * Math.abs(expected[i])) {
                                throw new AssertionError(plan.method().name() + " " + t.output() + "[" + i + "]: "
                                        + "reference " + expected[i] + ", Kumiki " + actual[i] + " (spec in " + dir + ")");
                            }
                        }
                    }
                }
            }
        }
        return worst;
    }

    static float[] floats(MappedTensor t) {
        float[] v = new float[(int) t.info().shape().elements()];
        Kernels.scalar().load(t.data(), t.info().dtype(), 0, v, 0, v.length);
        return v;
    }

    private static Path runReference(MergePlan plan, Map<String, ModelFolder> models, List<PlannedTensor> group,
            Path dir, long seed) throws IOException, InterruptedException {
        PlannedTensor first = group.get(0);
        ObjectNode spec = JSON.createObjectNode();
        spec.put("method", plan.method().name());
        if (first.base().isPresent()) {
            spec.put("base", write(dir.resolve("base.safetensors"), group, models, -1));
        } else {
            spec.putNull("base");
        }
        ArrayNode list = spec.putArray("models");
        for (int i = 0; i < first.inputs().size(); i++) {
            ObjectNode m = list.addObject();
            m.put("path", write(dir.resolve("m" + i + ".safetensors"), group, models, i));
            ObjectNode params = m.putObject("params");
            first.modelParameters().get(i).forEach((k, v) -> put(params, k, v));
        }
        ObjectNode params = spec.putObject("params");
        first.parameters().forEach((k, v) -> put(params, k, v));
        if (plan.method().name().startsWith("dare") || plan.method().name().startsWith("della")) {
            spec.put("masks", masks(dir.resolve("masks.safetensors"), group, models, seed, plan.method().name()));
        }
        spec.put("out", "out.safetensors");
        Path specFile = dir.resolve("spec.json");
        JSON.writerWithDefaultPrettyPrinter().writeValue(specFile.toFile(), spec);
        assertTrue(Files.isExecutable(PYTHON), "the reference needs Debian's python3 with python3-torch "
                + "(./run-tests installs it)");
        // output into a file, so that waiting has a real deadline (reading a pipe to its end would wait forever
        // for a reference that hangs)
        Path log = dir.resolve("reference.log");
        Process p = new ProcessBuilder(PYTHON.toString(), SCRIPT.toString(), specFile.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly().waitFor();
            fail("the PyTorch reference did not finish within 5 minutes for " + specFile + "; its output: "
                    + Files.readString(log, StandardCharsets.UTF_8));
        }
        assertEquals(0, p.exitValue(), "reference failed for " + specFile + ": "
                + Files.readString(log, StandardCharsets.UTF_8));
        return dir.resolve("out.safetensors");
    }

    private static void put(ObjectNode node, String key, Object value) {
        if (value instanceof Double d) {
            if (!d.isNaN()) {
                node.put(key, d);
            }
        } else if (value instanceof Boolean b) {
            node.put(key, b);
        } else {
            node.put(key, value.toString());
        }
    }

    /** The inputs of one model (-1: the base) for the group, under the output names, bytes as stored. */
    private static String write(Path file, List<PlannedTensor> group, Map<String, ModelFolder> models, int model)
            throws IOException {
        List<TensorInfo> infos = new ArrayList<>();
        List<MappedTensor> sources = new ArrayList<>();
        for (PlannedTensor t : group) {
            PlannedTensor.Input in = model < 0 ? t.base().orElseThrow() : t.inputs().get(model);
            MappedTensor src = models.get(in.model()).tensor(in.tensor());
            sources.add(src);
            infos.add(src.info().withName(t.output()));
        }
        try (SafetensorsWriter w = SafetensorsWriter.create(file, infos, Map.of())) {
            for (int i = 0; i < infos.size(); i++) {
                w.write(infos.get(i).name(), 0, sources.get(i).data());
            }
            w.commit();
        }
        return file.getFileName().toString();
    }

    /** Kumiki's keep-masks, as the merge drew them: "<model>:<tensor>" F32 tensors of 0 and 1. */
    private static String masks(Path file, List<PlannedTensor> group, Map<String, ModelFolder> models, long seed,
            String method) throws IOException {
        List<TensorInfo> infos = new ArrayList<>();
        List<float[]> values = new ArrayList<>();
        for (PlannedTensor t : group) {
            float[] base = floats(models.get(t.base().orElseThrow().model()).tensor(t.base().get().tensor()));
            for (int i = 0; i < t.inputs().size(); i++) {
                double density = (Double) t.modelParameters().get(i).get("density");
                if (density >= 1 || density <= 0) {
                    continue;
                }
                long stream = CounterRandom.stream(seed, t.output(), i);
                int n = base.length;
                float[] keep = new float[n];
                if (method.startsWith("dare")) {
                    Kernels.scalar().bernoulli(stream, 0, (float) density, keep, 0, n);
                } else {
                    float[] x = floats(models.get(t.inputs().get(i).model()).tensor(t.inputs().get(i).tensor()));
                    float[] delta = new float[n];
                    for (int j = 0; j < n; j++) {
                        delta[j] = x[j] - base[j];
                    }
                    int row = t.shape().rank() < 2 ? n : (int) t.shape().rowLength();
                    TaskArithmetic.dellaKeep(stream, 0, delta, keep, n, row, density,
                            (Double) t.modelParameters().get(i).get("epsilon"));
                }
                infos.add(new TensorInfo(i + ":" + t.output(), DType.F32, t.shape()));
                values.add(keep);
            }
        }
        try (SafetensorsWriter w = SafetensorsWriter.create(file, infos, Map.of())) {
            for (int i = 0; i < infos.size(); i++) {
                MemorySegment bytes = MemorySegment.ofArray(new float[values.get(i).length]);
                Kernels.scalar().store(values.get(i), 0, values.get(i).length, bytes, DType.F32, 0);
                w.write(infos.get(i).name(), 0, bytes);
            }
            w.commit();
        }
        return file.getFileName().toString();
    }
}
