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
}
