package dev.kumiki.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kumiki.eval.report.Outputs;
import dev.kumiki.eval.task.Doc;
import dev.kumiki.eval.task.Task;
import dev.kumiki.eval.task.TaskCatalog;
import dev.kumiki.eval.task.TaskConfig;
import dev.kumiki.eval.tasks.ShippedTasks;
import dev.kumiki.llm.GenerationSettings;
import dev.kumiki.llm.LanguageModel;
import dev.kumiki.llm.Tokenizer;

/**
 * The tasks shipped with Kumiki, read and run by the harness with their own filters and metrics: a model that knows
 * every answer scores 1 on each accuracy-like metric, and the perplexities follow their definitions.
 */
class ShippedTasksRunTest {
    @TempDir
    Path dir;

    /** Answers each generation with the evaluated document's target, and prefers each gold choice. */
    private static final class Oracle implements LanguageModel {
        final Map<String, String> answers = new HashMap<>();
        final Map<String, String> gold = new HashMap<>();

        @Override
        public String name() {
            return "oracle";
        }

        @Override
        public Tokenizer tokenizer() {
            return new Tokenizer() {
                @Override
                public int[] encode(String text, boolean addSpecialTokens) {
                    return text.codePoints().toArray();
                }

                @Override
                public String decode(int[] tokens, boolean skipSpecialTokens) {
                    return new String(tokens, 0, tokens.length);
                }

                @Override
                public int vocabularySize() {
                    return 0x110000;
                }

                @Override
                public OptionalInt bosToken() {
                    return OptionalInt.empty();
                }

                @Override
                public List<Integer> eosTokens() {
                    return List.of();
                }

                @Override
                public String applyChatTemplate(List<ChatMessage> messages, boolean addGenerationPrompt) {
                    throw new UnsupportedOperationException();
                }
            };
        }

        @Override
        public int contextLength() {
            return 1 << 20;
        }

        private String key(String prompt) {
            return answers.keySet().stream().filter(prompt::endsWith).findFirst()
                    .orElseThrow(() -> new AssertionError("an unexpected prompt: " + prompt));
        }

        @Override
        public LogLikelihood loglikelihood(String context, String continuation) {
            String g = gold.get(key(context));
            // counters_ja's target_delimiter is "": the continuation is the choice itself
            boolean right = continuation.strip().equals(g);
            return new LogLikelihood(right ? -1 : -10, right, 1);
        }

        @Override
        public RollingLogLikelihood loglikelihoodRolling(String text) {
            int n = text.codePointCount(0, text.length());
            return new RollingLogLikelihood(-0.5 * n, n);
        }

        @Override
        public Generation generate(String prompt, GenerationSettings settings, TokenListener listener) {
            String a = answers.get(key(prompt));
            return new Generation(a, 0, a.length(), StopReason.STOP_STRING);
        }

        @Override
        public void close() {
        }
    }

    @Test
    void everyShippedTaskRunsAndAPerfectModelScoresOne() throws Exception {
        ShippedTasks.write(dir.resolve("tasks"));
        TaskCatalog catalog = TaskCatalog.scan(List.of(dir.resolve("tasks")));
        assertEquals(List.of("arith_en", "arith_ja", "counters_ja", "mult_en", "mult_ja", "ppl_en", "ppl_ja", "qa_ja"),
                catalog.tasks().keySet().stream().sorted().toList());
        Oracle oracle = new Oracle();
        Evaluation.Builder b = Evaluation.builder(oracle).optLimit(20);
        List<Task> tasks = new ArrayList<>();
        for (TaskConfig c : catalog.tasks().values()) {
            Task t = Task.of(c);
            tasks.add(t);
            b.addTask(t);
            if (c.outputType() == TaskConfig.OutputType.LOGLIKELIHOOD_ROLLING) {
                continue;
            }
            for (Doc d : t.evalDocs()) {
                // as a model continues a prompt: the target delimiter, then the answer
                oracle.answers.put(t.text(d), c.targetDelimiter() + t.targetText(d));
                oracle.gold.put(t.text(d), t.targetText(d));
            }
        }
        EvaluationResults r = Outputs.run(b.build(), dir.resolve("out"));
        assertEquals(8, r.tasks().size());
        for (TaskResult t : r.tasks()) {
            assertEquals(20, t.effective(), t.task());
            for (MetricResult m : t.metrics()) {
                assertTrue(Double.isFinite(m.value()), m.key());
                if (m.higherIsBetter()) {
                    assertEquals(1.0, m.value(), 1e-12, t.task() + " " + m.key());
                    assertEquals(0.0, m.stderr(), 0.0, t.task() + " " + m.key());
                } else {
                    assertTrue(Double.isFinite(m.stderr()) && m.stderr() >= 0, t.task() + " " + m.key());
                }
            }
        }
        assertEquals(List.of("exact_match,strict-match", "exact_match,flexible-extract", "exact_match,japanese-only"),
                r.task("arith_ja").orElseThrow().metrics().stream().map(MetricResult::key).toList());
        assertEquals(List.of("exact_match,none", "char_f1,none", "rouge_l,none", "token_f1,none"),
                r.task("qa_ja").orElseThrow().metrics().stream().map(MetricResult::key).toList());
        // bits per byte of ppl_ja by its definition, over the 20 documents evaluated
        Task ppl = tasks.stream().filter(t -> t.config().task().equals("ppl_ja")).findFirst().orElseThrow();
        double ll = 0;
        double bytes = 0;
        for (Doc d : ppl.evalDocs().subList(0, 20)) {
            String text = ppl.targetText(d);
            ll += -0.5 * text.codePointCount(0, text.length());
            bytes += text.getBytes(StandardCharsets.UTF_8).length;
        }
        assertEquals(-ll / bytes / Math.log(2), r.task("ppl_ja").orElseThrow().metric("bits_per_byte", "none")
                .orElseThrow().value(), 1e-12);
    }
}
