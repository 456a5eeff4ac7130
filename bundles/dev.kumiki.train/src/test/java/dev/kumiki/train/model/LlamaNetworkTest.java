package dev.kumiki.train.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDArray;
import ai.djl.training.GradientCollector;

import dev.kumiki.train.LoraSettings;
import dev.kumiki.train.internal.Djl;

class LlamaNetworkTest {

    @Test
    void aFreshModelPredictsUniformlyAndGetsAGradientForEveryWeight() throws Exception {
        try (LlamaNetwork net = LlamaNetwork.initialise(TinyConfigs.llama(), 7)) {
            int[][] tokens = {{1, 5, 9, 13, 2, 7}, {3, 4, 60}};
            boolean[][] trained = {{false, true, true, true, true, true}, {false, false, true}};
            float loss;
            try (GradientCollector gc = Djl.engine().newGradientCollector()) {
                try (NDArray l = net.loss(tokens, trained, true)) {
                    loss = l.getFloat();
                    gc.backward(l);
                }
            }
            // weights of std 0.02 give nearly uniform predictions: ln 64 = 4.159 (logits of std 0.02·√32 ≈ 0.11 add
            // noise of about 0.05 over 7 tokens)
            assertEquals(Math.log(64), loss, 0.15);
            for (Map.Entry<String, NDArray> e : net.trainable().entrySet()) {
                try (NDArray g = e.getValue().getGradient()) {
                    assertTrue(g.abs().sum().getFloat() > 0, e.getKey() + " got no gradient");
                }
            }
        }
    }

    @Test
    void theSameSeedGivesTheSameWeights() throws Exception {
        try (LlamaNetwork a = LlamaNetwork.initialise(TinyConfigs.llama(), 11);
                LlamaNetwork b = LlamaNetwork.initialise(TinyConfigs.llama(), 11);
                LlamaNetwork c = LlamaNetwork.initialise(TinyConfigs.llama(), 12)) {
            float[] wa = a.weights().get("model.layers.1.mlp.up_proj.weight");
            assertArrayEquals(wa, b.weights().get("model.layers.1.mlp.up_proj.weight"));
            assertTrue(wa[0] != c.weights().get("model.layers.1.mlp.up_proj.weight")[0]);
            assertArrayEquals(a.logits(new int[] {1, 2, 3}), b.logits(new int[] {1, 2, 3}));
        }
    }

    @Test
    void loraDropoutActsInTrainingOnlyAndFollowsTheSeed() throws Exception {
        int[][] tokens = {{1, 5, 9, 13, 2, 7, 30, 31}};
        boolean[][] trained = {{false, true, true, true, true, true, true, true}};
        try (LlamaNetwork net = LlamaNetwork.initialise(TinyConfigs.llama(), 7)) {
            net.addLora(new LoraSettings(4, 8, 0.5, List.of("q_proj", "v_proj", "up_proj"), false), 3);
            for (Map.Entry<String, NDArray> e : net.trainable().entrySet()) {
                if (e.getKey().endsWith("lora_B.weight")) {
                    float[] v = new float[(int) e.getValue().size()];
                    java.util.Arrays.fill(v, 0.5f);
                    net.set(e.getKey(), v);
                }
            }
            float eval1 = lossOf(net, tokens, trained, false);
            float eval2 = lossOf(net, tokens, trained, false);
            Djl.seed(42);
            float train1 = lossOf(net, tokens, trained, true);
            float train2 = lossOf(net, tokens, trained, true);
            Djl.seed(42);
            float again = lossOf(net, tokens, trained, true);
            assertEquals(eval1, eval2, "no dropout outside training");
            assertTrue(train1 != eval1 && train1 != train2, "dropout changes the loss in training");
            assertEquals(train1, again, "the same seed gives the same dropout");
        }
    }

    private static float lossOf(LlamaNetwork net, int[][] tokens, boolean[][] trained, boolean training) {
        try (NDArray l = net.loss(tokens, trained, training)) {
            return l.getFloat();
        }
    }

