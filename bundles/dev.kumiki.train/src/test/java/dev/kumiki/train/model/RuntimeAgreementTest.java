package dev.kumiki.train.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.kumiki.llm.runtime.RuntimeOptions;
import dev.kumiki.llm.runtime.Transformer;

/**
 * The two forward passes agree: a model initialised in DJL, saved as a Hugging Face folder (config.json and an F32
 * model.safetensors written by {@link LlamaNetwork#writeSafetensors}), gives the same logits in Kumiki's Java runtime
 * ({@link Transformer}) as {@link LlamaNetwork#logits} at every position, within {@code max|a − b| / max|b|} < 1e-4
 * (both compute in float32 from the same weights; only the order of additions differs). Loading the folder back into
 * DJL gives the same weights bit for bit.
 */
class RuntimeAgreementTest {
    static final int[] PROMPT = {1, 17, 3, 40, 40, 63, 0, 22, 9, 31, 5, 58, 12, 2, 44, 7, 19, 30, 11, 6};

    @TempDir
    Path tmp;

    static Stream<Arguments> configs() {
        // a wider initialisation than transformers' 0.02, so that the logits are far from uniform and a wrong
        // rotation or head layout shows
        return Stream.of(
                Arguments.of("llama-gqa", wide(TinyConfigs.llama())),
                Arguments.of("llama3-rope", wide(TinyConfigs.llama3Rope())),
                Arguments.of("qwen2-biases-tied", wide(TinyConfigs.qwen2Tied())),
                Arguments.of("qwen3-qk-norm-mqa", wide(TinyConfigs.qwen3())));
    }

    private static ObjectNode wide(ObjectNode config) {
        config.put("initializer_range", 0.25);
        return config;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void djlAndTheJavaRuntimeGiveTheSameLogits(String name, ObjectNode config) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(name));
        float[] djl;
        Map<String, float[]> saved;
        try (LlamaNetwork net = LlamaNetwork.initialise(config, 21)) {
            Files.writeString(dir.resolve("config.json"), net.configJson().toPrettyString());
            net.writeSafetensors(dir.resolve("model.safetensors"), Map.of("format", "pt"));
            djl = net.logits(PROMPT);
            saved = net.weights();
        }
        int vocab = config.get("vocab_size").asInt();
        assertEquals(PROMPT.length * vocab, djl.length);
        float[][] runtime;
        try (Transformer t = Transformer.open(dir, RuntimeOptions.defaults().withThreads(1))) {
            runtime = t.logits(PROMPT);
        }
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < PROMPT.length; i++) {
            for (int v = 0; v < vocab; v++) {
                diff = Math.max(diff, Math.abs(djl[i * vocab + v] - runtime[i][v]));
                scale = Math.max(scale, Math.abs(runtime[i][v]));
            }
        }
        System.out.printf("runtime agreement %s: max relative logit difference %.3g (largest logit %.3g)%n", name,
                diff / scale, scale);
        assertTrue(scale > 1, name + ": logits of at most " + scale + " are too flat to show anything");
        assertTrue(diff / scale < 1e-4, name + ": DJL and the runtime differ by " + diff / scale);

        try (LlamaNetwork back = LlamaNetwork.load(dir)) {
            Map<String, float[]> loaded = back.weights();
            assertEquals(saved.keySet(), loaded.keySet());
            saved.forEach((n, v) -> assertArrayEquals(v, loaded.get(n), n));
            assertArrayEquals(djl, back.logits(PROMPT));
        }
    }
}
