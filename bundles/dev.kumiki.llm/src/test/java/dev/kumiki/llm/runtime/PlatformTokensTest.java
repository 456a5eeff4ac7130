package dev.kumiki.llm.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kumiki.llm.GenerationSettings;
import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.hardware.HardwareProfile;
import dev.kumiki.tensor.kernel.Kernels;

/**
 * One seeded model, one prompt, the same greedy tokens on every machine and vector width: this test also runs with
 * 256- and 128-bit vectors and inside the emulated A64FX JVM (512-bit SVE), see the pom. The expected tokens were
 * computed on x86_64 and are the PyTorch reference's too (checked on x86_64, where the reference runs).
 */
class PlatformTokensTest {
    static final int[] PROMPT = {0, 17, 203, 5, 99, 42, 42, 250, 3, 128, 64, 7};
    static final int[] EXPECTED = {155, 2, 240, 197, 245, 1, 69, 97, 106, 106, 106, 106, 106, 106, 106, 106, 106, 106, 106,
        106, 106, 106, 106, 106};

    @TempDir
    Path tmp;

    @Test
    void greedyTokensAreTheSameOnEveryPlatformAndVectorWidth() throws Exception {
        Path dir = TinyModel.of("Qwen3ForCausalLM").set(m -> {
            m.headDim = 24;
            m.dtype = DType.BF16;
        }).write(tmp.resolve("m"));
        Kernels kernels = Kernels.of(HardwareProfile.detect());
        int[] vector;
        int[] scalar;
        float[][] vectorLogits;
        float[][] scalarLogits;
        try (Transformer t = Transformer.open(dir, new RuntimeOptions(kernels, 2, 4))) {
            vector = Generator.generate(t, PROMPT, GenerationSettings.greedy(24), List.of()).tokens();
            vectorLogits = t.logits(PROMPT);
        }
        try (Transformer t = Transformer.open(dir, new RuntimeOptions(Kernels.scalar(), 1, 4))) {
            scalar = Generator.generate(t, PROMPT, GenerationSettings.greedy(24), List.of()).tokens();
            scalarLogits = t.logits(PROMPT);
        }
        double rel = PythonReference.relativeDifference(vectorLogits, scalarLogits);
        System.out.printf("%s on %s: %s vs scalar, max relative logit difference %.3g; tokens %s%n",
                System.getProperty("os.arch"), HardwareProfile.detect().backend(), kernels.name(), rel,
                Arrays.toString(vector));
        assertTrue(rel < 1e-5, kernels.name() + " differs from the scalar kernels by " + rel);
        assertArrayEquals(scalar, vector, kernels.name() + " and scalar kernels generate different tokens");
        assertArrayEquals(EXPECTED, vector, "the tokens differ from those computed on x86_64");
        if (System.getProperty("os.arch").equals("amd64")) {
            // where the PyTorch reference runs (not inside the emulated JVM), the expected tokens are its tokens
            assertArrayEquals(EXPECTED, PythonReference.run(dir, PROMPT, "float32", 24).generated());
        }
    }
}
