package dev.kumiki.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.kumiki.eval.task.Task;

/**
 * The runner against a table-driven model: requests per output type, scores, aggregations and standard errors
 * against an independent Python computation of lm-eval's definitions, filters, limit, progress and cancellation.
 */
class EvaluationTest {
    private static final double TOL = 1e-12;
    @TempDir
    Path dir;

    private Path write(String name, String text) throws Exception {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
        return p;
    }

    // --- multiple choice

    private static final double[][] MC_LLS = {{-1.0, -2.0, -3.0}, {-3.0, -2.0, -2.5}, {-1.0, -5.0, -1.5},
        {-0.5, -9.0, -1.0}};
    private static final boolean[][] MC_GREEDY = {{true, false, false}, {false, true, false}, {true, false, false},
        {true, false, false}};
    private static final int[] MC_GOLD = {0, 1, 2, 1};
    private static final List<String> CHOICES = List.of("a", "bbbb", "cc");

    private Task multipleChoice() throws Exception {
        StringBuilder data = new StringBuilder();
        for (int i = 0; i < MC_GOLD.length; i++) {
            data.append("{\"question\": \"q").append(i).append("\", \"label\": ").append(MC_GOLD[i]).append("}\n");
        }
        write("mc/test.jsonl", data.toString());
        return Task.load(write("mc.yaml", """
                task: mc
                dataset_path: mc
                test_split: test
                output_type: multiple_choice
                doc_to_text: "{{question}}\\nAnswer:"
                doc_to_target: label
                doc_to_choice: ["a", "bbbb", "cc"]
                metric_list:
                  - metric: acc
                  - metric: acc_norm
                  - metric: exact_match
                metadata: {version: 1.5}
                """));
    }

    private TableModel multipleChoiceModel() {
        TableModel m = new TableModel();
        for (int i = 0; i < MC_GOLD.length; i++) {
            for (int c = 0; c < 3; c++) {
                m.ll("q" + i + "\nAnswer:", " " + CHOICES.get(c), MC_LLS[i][c], MC_GREEDY[i][c]);
            }
        }
        return m;
    }

    @Test
    void multipleChoiceScoresAreLmEvals() throws Exception {
        TableModel model = multipleChoiceModel();
        Evaluation ev = Evaluation.builder(model).addTask(multipleChoice()).build();
        EvaluationResults r = ev.run();
        assertEquals(12, model.requests.size(), "one log-likelihood per choice");
        assertEquals("ll:q0\nAnswer:| a", model.requests.get(0), "the choice follows target_delimiter");
        // lm-eval's process_results for multiple_choice, with numpy, and mean_stderr
        JsonNode py = new ObjectMapper().readTree(Python.run("""
                import json, math
                import numpy as np
                lls = %s
                greedy = %s
                gold = %s
                choices = ["a", "bbbb", "cc"]
                acc, norm, em = [], [], []
                for ll, g, y in zip(lls, greedy, gold):
                    acc.append(1.0 if np.argmax(ll) == y else 0.0)
                    norm.append(1.0 if np.argmax(np.array(ll) / np.array([float(len(c)) for c in choices])) == y else 0.0)
                    em.append(int(g[y]))
                def se(xs):
                    mu = sum(xs) / len(xs)
                    return math.sqrt(sum((x - mu) ** 2 for x in xs) / (len(xs) - 1)) / math.sqrt(len(xs))
                print(json.dumps({"acc": [sum(acc) / len(acc), se(acc)], "acc_norm": [sum(norm) / len(norm), se(norm)],
                                  "exact_match": [sum(em) / len(em), se(em)]}))
                """.formatted(json(MC_LLS), json(MC_GREEDY).replace("true", "True").replace("false", "False"),
                json(MC_GOLD))));
        TaskResult t = r.task("mc").orElseThrow();
        for (String metric : List.of("acc", "acc_norm", "exact_match")) {
            MetricResult m = t.metric(metric, "none").orElseThrow();
            assertEquals(py.get(metric).get(0).asDouble(), m.value(), TOL, metric);
            assertEquals(py.get(metric).get(1).asDouble(), m.stderr(), TOL, metric + " stderr");
            assertEquals("mean", m.aggregation());
            assertTrue(m.higherIsBetter());
        }
        // by hand: acc = [1, 1, 0, 0], acc_norm = [0, 1, 1, 0] (the tie in document 3 goes to the first choice)
        assertEquals(0.5, t.metric("acc", "none").orElseThrow().value());
        assertEquals(0.5, t.metric("acc_norm", "none").orElseThrow().value());
        assertEquals(Math.sqrt(1.0 / 3) / 2, t.metric("acc", "none").orElseThrow().stderr(), TOL);
        assertEquals(0.5, t.metric("exact_match", "none").orElseThrow().value(), "greedy gold: [1, 1, 0, 0]");
        assertEquals(1.5, t.version());
        assertEquals(4, t.original());
        assertEquals(4, t.effective());
        assertEquals("table-model", r.model());
    }

