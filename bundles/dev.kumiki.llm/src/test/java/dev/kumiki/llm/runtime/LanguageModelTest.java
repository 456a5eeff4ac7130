package dev.kumiki.llm.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.stream.IntStream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kumiki.llm.GenerationSettings;
import dev.kumiki.llm.LanguageModel;
import dev.kumiki.llm.LanguageModel.ContextTooLongException;
import dev.kumiki.llm.LanguageModel.StopReason;
import dev.kumiki.tensor.hardware.Backend;
import dev.kumiki.tensor.kernel.Kernels;

/**
 * The text-level API on a tiny Llama with a one-token-per-byte tokenizer: scores are checked against sums of
 * log-softmaxes computed here from {@link Transformer#logits} (one full pass per check, no cache), generations against
 * the token-level generator.
 */
class LanguageModelTest {
    @TempDir
    Path tmp;
    Path dir;

    @BeforeEach
    void model() throws Exception {
        // no eos_token_id in config.json: generations stop only where a test's tokenizer says
        dir = TinyModel.llama().set(m -> {
            m.maxPositions = 32;
            m.extra.put("eos_token_id", null);
        }).write(tmp.resolve("llama"));
    }

    private TransformerLanguageModel open() throws Exception {
        return TransformerLanguageModel.open(dir, new ByteTokenizer(),
                new RuntimeOptions(Kernels.of(Backend.VECTOR), 2, 8));
    }

