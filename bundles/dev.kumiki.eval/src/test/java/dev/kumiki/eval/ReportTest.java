package dev.kumiki.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.kumiki.eval.report.HtmlReport;
import dev.kumiki.eval.report.Outputs;
import dev.kumiki.eval.report.ResultsJson;
import dev.kumiki.eval.report.SamplesWriter;
import dev.kumiki.eval.task.Task;

/** results.json, per-sample JSONL and the HTML report: written whole, read back, lm-eval's layout. */
class ReportTest {
    @TempDir
    Path dir;

    private Task task() throws Exception {
        Files.createDirectories(dir.resolve("data"));
        Files.writeString(dir.resolve("data/test.jsonl"), """
                {"q": "2+2", "a": "4"}
                {"q": "3+3", "a": "6"}
                {"q": "4+4", "a": "8"}
                """);
        Files.writeString(dir.resolve("t.yaml"), """
                task: arith
                dataset_path: data
                test_split: test
                doc_to_text: "{{q}}="
                doc_to_target: a
                filter_list:
                  - name: number
                    filter: [{function: regex, regex_pattern: "(\\\\d+)"}, {function: take_first}]
                metadata: {version: 3}
                """);
        return Task.load(dir.resolve("t.yaml"));
    }

    private TableModel model(String name, String... answers) {
        TableModel m = new TableModel();
        m.name = name;
        m.gen("2+2=", answers[0]).gen("3+3=", answers[1]).gen("4+4=", answers[2]);
        return m;
    }

    @Test
    void outputsAreWrittenAndReadBack() throws Exception {
        Task task = task();
        Path out = dir.resolve("out");
        EvaluationResults r = Outputs.run(Evaluation.builder(model("merged <a&b>", "4", "is 6", "9")).addTask(task)
                .build(), out);
        try (Stream<Path> files = Files.list(out)) {
            assertEquals(List.of("report.html", "results.json", "samples_arith.jsonl"),
                    files.map(p -> p.getFileName().toString()).sorted().toList(), "no temporary files left");
        }
        JsonNode json = new ObjectMapper().readTree(out.resolve("results.json").toFile());
        JsonNode scores = json.get("results").get("arith");
        assertEquals("arith", scores.get("alias").asText());
        assertEquals(2.0 / 3, scores.get("exact_match,number").asDouble(), 1e-15);
        assertEquals(Math.sqrt(1.0 / 3) / Math.sqrt(3), scores.get("exact_match_stderr,number").asDouble(), 1e-15);
        assertEquals(3.0, json.get("versions").get("arith").asDouble());
        assertEquals(0, json.get("n-shot").get("arith").asInt());
        assertEquals(3, json.get("n-samples").get("arith").get("effective").asInt());
        assertTrue(json.get("higher_is_better").get("arith").get("exact_match").asBoolean());
        assertEquals("merged <a&b>", json.get("model_name").asText());
        assertEquals("0.1.0", json.get("kumiki_version").asText());
        assertEquals("generate_until", json.get("configs").get("arith").get("output_type").asText());
        assertEquals("(\\d+)", json.get("configs").get("arith").get("filter_list").get(0).get("filter").get(0)
                .get("regex_pattern").asText());
        assertTrue(json.get("date").asDouble() > 1.7e9);

        EvaluationResults back = ResultsJson.read(out.resolve("results.json"));
        assertEquals(r.model(), back.model());
        assertEquals(r.date().toEpochMilli(), back.date().toEpochMilli());
        assertEquals(r.tasks().get(0).metrics(), back.tasks().get(0).metrics());
        assertEquals(r.tasks().get(0).effective(), back.tasks().get(0).effective());
        assertEquals(r.settings().get("bootstrap_iters"), back.settings().get("bootstrap_iters"));

        List<String> lines = Files.readAllLines(out.resolve("samples_arith.jsonl"));
        assertEquals(3, lines.size());
        JsonNode second = new ObjectMapper().readTree(lines.get(1));
        assertEquals(1, second.get("doc_id").asInt());
        assertEquals("3+3=", second.get("prompt").asText());
        assertEquals("6", second.get("target").asText());
        assertEquals("is 6", second.get("resps").get(0).asText());
        assertEquals("number", second.get("filter").asText());
        assertEquals("6", second.get("filtered_resp").asText());
        assertEquals(1.0, second.get("metrics").get("exact_match").asDouble());
        assertEquals(Map.of("q", "3+3", "a", "6"), new ObjectMapper().convertValue(second.get("doc"), Map.class));
        assertEquals(dir.resolve("data/test.jsonl") + ":2", second.get("source").asText());
    }