    @Test
    void limitProgressAndLaziness() throws Exception {
        TableModel model = multipleChoiceModel();
        List<Progress> seen = new ArrayList<>();
        Evaluation ev = Evaluation.builder(model).addTask(multipleChoice()).optLimit(3).optProgress(seen::add)
                .build();
        assertEquals(3, ev.documents(ev.tasks().get(0)));
        List<SampleRecord> two = ev.stream().limit(2).toList();
        assertEquals(2, two.size());
        assertEquals(6, model.requests.size(), "a stream stopped after two documents asked for two documents");
        assertEquals(List.of(1, 2), seen.stream().map(Progress::done).toList());
        assertEquals(3, seen.get(0).total());
        assertEquals(List.of(-1.0, -2.0, -3.0), two.get(0).logprobs());
        assertEquals(Map.of("acc,none", Aggregation.Item.of(1), "acc_norm,none", Aggregation.Item.of(0),
                "exact_match,none", Aggregation.Item.of(1)), two.get(0).scores());
        assertEquals(" bbbb".length() + " a".length() + " cc".length(), two.get(0).tokens(),
                "tokens: the scored continuations' (the table model counts characters)");

        EvaluationResults r = ev.run();
        assertEquals(3, r.task("mc").orElseThrow().effective());
        assertEquals(2.0 / 3, r.task("mc").orElseThrow().metric("acc", "none").orElseThrow().value(), TOL);
        assertEquals(3, r.settings().get("limit"));
    }

    @Test
    void cancellationStopsBetweenRequests() throws Exception {
        TableModel model = multipleChoiceModel();
        AtomicBoolean cancel = new AtomicBoolean();
        Evaluation ev = Evaluation.builder(model).addTask(multipleChoice())
                .optProgress(p -> cancel.set(p.done() == 2)).optCancelled(cancel::get).build();
        CancellationException e = assertThrows(CancellationException.class, ev::run);
        assertEquals("evaluation cancelled after 2 of 4 documents", e.getMessage());
        assertEquals(6, model.requests.size(), "no request after the flag was raised");
    }

    // --- generate_until

