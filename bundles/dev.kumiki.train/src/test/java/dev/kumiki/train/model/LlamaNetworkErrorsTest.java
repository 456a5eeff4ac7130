package dev.kumiki.train.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.kernel.ScalarKernels;
import dev.kumiki.train.LoraSettings;
import dev.kumiki.train.TrainingException;

/** What a user sees for a model or LoRA setting that cannot be trained, and BF16/F16 weights that can. */
class LlamaNetworkErrorsTest {

    @TempDir
    Path tmp;

    private static LoraSettings lora(int rank, String... targets) {
        return new LoraSettings(rank, 16, 0, List.of(targets), false);
    }

    @Test
    void aTargetModuleThatMatchesNothingNamesTheNearestModules() throws Exception {
        try (LlamaNetwork net = LlamaNetwork.initialise(TinyConfigs.llama(), 1)) {
            TrainingException e = assertThrows(TrainingException.class,
                    () -> net.addLora(lora(4, "q_proj", "v_prj"), 1));
            assertTrue(e.getMessage().startsWith("LoRA target module 'v_prj' matches no linear module of the model "
                    + "config; did you mean 'v_proj'?"), e.getMessage());
            assertTrue(e.getMessage().contains("The linear modules are named down_proj, gate_proj, k_proj, lm_head, "
                    + "o_proj, q_proj, up_proj, v_proj"), e.getMessage());
            assertTrue(e.getMessage().contains("for example model.layers.0.self_attn.v_proj"), e.getMessage());
            // nothing was added: the model still trains all its weights
            assertTrue(net.lora().isEmpty());
            assertEquals(net.weights().keySet(), net.trainable().keySet());

            TrainingException far = assertThrows(TrainingException.class, () -> net.addLora(lora(4, "c_attn"), 1));
            assertTrue(far.getMessage().startsWith("LoRA target module 'c_attn' matches no linear module of the "
                    + "model config; The linear modules are named"), far.getMessage());
        }
    }

    @Test
    void aRankLargerThanTheLayerIsRefused() throws Exception {
        try (LlamaNetwork net = LlamaNetwork.initialise(TinyConfigs.llama(), 1)) {
            // k_proj maps hidden 32 to 2 key/value heads × 8 = 16
            TrainingException e = assertThrows(TrainingException.class,
                    () -> net.addLora(lora(20, "q_proj", "k_proj"), 1));
            assertEquals("LoRA rank r = 20 is larger than module model.layers.0.self_attn.k_proj allows: it maps 32 "
                    + "inputs to 16 outputs, so r can be at most 16; choose a smaller r or other target_modules",
                    e.getMessage());
            TrainingException zero = assertThrows(TrainingException.class, () -> net.addLora(lora(0, "q_proj"), 1));
            assertEquals("LoRA rank r must be at least 1, found 0", zero.getMessage());
            net.addLora(lora(16, "all-linear"), 1);
            assertEquals(2 * 7 * 2, net.trainable().size(), "A and B of every linear layer but lm_head");
        }
    }

    @Test
    void anUnsupportedArchitectureIsRefused() {
        ObjectNode config = TinyConfigs.llama();
        config.putArray("architectures").add("GPT2LMHeadModel");
        TrainingException e = assertThrows(TrainingException.class, () -> LlamaNetwork.initialise(config, 1));
        assertEquals("the model config: architecture 'GPT2LMHeadModel' (key 'architectures') is not supported; "
                + "Kumiki runs LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM",
                e.getMessage());
    }

    @Test
    void bf16AndF16FoldersLoadAsTheirExactFloat32Values() throws Exception {
        ObjectNode config = TinyConfigs.llama();
        Map<String, float[]> weights = TestModels.randomWeights(config, 8);
        Path bf16 = TestModels.writeFolder(tmp.resolve("bf16"), config, weights, DType.BF16);
        Path f16 = TestModels.writeFolder(tmp.resolve("f16"), config, weights, DType.F16);
        try (LlamaNetwork b = LlamaNetwork.load(bf16); LlamaNetwork h = LlamaNetwork.load(f16)) {
            Map<String, float[]> bw = b.weights();
            Map<String, float[]> hw = h.weights();
            for (Map.Entry<String, float[]> e : weights.entrySet()) {
                float[] v = e.getValue();
                float[] expectedB = new float[v.length];
                float[] expectedH = new float[v.length];
                for (int i = 0; i < v.length; i++) {
                    expectedB[i] = ScalarKernels.bf16ToFloat(ScalarKernels.floatToBf16(v[i]));
                    expectedH[i] = Float.float16ToFloat(Float.floatToFloat16(v[i]));
                }
                assertArrayEquals(expectedB, bw.get(e.getKey()), e.getKey());
                assertArrayEquals(expectedH, hw.get(e.getKey()), e.getKey());
            }
            // and the converted model trains: a loss with gradients
            assertTrue(Float.isFinite(OneStepReferenceTest.step(b).gradients()
                    .get("model.layers.0.self_attn.q_proj.weight")[0]));
        }
    }

    @Test
    void aTensorOfAnUntrainableTypeIsNamed() throws Exception {
        ObjectNode config = TinyConfigs.llama();
        Path dir = TestModels.writeFolder(tmp.resolve("int"), config, TestModels.randomWeights(config, 8), DType.F32,
                Map.of("model.layers.1.mlp.up_proj.weight", DType.I32));
        TrainingException e = assertThrows(TrainingException.class, () -> LlamaNetwork.load(dir));
        assertTrue(e.getMessage().contains("tensor 'model.layers.1.mlp.up_proj.weight' is I32, which cannot be "
                + "trained; Kumiki trains F32, F16, BF16 and F64 weights"), e.getMessage());
        assertTrue(e.getMessage().startsWith("the weights in " + dir.toAbsolutePath().normalize()), e.getMessage());
    }

    @Test
    void aFolderWithoutConfigIsNamed() {
        TrainingException e = assertThrows(TrainingException.class, () -> LlamaNetwork.load(tmp));
        assertEquals(tmp + " has no config.json; a Hugging Face model folder has one (give the model folder, not a "
                + "file in it)", e.getMessage());
    }
}