    @Test
    void readsLmEvalsOwnResultsFile() throws Exception {
        // the layout lm-eval 0.4 writes (abridged): scores with "N/A" stderr, configs, versions, n-samples
        Path f = dir.resolve("lm-eval-results.json");
        Files.writeString(f, """
                {
                  "results": {
                    "hellaswag": {"alias": "hellaswag", "acc,none": 0.5, "acc_stderr,none": 0.05,
                                  "acc_norm,none": 0.625, "acc_norm_stderr,none": "N/A"},
                    "gsm8k": {"alias": "gsm8k", "exact_match,strict-match": 0.25,
                              "exact_match_stderr,strict-match": 0.0125,
                              "exact_match,flexible-extract": 0.3, "exact_match_stderr,flexible-extract": 0.0126}
                  },
                  "configs": {"gsm8k": {"task": "gsm8k", "metric_list": [{"metric": "exact_match",
                                        "aggregation": "mean", "higher_is_better": true}]}},
                  "versions": {"hellaswag": 1.0, "gsm8k": 3.0},
                  "n-shot": {"hellaswag": 0, "gsm8k": 5},
                  "higher_is_better": {"hellaswag": {"acc": true, "acc_norm": true}, "gsm8k": {"exact_match": true}},
                  "n-samples": {"gsm8k": {"original": 1319, "effective": 100},
                                "hellaswag": {"original": 10042, "effective": 100}},
                  "config": {"model": "hf", "model_args": "pretrained=EleutherAI/pythia-70m", "limit": 100.0},
                  "model_name": "EleutherAI/pythia-70m",
                  "date": 1733000000.25
                }
                """);
        EvaluationResults r = ResultsJson.read(f);
        assertEquals("EleutherAI/pythia-70m", r.model());
        assertEquals(1733000000250L, r.date().toEpochMilli());
        TaskResult h = r.task("hellaswag").orElseThrow();
        assertEquals(new MetricResult("acc_norm", "none", 0.625, Double.NaN, "mean", true),
                h.metric("acc_norm", "none").orElseThrow());
        TaskResult g = r.task("gsm8k").orElseThrow();
        assertEquals(List.of("exact_match,strict-match", "exact_match,flexible-extract"),
                g.metrics().stream().map(MetricResult::key).toList());
        assertEquals(5, g.numFewshot());
        assertEquals(100, g.effective());
        assertEquals(1319, g.original());
        assertTrue(HtmlReport.render(List.of(r)).contains("EleutherAI/pythia-70m"));
    }

    @Test
    void aCancelledRunLeavesNoFiles() throws Exception {
        Task task = task();
        Path out = dir.resolve("cancelled");
        AtomicBoolean cancel = new AtomicBoolean();
        Evaluation ev = Evaluation.builder(model("m", "4", "6", "8")).addTask(task)
                .optProgress(p -> cancel.set(true)).optCancelled(cancel::get).build();
        assertThrows(CancellationException.class, () -> Outputs.run(ev, out));
        try (Stream<Path> files = Files.list(out)) {
            assertEquals(List.of(), files.toList(), "no samples, no half-written file");
        }
        try (SamplesWriter w = SamplesWriter.open(out)) {
            ev.stream().limit(0).forEach(w);
        }
        try (Stream<Path> files = Files.list(out)) {
            assertEquals(0, files.count());
        }
    }

    @Test
    void reportHasALeaderboardAcrossModelsAndIsSelfContained() throws Exception {
        Task task = task();
        EvaluationResults a = Evaluation.builder(model("alpha", "4", "6", "8")).addTask(task).build().run();
        EvaluationResults b = Evaluation.builder(model("beta <i>", "4", "5", "7")).addTask(task).build().run();
        Path ra = dir.resolve("a/results.json");
        Path rb = dir.resolve("b/results.json");
        ResultsJson.write(ra, a);
        ResultsJson.write(rb, b);
        Path report = dir.resolve("report.html");
        HtmlReport.writeFromFiles(report, List.of(rb, ra));
        String html = Files.readString(report);
        assertTrue(html.startsWith("<!DOCTYPE html>"));
        String board = html.substring(html.indexOf("<table id=\"leaderboard\">"), html.indexOf("</table>"));
        assertTrue(board.indexOf("alpha") < board.indexOf("beta &lt;i&gt;"), "ranked: alpha (1.0) before beta");
        assertTrue(board.contains("1.0000"), board);
        assertTrue(board.contains("0.3333"), board);
        assertTrue(board.contains("exact_match,number"), board);
        assertFalse(html.contains("<i>"), "model names are escaped");
        assertTrue(html.contains("<svg"), "a chart per task");
        assertTrue(html.contains("0.3333 ± 0.3333"), "scores with standard errors in the chart");
        for (String external : List.of("<script", "<link", "src=", "@import", "url(")) {
            assertFalse(html.contains(external), "self-contained: no " + external);
        }
        assertEquals(Instant.class, a.date().getClass());
    }
}
