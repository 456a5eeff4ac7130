package dev.kumiki.llm.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.Shape;
import dev.kumiki.tensor.TensorFormatException;
import dev.kumiki.tensor.TensorInfo;
import dev.kumiki.tensor.kernel.Kernels;

/** Models the runtime must refuse, each with a message naming the file and the key or tensor. */
class ConfigErrorsTest {
    @TempDir
    Path tmp;

    private String refusal(TinyModel m) throws Exception {
        Path dir = m.write(tmp.resolve("m" + System.nanoTime()));
        return refusal(dir);
    }

    private static String refusal(Path dir) {
        TensorFormatException e = assertThrows(TensorFormatException.class,
                () -> Transformer.open(dir, new RuntimeOptions(Kernels.scalar(), 1, 8)).close());
        return e.getMessage();
    }


    @Test
    void anUnsupportedArchitectureIsNamedWithTheSupportedOnes() throws Exception {
        Path dir = TinyModel.llama().write(tmp.resolve("gemma"));
        Files.writeString(dir.resolve("config.json"), Files.readString(dir.resolve("config.json"))
                .replace("LlamaForCausalLM", "GemmaForCausalLM"));
        assertEquals(dir.resolve("config.json").toAbsolutePath() + ": architecture 'GemmaForCausalLM' (key "
                + "'architectures') is not supported; Kumiki runs LlamaForCausalLM, MistralForCausalLM, "
                + "Qwen2ForCausalLM, Qwen3ForCausalLM", refusal(dir));
    }

    @Test
    void settingsThatChangeTheMathsAreRefusedByKey() throws Exception {
        Map<String, Object> yarn = Map.of("rope_type", "yarn", "factor", 4.0, "original_max_position_embeddings", 32);
        String m = refusal(TinyModel.llama().set(x -> x.extra.put("rope_scaling", yarn)));
        assertTrue(m.endsWith("config.json: rope_scaling has rope_type 'yarn'; Kumiki supports no scaling "
                + "('default' or null) and 'llama3' only"), m);

        m = refusal(TinyModel.llama().set(x -> x.extra.put("hidden_act", "gelu_pytorch_tanh")));
        assertTrue(m.endsWith("config.json: hidden_act is 'gelu_pytorch_tanh'; Kumiki runs the SwiGLU MLP with "
                + "'silu' only"), m);

        m = refusal(TinyModel.of("MistralForCausalLM").set(x -> x.extra.put("sliding_window", 64)));
        assertTrue(m.endsWith("config.json: sliding_window is 64, shorter than max_position_embeddings (128); "
                + "Kumiki runs full causal attention only and would compute different results for longer "
                + "sequences"), m);

        m = refusal(TinyModel.of("Qwen2ForCausalLM").set(x -> {
            x.extra.put("use_sliding_window", true);
            x.extra.put("sliding_window", 16);
            x.extra.put("max_window_layers", 1);
        }));
        assertTrue(m.contains("sliding_window is 16 with use_sliding_window true"), m);

        m = refusal(TinyModel.llama().set(x -> x.extra.put("final_logit_softcapping", 30.0)));
        assertTrue(m.endsWith("config.json: key 'final_logit_softcapping' (30.0) belongs to another model family "
                + "and changes the maths; LlamaForCausalLM as Kumiki runs it has no such setting"), m);

        m = refusal(TinyModel.llama().set(x -> x.extra.put("mlp_bias", true)));
        assertTrue(m.endsWith("config.json: mlp_bias is true; Kumiki runs MLPs without biases"), m);
    }

    @Test
    void harmlessSettingsAreAccepted() throws Exception {
        // Qwen2's window is off (use_sliding_window false); Mistral's is as long as the context; "default" rope
        for (TinyModel m : List.of(
                TinyModel.of("Qwen2ForCausalLM").set(x -> {
                    x.extra.put("use_sliding_window", false);
                    x.extra.put("sliding_window", 4);
                }),
                TinyModel.of("MistralForCausalLM").set(x -> x.extra.put("sliding_window", 4096)),
                TinyModel.llama().set(x -> x.extra.put("rope_scaling", Map.of("rope_type", "default"))))) {
            Path dir = m.write(tmp.resolve("ok" + System.nanoTime()));
            try (Transformer t = Transformer.open(dir, new RuntimeOptions(Kernels.scalar(), 1, 8))) {
                assertEquals(260, t.logits(new int[] {1, 2})[1].length);
            }
        }
    }

    @Test
    void aMissingTensorIsNamedWithItsShape() throws Exception {
        TinyModel m = TinyModel.llama();
        List<TensorInfo> tensors = new ArrayList<>(m.tensors());
        tensors.removeIf(t -> t.name().equals("model.layers.1.mlp.up_proj.weight"));
        Path dir = m.write(tmp.resolve("missing"), tensors);
        String msg = refusal(dir);
        assertTrue(msg.startsWith("the weights of missing do not match " + dir.resolve("config.json").toAbsolutePath()
                + " (LlamaForCausalLM, hidden_size 64, num_attention_heads 4, num_key_value_heads 2, head_dim 16, "
                + "intermediate_size 96, vocab_size 260): tensor 'model.layers.1.mlp.up_proj.weight' is missing "
                + "(expected shape [96, 64])"), msg);
    }

    @Test
    void aWrongShapeIsNamedWithExpectedAndFound() throws Exception {
        TinyModel m = TinyModel.llama();
        List<TensorInfo> tensors = new ArrayList<>(m.tensors());
        tensors.replaceAll(t -> t.name().equals("model.layers.0.self_attn.k_proj.weight")
                ? new TensorInfo(t.name(), DType.F32, Shape.of(64, 64)) : t);
        String msg = refusal(m.write(tmp.resolve("shape"), tensors));
        assertTrue(msg.endsWith("tensor 'model.layers.0.self_attn.k_proj.weight' has shape [64, 64], expected "
                + "[32, 64]"), msg);
    }

    @Test
    void aTensorTheConfigDoesNotExplainIsRefused() throws Exception {
        TinyModel m = TinyModel.llama();
        List<TensorInfo> tensors = new ArrayList<>(m.tensors());
        tensors.add(new TensorInfo("model.layers.0.self_attn.q_proj.bias", DType.F32, Shape.of(64)));
        String msg = refusal(m.write(tmp.resolve("bias"), tensors));
        assertTrue(msg.endsWith("tensor 'model.layers.0.self_attn.q_proj.bias' is not part of a LlamaForCausalLM "
                + "with this config (a bias the config does not switch on: attention_bias?)"), msg);
    }

    @Test
    void aMissingOrMalformedKeyIsNamed() throws Exception {
        Path dir = TinyModel.llama().write(tmp.resolve("nokey"));
        Files.writeString(dir.resolve("config.json"), Files.readString(dir.resolve("config.json"))
                .replace("\"max_position_embeddings\"", "\"max_positions\""));
        assertTrue(refusal(dir).endsWith("config.json: has no 'max_position_embeddings'; it is needed to run the "
                + "model"));
        String m = refusal(TinyModel.llama().set(x -> x.extra.put("num_key_value_heads", 3)));
        assertTrue(m.endsWith("config.json: num_attention_heads (4) must be a multiple of num_key_value_heads (3)"),
                m);
    }
}