    @Test
    void generationsAreFilteredAndScored() throws Exception {
        write("g/test.jsonl", """
                {"q": "2+2", "a": "4"}
                {"q": "3+3", "a": "6"}
                {"q": "猫", "a": "ねこ"}
                {"q": "5+5", "a": ["10", "ten"]}
                """);
        Task task = Task.load(write("g.yaml", """
                task: gen
                dataset_path: g
                test_split: test
                doc_to_text: "Q: {{q}}\\nA:"
                doc_to_target: a
                generation_kwargs: {until: ["\\n"], max_gen_toks: 32}
                filter_list:
                  - name: strict-match
                    filter:
                      - function: regex
                        regex_pattern: "answer is (\\\\S+)"
                      - function: take_first
                  - name: flexible
                    filter:
                      - function: remove_whitespace
                      - function: lowercase
                metric_list:
                  - metric: exact_match
                    ignore_case: true
                    ignore_punctuation: true
                  - metric: starts_with_gold
                  - metric: ja_match
                    only_japanese: true
                """.replace("ja_match", "starts_with_gold_ja")));
        TableModel model = new TableModel()
                .gen("Q: 2+2\nA:", " The answer is 4.")
                .gen("Q: 3+3\nA:", " 7")
                .gen("Q: 猫\nA:", " ねこ")
                .gen("Q: 5+5\nA:", " TEN");
        Evaluation ev = Evaluation.builder(model).addTask(task).build();
        List<SampleRecord> samples = ev.stream().toList();
        assertEquals(List.of(" The answer is 4."), samples.get(0).responses());
        assertEquals(Map.of("strict-match", "4.", "flexible", "the answer is 4."), samples.get(0).filtered());
        assertEquals("[invalid]", samples.get(1).filtered().get("strict-match"), "lm-eval's fallback");
        assertEquals("ten", samples.get(3).filtered().get("flexible"));
        assertEquals(new dev.kumiki.llm.GenerationSettings(32, List.of("\n"), 0, 0, 1, 1234), model.settings.get(0));

        EvaluationResults r = ev.stream().collect(ev.toResults());
        TaskResult t = r.task("gen").orElseThrow();
        // exact_match ignoring case and punctuation: strict "4." = "4" ✓, "[invalid]" ✗, "[invalid]" ✗, ✗
        assertEquals(0.25, t.metric("exact_match", "strict-match").orElseThrow().value(), TOL);
        // flexible: "the answer is 4." ✗, "7" ✗, "ねこ" ✓, "ten" ✓ (either target of a list counts)
        assertEquals(0.5, t.metric("exact_match", "flexible").orElseThrow().value(), TOL);
        // starts_with_gold (registered below): flexible answers starting with the target: "ねこ", "ten"
        assertEquals(0.5, t.metric("starts_with_gold", "flexible").orElseThrow().value(), TOL);
        // only_japanese (the metrics package's check): only the Japanese response may count
        assertEquals(0.25, t.metric("starts_with_gold_ja", "flexible").orElseThrow().value(), TOL);
        assertEquals(List.of("exact_match,strict-match", "exact_match,flexible", "starts_with_gold,strict-match",
                "starts_with_gold,flexible", "starts_with_gold_ja,strict-match", "starts_with_gold_ja,flexible"),
                t.metrics().stream().map(MetricResult::key).toList());
    }

    static {
        Metrics.register("starts_with_gold", (p, g) -> p.startsWith(g) ? 1 : 0);
        Metrics.register("starts_with_gold_ja", (p, g) -> p.startsWith(g) ? 1 : 0);
    }

    @Test
    void repeatsAreSampledWithTheirOwnSeedsAndVoted() throws Exception {
        write("v/test.jsonl", "{\"q\": \"1+2\", \"a\": \"3\"}\n");
        Task task = Task.load(write("v.yaml", """
                task: vote
                dataset_path: v
                test_split: test
                doc_to_text: "{{q}}="
                doc_to_target: a
                repeats: 3
                generation_kwargs: {do_sample: true, temperature: 0.8, until: ["\\n"], seed: 10}
                filter_list:
                  - name: maj@3
                    filter: [{function: regex, regex_pattern: "(\\\\d+)"}, {function: majority_vote},
                             {function: take_first}]
                  - name: first
                    filter: [{function: regex, regex_pattern: "(\\\\d+)"}, {function: take_first}]
                """));
        TableModel model = new TableModel();
        model.sampled.put("1+2=#10", "4");
        model.sampled.put("1+2=#11", "3 apples");
        model.sampled.put("1+2=#12", "it is 3");
        EvaluationResults r = Evaluation.builder(model).addTask(task).build().run();
        assertEquals(List.of(10L, 11L, 12L), model.settings.stream().map(dev.kumiki.llm.GenerationSettings::seed)
                .toList());
        assertEquals(0.8, model.settings.get(0).temperature());
        assertEquals(1.0, r.task("vote").orElseThrow().metric("exact_match", "maj@3").orElseThrow().value());
        assertEquals(0.0, r.task("vote").orElseThrow().metric("exact_match", "first").orElseThrow().value());
        assertEquals(Double.NaN, r.task("vote").orElseThrow().metric("exact_match", "first").orElseThrow().stderr(),
                "one sample has no standard error (lm-eval: N/A)");
    }