    /** Σ log softmax(logits[i-1])[tokens[i]] for i in [from, tokens.length), from one uncached pass. */
    private static double expected(Transformer t, int[] tokens, int from) {
        float[][] logits = t.logits(Arrays.copyOf(tokens, tokens.length - 1));
        double sum = 0;
        for (int i = from; i < tokens.length; i++) {
            float[] row = logits[i - 1];
            double max = Double.NEGATIVE_INFINITY;
            for (float l : row) {
                max = Math.max(max, l);
            }
            double z = 0;
            for (float l : row) {
                z += Math.exp(l - max);
            }
            sum += row[tokens[i]] - max - Math.log(z);
        }
        return sum;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    @Test
    void loglikelihoodScoresTheContinuationTokensOnly() throws Exception {
        try (TransformerLanguageModel lm = open()) {
            ByteTokenizer tok = new ByteTokenizer();
            LanguageModel.LogLikelihood l = lm.loglikelihood("Question: 2+2=", "4 ok");
            int[] ctx = tok.encode("Question: 2+2=", false);
            int[] all = concat(ctx, tok.encode("4 ok", false));
            assertEquals(4, l.tokens());
            assertEquals(expected(lm.transformer(), all, ctx.length), l.logprob(), 1e-4);
            assertTrue(l.logprob() < 0);
        }
    }

    @Test
    void trailingWhitespaceOfTheContextMovesToTheContinuation() throws Exception {
        try (TransformerLanguageModel lm = open()) {
            LanguageModel.LogLikelihood moved = lm.loglikelihood("The answer is ", "yes");
            LanguageModel.LogLikelihood plain = lm.loglikelihood("The answer is", " yes");
            assertEquals(4, moved.tokens(), "' yes' is scored: the space moved to the continuation");
            // the same tokens, but the second call reuses the first's prefix (its cached keys and values) and sums in
            // another order: float32 rounding, 8e-7 apart once in CI (2026-12-02); another tokenization would differ
            // by far more than 1e-5
            assertEquals(plain.logprob(), moved.logprob(), 1e-5);
            assertEquals(plain.greedy(), moved.greedy());
        }
    }

    @Test
    void anEmptyContextIsTheBeginningOfSequenceToken() throws Exception {
        try (TransformerLanguageModel lm = open()) {
            ByteTokenizer tok = new ByteTokenizer();
            LanguageModel.LogLikelihood l = lm.loglikelihood("", "abc");
            int[] all = concat(new int[] {ByteTokenizer.BOS}, tok.encode("abc", false));
            assertEquals(3, l.tokens());
            assertEquals(expected(lm.transformer(), all, 1), l.logprob(), 1e-4);
        }
    }

    @Test
    void isGreedyWhenTheContinuationIsTheArgmaxAtEveryPosition() throws Exception {
        try (TransformerLanguageModel lm = open()) {
            ByteTokenizer tok = new ByteTokenizer();
            int[] ctx = tok.encode("hello", false);
            int[] greedy = Generator.generate(lm.transformer(), ctx, GenerationSettings.greedy(4), List.of())
                    .tokens();
            // the greedy tokens of a random model need not be valid UTF-8: score them as tokens
            LanguageModel.LogLikelihood l = scoreTokens(lm, ctx, greedy);
            assertTrue(l.greedy(), "the model's own greedy continuation is greedy");
            int[] other = greedy.clone();
            other[2] = other[2] == 50 ? 51 : 50;
            assertFalse(scoreTokens(lm, ctx, other).greedy(), "a changed token is not greedy");
        }
    }

    /** Through a tokenizer whose text is the tokens themselves (one char per token id), sharing lm's transformer. */
    private static LanguageModel.LogLikelihood scoreTokens(TransformerLanguageModel lm, int[] ctx, int[] cont) {
        CharTokenizer chars = new CharTokenizer();
        // not closed: closing it would close the transformer lm still uses
        TransformerLanguageModel byChar = TransformerLanguageModel.of(lm.transformer(), chars);
        LanguageModel.LogLikelihood l = byChar.loglikelihood(chars.text(ctx), chars.text(cont));
        assertEquals(expected(lm.transformer(), concat(ctx, cont), ctx.length), l.logprob(), 1e-4);
        return l;
    }

    @Test
    void multipleChoiceScoresReuseTheSharedPrefixWithoutChangingThem() throws Exception {
        try (TransformerLanguageModel lm = open()) {
            String ctx = "Pick one:";
            double[] cached = new double[3];
            String[] choices = {" red", " green", " blue"};
            for (int i = 0; i < 3; i++) {
                cached[i] = lm.loglikelihood(ctx, choices[i]).logprob();
            }
            ByteTokenizer tok = new ByteTokenizer();
            for (int i = 0; i < 3; i++) {
                int[] c = tok.encode(ctx, false);
                assertEquals(expected(lm.transformer(), concat(c, tok.encode(choices[i], false)), c.length),
                        cached[i], 1e-4, choices[i]);
            }
        }
    }

    @Test
    void rollingWindowsAreLmEvaluationHarnessOnes() {
        // lm-evaluation-harness's own example: 34 tokens, max_seq_len 10, context_len 1, made disjoint
        int[] tokens = IntStream.range(0, 34).toArray();
        List<int[][]> w = TransformerLanguageModel.rollingWindows(tokens, OptionalInt.of(-100), 10);
        assertEquals(4, w.size());
        assertArrayEquals(new int[] {-100}, w.get(0)[0]);
        assertArrayEquals(IntStream.range(0, 10).toArray(), w.get(0)[1]);
        assertArrayEquals(new int[] {9}, w.get(1)[0]);
        assertArrayEquals(IntStream.range(10, 20).toArray(), w.get(1)[1]);
        assertArrayEquals(new int[] {19}, w.get(2)[0]);
        assertArrayEquals(IntStream.range(20, 30).toArray(), w.get(2)[1]);
        assertArrayEquals(IntStream.range(23, 30).toArray(), w.get(3)[0]);
        assertArrayEquals(IntStream.range(30, 34).toArray(), w.get(3)[1]);
    }

    @Test
    void rollingLoglikelihoodScoresEveryTokenOnceInWindowsThatFit() throws Exception {
        try (TransformerLanguageModel lm = open()) {
            String text = "A long text that does not fit in the 32-token context of the tiny model at all.";
            int[] tokens = new ByteTokenizer().encode(text, false);
            assertTrue(tokens.length > 2 * 32);
            LanguageModel.RollingLogLikelihood r = lm.loglikelihoodRolling(text);
            assertEquals(tokens.length, r.tokens());
            double expected = 0;
            for (int[][] w : TransformerLanguageModel.rollingWindows(tokens, OptionalInt.of(ByteTokenizer.BOS), 32)) {
                int[] all = concat(w[0], w[1]);
                assertTrue(all.length - 1 <= 32, "a window's input fits the context");
                expected += expected(lm.transformer(), all, w[0].length);
            }
            assertEquals(expected, r.logprob(), 1e-3);
        }
    }

    @Test
    void withoutATokenizerBosTheConfigsBosTokenStartsTheText() throws Exception {
        try (TransformerLanguageModel lm = TransformerLanguageModel.of(Transformer.open(dir,
                new RuntimeOptions(Kernels.scalar(), 1, 8)), new ByteTokenizer(false))) {
            // config.json's bos_token_id 0 is used when the tokenizer has none
            LanguageModel.RollingLogLikelihood r = lm.loglikelihoodRolling("abc");
            assertEquals(3, r.tokens());
            assertEquals(expected(lm.transformer(), new int[] {0, 100, 101, 102}, 1), r.logprob(), 1e-4);
        }
    }

    @Test
    void greedyGenerationIsTheTokenLevelGreedyGenerationDecoded() throws Exception {
        try (TransformerLanguageModel lm = open()) {
            ByteTokenizer tok = new ByteTokenizer();
            int[] prompt = tok.encode("Hi", false);
            int[] tokens = Generator.generate(lm.transformer(), prompt, GenerationSettings.greedy(10),
                    List.of(ByteTokenizer.EOS)).tokens();
            List<String> pieces = new ArrayList<>();
            LanguageModel.Generation g = lm.generate("Hi", GenerationSettings.greedy(10), pieces::add);
            assertEquals(tok.decode(tokens, true), g.text());
            assertEquals(String.join("", pieces), g.text(), "the streamed pieces make up the text");
            assertEquals(2, g.promptTokens());
            assertEquals(tokens.length, g.generatedTokens());
            assertEquals(tokens.length == 10 ? StopReason.MAX_TOKENS : StopReason.END_OF_SEQUENCE, g.reason());
        }
    }

    @Test
    void generationStopsBeforeTheFirstStopString() throws Exception {
        // a tokenizer whose every token decodes to a character, so that any generated text can hold a stop string
        CharTokenizer chars = new CharTokenizer();
        try (TransformerLanguageModel lm = TransformerLanguageModel.of(Transformer.open(dir,
                new RuntimeOptions(Kernels.of(Backend.VECTOR), 2, 8)), chars)) {
            String free = lm.generate("abc", GenerationSettings.greedy(12), null).text();
            assertEquals(12, free.length());
            String stop = free.substring(5, 7);
            int at = free.indexOf(stop);
            List<String> pieces = new ArrayList<>();
            LanguageModel.Generation g = lm.generate("abc", GenerationSettings.greedy(12)
                    .withStop(List.of("never there", stop)), pieces::add);
            assertEquals(free.substring(0, at), g.text());
            assertEquals(StopReason.STOP_STRING, g.reason());
            assertEquals(at + stop.length(), g.generatedTokens(), "generation ends with the stop string's last token");
            assertEquals(g.text(), String.join("", pieces), "no piece of the stop string was streamed");
        }
    }

    @Test
    void generationStopsAtTheEndOfSequenceToken() throws Exception {
        CharTokenizer chars = new CharTokenizer();
        int first;
        try (Transformer t = Transformer.open(dir, new RuntimeOptions(Kernels.scalar(), 1, 8))) {
            first = Generator.generate(t, chars.encode("abc", false), GenerationSettings.greedy(1), List.of())
                    .tokens()[0];
        }
        CharTokenizer withEos = new CharTokenizer(first);
        try (TransformerLanguageModel lm = TransformerLanguageModel.of(Transformer.open(dir,
                new RuntimeOptions(Kernels.scalar(), 1, 8)), withEos)) {
            LanguageModel.Generation g = lm.generate("abc", GenerationSettings.greedy(5), null);
            assertEquals(StopReason.END_OF_SEQUENCE, g.reason());
            assertEquals("", g.text());
            assertEquals(0, g.generatedTokens());
        }
    }

    @Test
    void aFullContextEndsTheGeneration() throws Exception {
        try (TransformerLanguageModel lm = TransformerLanguageModel.of(Transformer.open(dir,
                new RuntimeOptions(Kernels.scalar(), 1, 8)), new CharTokenizer())) {
            LanguageModel.Generation g = lm.generate("x".repeat(28), GenerationSettings.greedy(20), null);
            assertEquals(StopReason.CONTEXT_FULL, g.reason());
            assertEquals(5, g.generatedTokens(), "positions 28..31 hold 4 generated tokens, the 5th has no room");
        }
    }

    @Test
    void seededSamplingGivesTheSameTextEveryRun() throws Exception {
        try (TransformerLanguageModel lm = TransformerLanguageModel.of(Transformer.open(dir,
                new RuntimeOptions(Kernels.of(Backend.VECTOR), 2, 8)), new CharTokenizer())) {
            GenerationSettings s = GenerationSettings.sampled(16, 0.9, 1234).withTopK(50).withTopP(0.95);
            String a = lm.generate("seed", s, null).text();
            String b = lm.generate("seed", s, null).text();
            String c = lm.generate("seed", GenerationSettings.sampled(16, 0.9, 99).withTopK(50).withTopP(0.95),
                    null).text();
            assertEquals(a, b);
            assertNotEquals(a, c);
        }
    }

    @Test
    void aPromptLongerThanTheContextIsRefusedSayingBothLengths() throws Exception {
        try (TransformerLanguageModel lm = open()) {
            ContextTooLongException e = assertThrows(ContextTooLongException.class,
                    () -> lm.generate("y".repeat(40), GenerationSettings.greedy(5), null));
            assertEquals("the prompt is 40 tokens; llama accepts at most 32 (max_position_embeddings); shorten the "
                    + "prompt", e.getMessage());
            ContextTooLongException s = assertThrows(ContextTooLongException.class,
                    () -> lm.loglikelihood("z".repeat(30), "abcd"));
            assertTrue(s.getMessage().startsWith("the context and continuation are 34 tokens (30 + 4); llama "
                    + "accepts at most 33"), s.getMessage());
        }
    }
}