    @Test
    void gradientsAddUpUntilZeroed() throws Exception {
        int[][] tokens = {{1, 5, 9, 13, 2, 7}};
        boolean[][] trained = {{false, true, true, true, true, true}};
        try (LlamaNetwork net = LlamaNetwork.initialise(TinyConfigs.llama(), 7)) {
            String name = "model.layers.0.mlp.down_proj.weight";
            float[] once = backward(net, tokens, trained, name);
            float[] twice = backward(net, tokens, trained, name);
            for (int i = 0; i < once.length; i++) {
                assertEquals(2 * once[i], twice[i], 1e-6 * Math.abs(once[i]) + 1e-12);
            }
            net.zeroGradients();
            try (NDArray g = net.trainable().get(name).getGradient()) {
                assertEquals(0f, g.abs().sum().getFloat());
            }
            assertArrayEquals(once, backward(net, tokens, trained, name));
        }
    }

    /**
     * The backward pass runs after the loss's scope has closed its per-call arrays (token ids, loss weights, cos and
     * sin); the memory of those arrays must not be Java's, which the collector frees and reuses. Between the forward
     * and the backward pass, garbage is collected and freed memory is refilled with NaN: the gradients must not change.
     */
    @Test
    void gradientsDoNotDependOnWhatHappensBetweenForwardAndBackward() throws Exception {
        int[][] tokens = {{1, 5, 9, 13, 2, 7, 30, 31}, {4, 8, 15, 16, 23}};
        boolean[][] trained = {{false, true, true, true, true, true, true, true}, {false, true, false, true, true}};
        String name = "model.layers.0.self_attn.q_proj.weight";
        try (LlamaNetwork net = LlamaNetwork.initialise(TinyConfigs.llama(), 7)) {
            float[] expected = backward(net, tokens, trained, name);
            net.zeroGradients();
            for (int round = 0; round < 3; round++) {
                try (GradientCollector gc = Djl.engine().newGradientCollector()) {
                    try (NDArray l = net.loss(tokens, trained, false)) {
                        List<java.nio.ByteBuffer> nan = new java.util.ArrayList<>();
                        for (int i = 0; i < 4; i++) {
                            System.gc();
                            Thread.sleep(20);
                            for (int size = 16; size <= 8192; size += 16) {
                                java.nio.ByteBuffer b = java.nio.ByteBuffer.allocateDirect(size)
                                        .order(java.nio.ByteOrder.nativeOrder());
                                while (b.remaining() >= 4) {
                                    b.putFloat(Float.NaN);
                                }
                                nan.add(b);
                            }
                        }
                        gc.backward(l);
                        nan.clear();
                    }
                }
                try (NDArray g = net.trainable().get(name).getGradient()) {
                    assertArrayEquals(expected, g.toFloatArray(), "round " + round);
                }
                net.zeroGradients();
            }
        }
    }

    private static float[] backward(LlamaNetwork net, int[][] tokens, boolean[][] trained, String name) {
        try (GradientCollector gc = Djl.engine().newGradientCollector()) {
            try (NDArray l = net.loss(tokens, trained, false)) {
                gc.backward(l);
            }
        }
        try (NDArray g = net.trainable().get(name).getGradient()) {
            return g.toFloatArray();
        }
    }

    @Test
    void theConfigsAttentionDropoutActsInTrainingOnly() throws Exception {
        int[][] tokens = {{1, 5, 9, 13, 2, 7, 30, 31}};
        boolean[][] trained = {{false, true, true, true, true, true, true, true}};
        var config = TinyConfigs.llama();
        config.put("initializer_range", 0.3);
        config.put("attention_dropout", 0.5);
        var plain = TinyConfigs.llama();
        plain.put("initializer_range", 0.3);
        try (LlamaNetwork net = LlamaNetwork.initialise(config, 7); LlamaNetwork ref = LlamaNetwork.initialise(plain, 7)) {
            assertEquals(lossOf(ref, tokens, trained, false), lossOf(net, tokens, trained, false));
            assertEquals(lossOf(ref, tokens, trained, true), lossOf(ref, tokens, trained, false));
            Djl.seed(1);
            float dropped = lossOf(net, tokens, trained, true);
            assertTrue(dropped != lossOf(ref, tokens, trained, false), "attention dropout changes the loss");
        }
    }
}
