package dev.kumiki.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The Micro EvoLLM-JP example (examples/evollm-jp/evollm-jp.kumiki) as a user runs it, reduced: the base's
 * annealing and the two fine-tunes cut to a few steps, each search to one generation scoring two documents, each
 * evaluation to two items. Every
 * stage must run — training, the untuned baselines, the three searches, the evaluations — and every model's
 * evaluation must hold the three columns of the example's table (JA maths, JA skill, EN maths). The full run's
 * figures are in examples/evollm-jp/README.md.
 */
class EvollmJpExampleTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> TRAININGS = List.of("base", "ja_lora", "math_lora");
    private static final List<String> MERGES = List.of("ties", "dare_ties");
    private static final List<String> SEARCHES = List.of("ps", "dfs", "hybrid");
    private static final List<String> MODELS = List.of("base", "ja", "math", "ties", "dare_ties", "ps", "dfs",
            "hybrid");

    @Test
    void everyStageRunsAndEveryModelIsScoredOnTheThreeColumns(@TempDir Path dir) throws IOException {
        Files.createDirectories(dir.resolve("train/base"));
        for (String f : List.of("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json")) {
            Files.copy(Path.of("../../examples/train/base", f), dir.resolve("train/base").resolve(f));
        }
        Files.createDirectories(dir.resolve("evollm-jp"));
        Path pipeline = dir.resolve("evollm-jp/evollm-jp.kumiki");
        Files.copy(Path.of("../../examples/evollm-jp/evollm-jp.kumiki"), pipeline);

        List<String> args = new ArrayList<>(List.of("run", pipeline.toString()));
        args.addAll(EvollmJpDemoTest.reduced(pipeline));
        Cli.Result r = Cli.kumiki(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.out() + r.err());
        for (String node : TRAININGS) {
            assertTrue(r.out().matches("(?s).*\n" + node + "\\s+Train\\s+done.*"), node + " in\n" + r.out());
        }
        for (String node : MERGES) {
            assertTrue(r.out().matches("(?s).*\n" + node + "\\s+Merge\\s+done.*"), node + " in\n" + r.out());
        }
        for (String node : SEARCHES) {
            assertTrue(r.out().matches("(?s).*\n" + node + "\\s+EvolveMerge\\s+done.*"), node + " in\n" + r.out());
        }
        // every model's evaluation, read from the run record: the target, the Japanese skill, the English maths
        Path runs = dir.resolve("evollm-jp/.kumiki/runs");
        Path run;
        try (var s = Files.list(runs)) {
            run = s.sorted().reduce((a, b) -> b).orElseThrow();
        }
        // the checks come before any merge: every merge and search starts after the five checks are done (the
        // sources reach the merges through them)
        List<String> log = Files.readAllLines(run.resolve("log.txt"));
        int lastCheck = -1;
        for (String check : List.of("check_base", "check_ja", "check_math", "check_half_ja", "check_half_math")) {
            int done = indexOf(log, "[" + check + "] done");
            assertTrue(done >= 0, check + " in\n" + String.join("\n", log));
            lastCheck = Math.max(lastCheck, done);
        }
        for (String node : List.of("ties", "dare_ties", "ps", "dfs", "hybrid")) {
            assertTrue(indexOf(log, "[" + node + "] running") > lastCheck, node + " starts after the checks in\n"
                    + String.join("\n", log));
        }
        for (String node : MODELS) {
            JsonNode results = JSON.readTree(run.resolve("nodes/eval_" + node + "/results.json").toFile())
                    .get("results");
            for (String[] column : new String[][] {{"mult_ja", "exact_match,japanese-only"},
                    {"qa_ja", "char_f1,none"}, {"mult_en", "exact_match,strict-match"}}) {
                JsonNode value = results.path(column[0]).path(column[1]);
                assertTrue(value.isNumber() && value.asDouble() >= 0 && value.asDouble() <= 1,
                        "eval_" + node + " " + column[0] + " " + column[1] + ": " + results);
            }
        }
        // the table in the paper's form, written by the pipeline's Report node beside the pipeline: a row per model,
        // each cell the value of that model's results.json
        JsonNode report = JSON.readTree(dir.resolve("evollm-jp/results/report.json").toFile());
        assertEquals(List.of("base", "ja", "math", "TIES", "DARE-TIES", "PS (evolved)", "DFS (evolved)",
                "hybrid (evolved)"), report.get("rows").findValuesAsText("label"));
        assertEquals(List.of("mult_ja", "qa_ja", "mult_en"), report.get("columns").findValuesAsText("task"));
        for (int i = 0; i < MODELS.size(); i++) {
            JsonNode results = JSON.readTree(run.resolve("nodes/eval_" + MODELS.get(i) + "/results.json").toFile())
                    .get("results");
            for (int c = 0; c < 3; c++) {
                JsonNode column = report.get("columns").get(c);
                assertEquals(results.path(column.get("task").asText()).path(column.get("metric").asText()).asDouble(),
                        report.get("rows").get(i).get("cells").get(c).get("value").asDouble(), MODELS.get(i) + " "
                                + column);
            }
        }
        assertEquals(report, JSON.readTree(run.resolve("nodes/results/report.json").toFile()));
        assertTrue(Files.readString(dir.resolve("evollm-jp/results/report.md")).contains("| hybrid (evolved) | "));
        // the two checks: every source on the target, each task vector at half strength
        List<String> checks = report.get("checks").findValuesAsText("name");
        assertEquals(5, checks.size(), checks.toString());
        assertTrue(checks.get(3).startsWith("ja's task vector at half strength"), checks.toString());

        // each search wrote its best recipe and its history, one line for its one generation (the hybrid two: its
        // parameter-space search, then its path)
        for (String node : SEARCHES) {
            try (var s = Files.walk(dir.resolve("evollm-jp/.kumiki/evolve/" + node))) {
                List<Path> histories = s.filter(p -> p.getFileName().toString().equals("history.jsonl")).toList();
                assertEquals(node.equals("hybrid") ? 2 : 1, histories.size(), node + ": " + histories);
                for (Path history : histories) {
                    assertEquals(1, Files.readAllLines(history).size(), history.toString());
                    assertTrue(Files.exists(history.resolveSibling("best.yml")), history.toString());
                }
            }
        }
    }

    private static int indexOf(List<String> log, String text) {
        for (int i = 0; i < log.size(); i++) {
            if (log.get(i).endsWith(text)) {
                return i;
            }
        }
        return -1;
    }
}