    // --- loglikelihood and loglikelihood_rolling

    @Test
    void perplexitiesAndTheirBootstrappedErrorsAreLmEvals() throws Exception {
        String[] texts = {"The cat sat.", "吾輩は 猫である。", "a  b\tc\nd", "one"};
        double[] lls = {-7.25, -20.5, -3.125, -1.75};
        StringBuilder data = new StringBuilder();
        ObjectMapper json = new ObjectMapper();
        for (String t : texts) {
            data.append(json.writeValueAsString(Map.of("text", t))).append('\n');
        }
        write("p/test.jsonl", data.toString());
        Task rolling = Task.load(write("r.yaml", """
                task: ppl
                dataset_path: p
                test_split: test
                output_type: loglikelihood_rolling
                doc_to_text: ""
                doc_to_target: text
                """));
        Task single = Task.load(write("l.yaml", """
                task: ll
                dataset_path: p
                test_split: test
                output_type: loglikelihood
                doc_to_text: "Text:"
                doc_to_target: "{{' ' + text}}"
                """));
        TableModel model = new TableModel();
        for (int i = 0; i < texts.length; i++) {
            model.rolling.put(texts[i], new dev.kumiki.llm.LanguageModel.RollingLogLikelihood(lls[i], 5));
            model.ll("Text:", " " + texts[i], lls[i] / 2, i % 2 == 0);
        }
        EvaluationResults r = Evaluation.builder(model).addTask(rolling).addTask(single).optBootstrapIters(2000)
                .build().run();
        // lm-eval: weighted_perplexity, bits_per_byte and perplexity aggregations, words by re.split(r"\\s+"),
        // bytes in UTF-8, and bootstrap_stderr (chunks of 1000, chunk i drawn with random.Random(i).choices)
        JsonNode py = new ObjectMapper().readTree(Python.run("""
                import json, math, random, re
                texts = %s
                lls = %s
                def mean(a): return sum(a) / len(a)
                def weighted_mean(items):
                    a, b = zip(*items)
                    return sum(a) / sum(b)
                def perplexity(items): return math.exp(-mean(items))
                def weighted_perplexity(items): return math.exp(-weighted_mean(items))
                def bits_per_byte(items): return -weighted_mean(items) / math.log(2)
                def sample_stddev(arr):
                    mu = mean(arr)
                    return math.sqrt(sum([(x - mu) ** 2 for x in arr]) / (len(arr) - 1))
                def bootstrap_stderr(f, xs, iters):
                    res = []
                    chunk = min(1000, iters)
                    for i in range(iters // chunk):
                        rnd = random.Random(i)
                        for _ in range(chunk):
                            res.append(f(rnd.choices(xs, k=len(xs))))
                    return sample_stddev(res)
                words = [(ll, len(re.split(r"\\s+", t))) for ll, t in zip(lls, texts)]
                bytes_ = [(ll, len(t.encode("utf-8"))) for ll, t in zip(lls, texts)]
                half = [ll / 2 for ll in lls]
                print(json.dumps({
                    "word_perplexity": [weighted_perplexity(words), bootstrap_stderr(weighted_perplexity, words, 2000)],
                    "byte_perplexity": [weighted_perplexity(bytes_), bootstrap_stderr(weighted_perplexity, bytes_, 2000)],
                    "bits_per_byte": [bits_per_byte(bytes_), bootstrap_stderr(bits_per_byte, bytes_, 2000)],
                    "perplexity": [perplexity(half), bootstrap_stderr(perplexity, half, 2000)],
                    "words": [w for _, w in words]}))
                """.formatted(json.writeValueAsString(texts), json.writeValueAsString(lls))));
        assertEquals("[3,2,4,1]", py.get("words").toString(), "the word counts the reference used");
        TaskResult ppl = r.task("ppl").orElseThrow();
        for (String metric : List.of("word_perplexity", "byte_perplexity", "bits_per_byte")) {
            MetricResult m = ppl.metric(metric, "none").orElseThrow();
            assertEquals(py.get(metric).get(0).asDouble(), m.value(), 1e-12 * m.value(), metric);
            assertEquals(py.get(metric).get(1).asDouble(), m.stderr(), 1e-9 * m.stderr(), metric + " stderr");
            assertTrue(!m.higherIsBetter(), metric);
        }
        assertEquals(List.of("rolling:The cat sat.", "rolling:吾輩は 猫である。"), model.requests.subList(0, 2));
        TaskResult ll = r.task("ll").orElseThrow();
        MetricResult p = ll.metric("perplexity", "none").orElseThrow();
        assertEquals(py.get("perplexity").get(0).asDouble(), p.value(), 1e-12 * p.value());
        assertEquals(py.get("perplexity").get(1).asDouble(), p.stderr(), 1e-9 * p.stderr());
        assertEquals(0.5, ll.metric("acc", "none").orElseThrow().value(), "acc of loglikelihood: is_greedy");
        assertEquals("ll:Text:| The cat sat.", model.requests.get(4), "no target_delimiter: the template has it");
    }

