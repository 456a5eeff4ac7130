package dev.kumiki.train.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

/**
 * Kumiki's AdamW, learning-rate schedule and gradient clipping, step by step, against PyTorch's
 * {@code torch.optim.AdamW}, transformers' cosine schedule with warm-up and minimum rate and
 * {@code torch.nn.utils.clip_grad_norm_} (src/test/python/adamw_reference.py, Debian's python3-torch), on a small
 * quadratic problem whose gradients depend on the weights (so the whole trajectory is compared, not one update).
 */
class AdamWReferenceTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    record Parameter(String name, long[] shape, float[] values, float[] a, float[] b) {
    }

    @Test
    void tenStepsEqualPyTorch(@TempDir Path dir) throws Exception {
        Random random = new Random(20261201);
        List<Parameter> parameters = List.of(
                parameter("model.layers.0.mlp.up_proj.weight", random, 4, 6),
                parameter("model.layers.0.input_layernorm.weight", random, 6),
                parameter("lm_head.bias", random, 4),
                parameter("model.embed_tokens.weight", random, 5, 3));
        double lr = 0.05;
        int warmup = 2;
        int total = 10;
        double minRatio = 0.1;
        double beta1 = 0.9;
        double beta2 = 0.95;
        double eps = 1e-8;
        double weightDecay = 0.1;
        double maxGradNorm = 2.1;
        double scale = 0.1;

        ObjectNode spec = JSON.createObjectNode();
        ArrayNode ps = spec.putArray("params");
        for (Parameter p : parameters) {
            ObjectNode o = ps.addObject();
            o.put("name", p.name());
            ArrayNode shape = o.putArray("shape");
            for (long d : p.shape()) {
                shape.add(d);
            }
            floats(o.putArray("values"), p.values());
            floats(o.putArray("a"), p.a());
            floats(o.putArray("b"), p.b());
        }
        spec.put("lr", lr).put("warmup", warmup).put("total", total).put("min_ratio", minRatio).put("beta1", beta1)
                .put("beta2", beta2).put("eps", eps).put("weight_decay", weightDecay).put("max_grad_norm", maxGradNorm)
                .put("steps", total).put("scale", scale);
        Path specFile = dir.resolve("spec.json");
        Path resultFile = dir.resolve("result.json");
        JSON.writeValue(specFile.toFile(), spec);
        Process python = new ProcessBuilder("/usr/bin/python3",
                Path.of("src/test/python/adamw_reference.py").toAbsolutePath().toString(), specFile.toString(),
                resultFile.toString()).redirectErrorStream(true).redirectOutput(dir.resolve("python.log").toFile())
                .start();
        assertTrue(python.waitFor(120, TimeUnit.SECONDS), "the PyTorch reference did not finish");
        assertEquals(0, python.exitValue(), () -> "the PyTorch reference failed: " + read(dir.resolve("python.log")));
        JsonNode reference = JSON.readTree(resultFile.toFile()).get("steps");

        LearningRateSchedule schedule = new LearningRateSchedule(lr, warmup, total, minRatio);
        int clipped = 0;
        int unclipped = 0;
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> weights = new LinkedHashMap<>();
            for (Parameter p : parameters) {
                NDArray w = manager.create(p.values(), new Shape(p.shape()));
                w.setRequiresGradient(true);
                weights.put(p.name(), w);
            }
            try (AdamW adamw = new AdamW(weights, manager, beta1, beta2, eps, weightDecay, AdamW::decays)) {
                for (int step = 0; step < total; step++) {
                    JsonNode expected = reference.get(step);
                    try (NDManager scope = manager.newSubManager()) {
                        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                            NDArray loss = null;
                            for (Parameter p : parameters) {
                                NDArray a = scope.create(p.a(), new Shape(p.shape()));
                                NDArray b = scope.create(p.b(), new Shape(p.shape()));
                                NDArray term = a.mul(weights.get(p.name())).sub(b).square().sum().mul((float) scale);
                                loss = loss == null ? term : loss.add(term);
                            }
                            assertEquals(expected.get("loss").asDouble(), loss.getFloat(), 2e-5
                                    * Math.abs(expected.get("loss").asDouble()), "loss before step " + (step + 1));
                            collector.backward(loss);
                        }
                        Map<String, NDArray> gradients = new LinkedHashMap<>();
                        for (Map.Entry<String, NDArray> w : weights.entrySet()) {
                            NDArray g = w.getValue().getGradient();
                            g.attach(scope);
                            gradients.put(w.getKey(), g);
                        }
                        double rate = schedule.rate(step);
                        assertEquals(expected.get("lr").asDouble(), rate, 1e-15, "learning rate of step " + (step + 1));
                        double norm = GradientClipping.clip(gradients.values(), maxGradNorm);
                        assertEquals(expected.get("grad_norm").asDouble(), norm, 1e-5 * norm,
                                "gradient norm of step " + (step + 1));
                        if (norm > maxGradNorm) {
                            clipped++;
                        } else {
                            unclipped++;
                        }
                        adamw.step(gradients, rate, scope);
                        for (NDArray g : gradients.values()) {
                            g.subi(g);
                        }
                    }
                    for (Parameter p : parameters) {
                        float[] actual = weights.get(p.name()).toFloatArray();
                        JsonNode want = expected.get("params").get(p.name());
                        for (int i = 0; i < actual.length; i++) {
                            double e = want.get(i).asDouble();
                            assertEquals(e, actual[i], 2e-6 + 2e-6 * Math.abs(e),
                                    p.name() + "[" + i + "] after step " + (step + 1));
                        }
                    }
                }
                assertEquals(total, adamw.steps());
            }
        }
        // the run must have exercised both sides of clipping and the warm-up (lr 0 on the first step)
        assertTrue(clipped > 0 && unclipped > 0, "clipped " + clipped + " steps, unclipped " + unclipped);
        assertEquals(0.0, reference.get(0).get("lr").asDouble());
    }

    @Test
    void decayRuleIsHuggingFaces() {
        assertTrue(AdamW.decays("model.layers.0.self_attn.q_proj.weight"));
        assertTrue(AdamW.decays("model.embed_tokens.weight"));
        assertTrue(AdamW.decays("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"));
        assertTrue(!AdamW.decays("model.layers.0.input_layernorm.weight"));
        assertTrue(!AdamW.decays("model.layers.0.post_attention_layernorm.weight"));
        assertTrue(!AdamW.decays("model.norm.weight"));
        assertTrue(!AdamW.decays("model.layers.0.self_attn.q_proj.bias"));
    }

    @Test
    void scheduleEndsAtItsFloor() {
        LearningRateSchedule s = new LearningRateSchedule(1e-3, 10, 110, 0.1);
        assertEquals(0, s.rate(0));
        assertEquals(5e-4, s.rate(5), 1e-18);
        assertEquals(1e-3, s.rate(10), 1e-18);
        assertEquals(1e-3 * (0.1 + 0.9 * 0.5), s.rate(60), 1e-15);
        assertEquals(1e-4, s.rate(110), 1e-18);
    }

    private static Parameter parameter(String name, Random random, long... shape) {
        int n = 1;
        for (long d : shape) {
            n *= (int) d;
        }
        float[] values = new float[n];
        float[] a = new float[n];
        float[] b = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) random.nextGaussian();
            a[i] = (float) (0.5 + random.nextDouble());
            b[i] = (float) random.nextGaussian();
        }
        return new Parameter(name, shape, values, a, b);
    }

    private static void floats(ArrayNode array, float[] values) {
        for (float v : values) {
            array.add(v);
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

}
