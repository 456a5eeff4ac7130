package dev.kumiki.train.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import ai.djl.ndarray.NDArray;
import ai.djl.training.GradientCollector;

import dev.kumiki.merge.lora.LoraModule;
import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.Shape;
import dev.kumiki.train.LoraSettings;
import dev.kumiki.train.internal.Djl;

/**
 * One training step of a tiny model against the independent PyTorch reference (src/test/python/
 * train_step_reference.py, Debian's python3-torch, computing in float64): the masked mean cross-entropy of a batch of
 * sequences of different lengths and the gradient of every trainable parameter, for full training and for LoRA.
 * <p>
 * Tolerance: {@code max|djl − ref| / max|ref|} per tensor below 1e-4. DJL computes in float32 (about 7 significant
 * digits); the reference's float64 is the exact value float32 approximates, so the difference is float32's rounding
 * through two layers and the backward pass, not a difference in the maths (a wrong sign, mask or head layout gives
 * differences of order 1).
 */
class OneStepReferenceTest {
    static final Path PYTHON = Path.of("/usr/bin/python3");
    static final Path SCRIPT = Path.of("src/test/python/train_step_reference.py").toAbsolutePath();
    static final double TOLERANCE = 1e-4;

    @TempDir
    Path tmp;

    /** Three sequences of different lengths; the flags leave out prompts and one whole sequence's first half. */
    static final int[][] TOKENS;
    static final boolean[][] TRAINED;

    static {
        SplittableRandom random = new SplittableRandom(5);
        int[] lengths = {13, 6, 10};
        TOKENS = new int[lengths.length][];
        TRAINED = new boolean[lengths.length][];
        for (int b = 0; b < lengths.length; b++) {
            TOKENS[b] = random.ints(lengths[b], 0, 64).toArray();
            TRAINED[b] = new boolean[lengths[b]];
            for (int i = 1; i < lengths[b]; i++) {
                TRAINED[b][i] = b == 1 ? i >= 3 : b == 2 ? i % 3 != 0 : true;
            }
        }
    }