    @Test
    void badMetricsAndLongPromptsAreClearErrors() throws Exception {
        write("b/test.jsonl", "{\"q\": \"x\", \"a\": \"y\"}\n");
        Path yaml = write("b.yaml", """
                task: b
                dataset_path: b
                test_split: test
                doc_to_text: q
                doc_to_target: a
                metric_list:
                  - metric: exact_mach
                """);
        Task task = Task.load(yaml);
        EvaluationException e = assertThrows(EvaluationException.class,
                () -> Evaluation.builder(new TableModel()).addTask(task));
        assertTrue(e.getMessage().startsWith(yaml + ":7:3: task b: unknown metric 'exact_mach'; did you mean "
                + "'exact_match'?"), e.getMessage());

        Path acc = write("c.yaml", """
                task: c
                dataset_path: b
                test_split: test
                doc_to_text: q
                doc_to_target: a
                metric_list: [{metric: acc_norm}]
                """);
        e = assertThrows(EvaluationException.class,
                () -> Evaluation.builder(new TableModel()).addTask(Task.load(acc)));
        assertTrue(e.getMessage().contains("the metric 'acc_norm' does not apply to output_type generate_until"),
                e.getMessage());

        TableModel small = new TableModel();
        small.contextLength = 0;
        Path ok = write("d.yaml", "task: d\ndataset_path: b\ntest_split: test\ndoc_to_text: q\ndoc_to_target: a\n");
        Evaluation ev = Evaluation.builder(small).addTask(Task.load(ok)).build();
        e = assertThrows(EvaluationException.class, ev::run);
        assertTrue(e.getMessage().startsWith(ok + ":1:7: task d, document " + dir.resolve("b/test.jsonl")
                + ":1: the prompt is"), e.getMessage());
        assertTrue(e.getMessage().endsWith("lower num_fewshot or max_gen_toks, or use a model with a longer "
                + "context"), e.getMessage());
    }

    private static String json(Object o) throws Exception {
        return new ObjectMapper().writeValueAsString(o);
    }
}