    static Stream<Arguments> configs() {
        return Stream.of(
                Arguments.of("llama-gqa", TinyConfigs.llama()),
                Arguments.of("llama3-rope", TinyConfigs.llama3Rope()),
                Arguments.of("qwen2-biases-tied", TinyConfigs.qwen2Tied()),
                Arguments.of("qwen3-qk-norm-mqa", TinyConfigs.qwen3()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void lossAndEveryGradientMatchPyTorch(String name, ObjectNode config) throws Exception {
        Path dir = TestModels.writeFolder(tmp.resolve(name), config, TestModels.randomWeights(config, 3), DType.F32);
        try (LlamaNetwork net = LlamaNetwork.load(dir)) {
            Map<String, NDArray> trainable = net.trainable();
            assertEquals(net.weights().keySet(), trainable.keySet());
            Step djl = step(net);
            JsonNode ref = reference(dir, null, 1);
            compare(name, djl, ref, trainable.keySet());
        }
    }

    @Test
    void loraGradientsOfAAndBMatchPyTorch() throws Exception {
        ObjectNode config = TinyConfigs.llama();
        Path dir = TestModels.writeFolder(tmp.resolve("base"), config, TestModels.randomWeights(config, 4),
                DType.F32);
        LoraSettings settings = new LoraSettings(4, 8, 0, List.of("q_proj", "v_proj", "down_proj", "lm_head"), false);
        try (LlamaNetwork net = LlamaNetwork.load(dir)) {
            net.addLora(settings, 9);
            assertEquals(2 * (3 * 2 + 1), net.trainable().size(), "A and B of 3 modules in 2 layers, and lm_head");
            // B starts at 0 (PEFT); a nonzero B makes A's gradient informative
            SplittableRandom random = new SplittableRandom(2);
            Map<String, float[]> adapter = new LinkedHashMap<>();
            Map<String, Shape> shapes = new LinkedHashMap<>();
            for (Map.Entry<String, NDArray> e : net.trainable().entrySet()) {
                float[] v = e.getValue().toFloatArray();
                if (e.getKey().endsWith("lora_B.weight")) {
                    assertTrue(allZero(v), e.getKey() + " must start at 0");
                    for (int i = 0; i < v.length; i++) {
                        v[i] = (float) (0.3 * random.nextGaussian());
                    }
                    net.set(e.getKey(), v);
                } else {
                    double bound = 1 / Math.sqrt(e.getValue().getShape().get(1));
                    for (float x : v) {
                        assertTrue(Math.abs(x) <= bound, e.getKey() + ": " + x + " outside kaiming-uniform ±" + bound);
                    }
                }
                adapter.put(e.getKey(), v);
                shapes.put(e.getKey(), Shape.of(e.getValue().getShape().getShape()));
            }
            Path adapterFile = tmp.resolve("adapter.safetensors");
            TestModels.writeSafetensors(adapterFile, adapter, shapes, DType.F32);
            Step djl = step(net);
            for (String base : net.weights().keySet()) {
                assertTrue(!net.trainable().containsKey(base), base + " must be frozen");
            }
            JsonNode ref = reference(dir, adapterFile, settings.scaling());
            compare("lora", djl, ref, net.trainable().keySet());

            List<LoraModule> modules = net.loraModules();
            assertEquals(7, modules.size());
            LoraModule q = modules.get(0);
            assertEquals("model.layers.0.self_attn.q_proj", q.module());
            assertEquals(32, q.in());
            assertEquals(32, q.out());
            assertEquals(4, q.rank());
            assertEquals(adapter.get("model.layers.0.self_attn.q_proj.lora_B.weight")[5], q.b()[5]);
        }
    }

    private static boolean allZero(float[] v) {
        for (float x : v) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    record Step(double loss, Map<String, float[]> gradients) {
    }

    static Step step(LlamaNetwork net) {
        Map<String, float[]> grads = new LinkedHashMap<>();
        double loss;
        try (GradientCollector gc = Djl.engine().newGradientCollector()) {
            try (NDArray l = net.loss(TOKENS, TRAINED, true)) {
                loss = l.getFloat();
                gc.backward(l);
            }
            for (Map.Entry<String, NDArray> e : net.trainable().entrySet()) {
                try (NDArray g = e.getValue().getGradient()) {
                    grads.put(e.getKey(), g.toFloatArray());
                }
            }
        }
        return new Step(loss, grads);
    }

    private void compare(String name, Step djl, JsonNode ref, Iterable<String> names) {
        double refLoss = ref.get("loss").asDouble();
        System.out.printf("one step %s: loss DJL %.7f, PyTorch %.7f (difference %.2g)%n", name, djl.loss(), refLoss,
                Math.abs(djl.loss() - refLoss));
        assertEquals(refLoss, djl.loss(), 1e-5 * Math.abs(refLoss), name + ": loss");
        assertEquals(LlamaNetwork.countTrained(TOKENS, TRAINED), ref.get("count").asInt());
        double worst = 0;
        String worstName = "";
        List<String> missing = new ArrayList<>();
        for (String n : names) {
            JsonNode r = ref.get("gradients").get(n);
            if (r == null) {
                missing.add(n);
                continue;
            }
            float[] g = djl.gradients().get(n);
            assertEquals(r.size(), g.length, n);
            double diff = 0;
            double scale = 0;
            for (int i = 0; i < g.length; i++) {
                double x = r.get(i).asDouble();
                diff = Math.max(diff, Math.abs(g[i] - x));
                scale = Math.max(scale, Math.abs(x));
            }
            assertTrue(scale > 0, n + ": the reference gradient is 0, so the test shows nothing");
            double rel = diff / scale;
            if (rel > worst) {
                worst = rel;
                worstName = n;
            }
            assertTrue(rel < TOLERANCE, name + ": gradient of " + n + " differs from PyTorch by " + rel
                    + " (relative to its largest value " + scale + ")");
        }
        assertTrue(missing.isEmpty(), "the reference has no gradient for " + missing);
        assertEquals(ref.get("gradients").size(), djl.gradients().size(), "parameters");
        System.out.printf("one step %s: %d gradients, max relative difference %.3g (%s)%n", name,
                djl.gradients().size(), worst, worstName);
    }

    private JsonNode reference(Path model, Path adapter, double scaling) throws IOException, InterruptedException {
        assertTrue(Files.isExecutable(PYTHON), "the reference needs Debian's python3 with python3-torch");
        Path batch = Files.createTempFile(tmp, "batch", ".json");
        ObjectNode b = TinyConfigs.JSON.createObjectNode();
        b.set("tokens", TinyConfigs.JSON.valueToTree(TOKENS));
        b.set("trained", TinyConfigs.JSON.valueToTree(TRAINED));
        TinyConfigs.JSON.writeValue(batch.toFile(), b);
        List<String> command = new ArrayList<>(List.of(PYTHON.toString(), SCRIPT.toString(), model.toString(),
                batch.toString()));
        if (adapter != null) {
            command.addAll(List.of("--lora", adapter.toString(), "--scaling", Double.toString(scaling)));
        }
        Path out = Files.createTempFile(tmp, "reference", ".json");
        Path log = Files.createTempFile(tmp, "reference", ".log");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(log.toFile()).start();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the reference did not finish in 300 s");
        }
        assertEquals(0, p.exitValue(), () -> "the reference failed: " + read(log));
        return TinyConfigs.JSON.readTree(out.toFile());
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
