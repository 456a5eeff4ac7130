package dev.kumiki.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kumiki.engine.Configuration;
import dev.kumiki.engine.Diagnostic;
import dev.kumiki.engine.Engine;
import dev.kumiki.engine.Execution;
import dev.kumiki.engine.NodeKinds;
import dev.kumiki.engine.NodeState;
import dev.kumiki.engine.RunListener;
import dev.kumiki.engine.RunOptions;
import dev.kumiki.eval.report.ComparisonTable;
import dev.kumiki.model.yaml.PipelineYaml;
import dev.kumiki.tensor.io.SyntheticModel;

/**
 * Report and Check in a pipeline of three small generated models evaluated on a shipped task: the table's cells are
 * the Evaluate nodes' scores, a check's outcome is computed from them, the files land in the run record and in the
 * report's folder, and mistakes are found when the pipeline is configured.
 */
class ReportNodeTest {
    static final NodeKinds KINDS = NodeKinds.discover();
    static final Engine ENGINE = new Engine(KINDS);

    @TempDir
    static Path dir;

    @BeforeAll
    static void models() throws IOException {
        for (int v = 0; v < 3; v++) {
            SyntheticModel.llama().layers(2).hidden(32).intermediate(48).vocab(320).variant(v).contextLength(128)
                    .byteLevelTokenizer().write(dir.resolve("models/" + List.of("base", "chat", "code").get(v)));
        }
    }

    static final String EVALS = """
            kumiki: 1
            nodes:
              base: {kind: LoadModel, path: models/base}
              chat: {kind: LoadModel, path: models/chat}
              code: {kind: LoadModel, path: models/code}
              eval_base: {kind: Evaluate, tasks: [ppl_en], limit: 2, threads: 2}
              eval_chat: {kind: Evaluate, tasks: [ppl_en], limit: 2, threads: 2}
              eval_code: {kind: Evaluate, tasks: [ppl_en], limit: 2, threads: 2}
            """;
    static final String EVAL_CONNECTIONS = "base.model -> eval_base.model, chat.model -> eval_chat.model, "
            + "code.model -> eval_code.model";

    static Configuration configure(String text) {
        PipelineYaml.Result r = KINDS.yaml().read(text, "p.kumiki");
        assertEquals(List.of(), r.errors());
        return ENGINE.configure(r.pipeline(), dir);
    }

    static Execution.Result run(String text) {
        Configuration c = configure(text);
        assertEquals(List.of(), c.diagnostics());
        return ENGINE.execute(c, RunOptions.defaults(dir), RunListener.NONE).run();
    }

    static double value(Execution.Result r, String node, String metric) {
        Scores s = (Scores) r.values().get(node).get("scores");
        return s.results().task("ppl_en").orElseThrow().metrics().stream().filter(m -> m.key().equals(metric))
                .findFirst().orElseThrow().value();
    }

    @Test
    void theTableHoldsTheScoresAndTheChecksWhatWasCompared() throws IOException {
        String pipeline = EVALS + """
                  above: {kind: Check, label: chat is not a uniform guess, task: ppl_en, metric: "byte_perplexity,none", threshold: 1}
                  keeps: {kind: Check, task: ppl_en, metric: "bits_per_byte,none", condition: keeps, threshold: 0.5}
                  table:
                    kind: Report
                    title: Three models
                    rows: [base, chat, code]
                    path: results
                    columns:
                      - {label: Bytes, task: ppl_en, metric: "byte_perplexity,none"}
                      - {task: ppl_en, metric: "bits_per_byte,none"}
                connections: [%s, eval_chat.scores -> above.scores, eval_chat.scores -> keeps.scores,
                  eval_code.scores -> keeps.reference, eval_base.scores -> keeps.baseline,
                  eval_base.scores -> table.scores, eval_chat.scores -> table.scores, eval_code.scores -> table.scores,
                  above.check -> table.checks, keeps.check -> table.checks]
                """.formatted(EVAL_CONNECTIONS);
        Execution.Result r = run(pipeline);
        assertEquals(Execution.Status.SUCCEEDED, r.status(), r.nodes().toString());

        ReportValue report = (ReportValue) r.values().get("table").get("report");
        ComparisonTable t = report.table();
        assertEquals(List.of("base", "chat", "code"), t.rows().stream().map(ComparisonTable.Row::label).toList());
        assertEquals(List.of("Bytes", "ppl_en"), t.columns().stream().map(ComparisonTable.Column::label).toList());
        for (int i = 0; i < 3; i++) {
            String node = "eval_" + t.rows().get(i).label();
            assertEquals(value(r, node, "byte_perplexity,none"), t.rows().get(i).cells().get(0).value());
            assertEquals(value(r, node, "bits_per_byte,none"), t.rows().get(i).cells().get(1).value());
            assertEquals(2, t.rows().get(i).cells().get(0).items());
        }

        // the checks, recomputed from the scores
        CheckValue above = (CheckValue) r.values().get("above").get("check");
        assertEquals("chat is not a uniform guess", above.name());
        assertTrue(above.met(), above.text());
        assertEquals("chat scores " + Scores.number(value(r, "eval_chat", "byte_perplexity,none"))
                + " on ppl_en byte_perplexity,none > 1", above.text());
        CheckValue keeps = (CheckValue) r.values().get("keeps").get("check");
        double b = value(r, "eval_base", "bits_per_byte,none");
        double kept = (value(r, "eval_chat", "bits_per_byte,none") - b) / (value(r, "eval_code", "bits_per_byte,none")
                - b);
        assertEquals("keeps", keeps.name(), "the node's id when there is no label");
        assertEquals(kept >= 0.5, keeps.met(), keeps.text());
        assertTrue(keeps.text().startsWith(String.format(Locale.ROOT, "chat keeps %.0f %% of the gain code made over "
                + "base on ppl_en bits_per_byte,none (", kept * 100)), keeps.text());
        assertTrue(keeps.text().endsWith("; at least 50 % is wanted"), keeps.text());
        assertEquals(List.of("chat is not a uniform guess", "keeps"), t.checks().stream()
                .map(ComparisonTable.CheckLine::name).toList());

        // the files: in the run record and in the report's folder, the same table
        Path record = r.recordDir().resolve("nodes/table");
        assertEquals(dir.resolve("results"), report.folder());
        assertEquals(t, ComparisonTable.read(record.resolve(ComparisonTable.JSON)));
        assertEquals(t.markdown(), Files.readString(dir.resolve("results").resolve(ComparisonTable.MARKDOWN)));
        assertTrue(Files.readString(record.resolve(ComparisonTable.HTML)).contains("<h1>Three models</h1>"));

        // again: the evaluations come from the cache, the report is written anew from them
        Execution.Result again = run(pipeline);
        assertEquals(NodeState.CACHED, again.nodes().get("eval_chat").state());
        assertEquals(NodeState.DONE, again.nodes().get("table").state());
        assertEquals(t, ((ReportValue) again.values().get("table").get("report")).table());
        assertTrue(Files.isRegularFile(again.recordDir().resolve("nodes/table/report.md")));
    }

    @Test
    void aCheckThatMustStopFailsTheRunWithWhatItCompared() {
        Execution.Result r = run(EVALS + """
                  high: {kind: Check, task: ppl_en, metric: "byte_perplexity,none", threshold: 1e9, stop: true}
                  table: {kind: Report}
                connections: [%s, eval_chat.scores -> high.scores, eval_chat.scores -> table.scores,
                  high.check -> table.checks]
                """.formatted(EVAL_CONNECTIONS));
        assertEquals(Execution.Status.FAILED, r.status());
        assertEquals(NodeState.FAILED, r.nodes().get("high").state());
        assertEquals(NodeState.SKIPPED, r.nodes().get("table").state());
        String message = String.join("\n", r.nodes().get("high").messages());
        assertTrue(message.contains("the check 'high' is not met: chat scores "), message);
        assertTrue(message.contains(" on ppl_en byte_perplexity,none \u2264 1.0E9. The run fails here; set stop: "
                + "false to report it and go on"), message);
    }

    /**
     * A check with a model is a gate: the merge after it runs once the check is made and knows the model by its own
     * name; with stop, a check not met holds the merge back.
     */
    @Test
    void aCheckPassesItsModelOnToTheMergesUnderItsOwnName() {
        String merge = "  merge: {kind: Merge, method: linear, models: {chat: {weight: 0.5}, code: {weight: 0.5}}}\n";
        String gated = EVALS + merge + """
                  gate: {kind: Check, task: ppl_en, metric: "byte_perplexity,none", threshold: %s, stop: true}
                connections: [%s, eval_chat.scores -> gate.scores, chat.model -> gate.model, gate.model -> merge.models,
                  code.model -> merge.models]
                """;
        Execution.Result r = run(gated.formatted("1", EVAL_CONNECTIONS));
        assertEquals(Execution.Status.SUCCEEDED, r.status(), r.nodes().toString());
        assertEquals(NodeState.DONE, r.nodes().get("merge").state());
        assertEquals(r.values().get("chat").get("model"), r.values().get("gate").get("model"), "passed on unchanged");
        // the merge's cache key is the one it has without the gate: a check's settings do not re-run what follows it
        Execution.Result direct = run(EVALS + merge + "connections: [%s, chat.model -> merge.models, code.model -> "
                .formatted(EVAL_CONNECTIONS) + "merge.models]\n");
        assertEquals(direct.nodes().get("merge").key(), r.nodes().get("merge").key());

        Execution.Result held = run(gated.formatted("1e9", EVAL_CONNECTIONS));
        assertEquals(Execution.Status.FAILED, held.status());
        assertEquals(NodeState.FAILED, held.nodes().get("gate").state());
        assertEquals(NodeState.SKIPPED, held.nodes().get("merge").state(), "a check not met holds the merge back");

        // the output connected without the input: said at configure time, not a silently idle merge
        String all = configure(EVALS + """
                  gate: {kind: Check, task: ppl_en}
                  merge: {kind: Merge, method: linear, models: {gate: {weight: 0.5}, code: {weight: 0.5}}}
                connections: [%s, eval_chat.scores -> gate.scores, gate.model -> merge.models, code.model -> merge.models]
                """.formatted(EVAL_CONNECTIONS)).diagnostics().stream().map(Diagnostic::toString)
                .collect(java.util.stream.Collectors.joining("\n"));
        assertTrue(all.contains("'model' gives nothing to merge.models; it passes on what comes into 'model': connect "
                + "something to gate.model"), all);
    }

    @Test
    void mistakesAreFoundWhenThePipelineIsConfigured() throws IOException {
        List<String> d = configure(EVALS + """
                  keeps: {kind: Check, task: qa_ja, condition: keeps, threshold: 2}
                  table:
                    kind: Report
                    rows: [only_one]
                    columns: [{label: JA skill, task: qa_ja}, {task: ppl_en, metric: "acc,none"}]
                connections: [%s, eval_chat.scores -> keeps.scores, eval_base.scores -> table.scores,
                  eval_chat.scores -> table.scores]
                """.formatted(EVAL_CONNECTIONS)).diagnostics().stream().map(Diagnostic::toString).toList();
        String all = String.join("\n", d);
        assertTrue(all.contains("eval_chat does not evaluate qa_ja (it evaluates ppl_en); add qa_ja to its tasks"), all);
        assertTrue(all.contains("condition keeps compares with a reference: connect the scores of the model at full "
                + "strength to reference"), all);
        assertTrue(all.contains("condition keeps needs a share of the gain between 0 (exclusive) and 1, e.g. 0.5 for "
                + "half; it is 2.0"), all);
        assertTrue(all.contains("rows names 1 models but 2 scores are connected"), all);
        assertTrue(all.contains("column 'JA skill': no connected scores have qa_ja; add it to the tasks of the "
                + "Evaluate nodes or remove the column"), all);
        assertTrue(all.contains("column 'ppl_en': ppl_en has no score acc,none; it has "), all);

        // a report.md the user wrote is never replaced: refused before anything runs
        Files.createDirectories(dir.resolve("mine"));
        Files.writeString(dir.resolve("mine/report.md"), "my notes\n");
        List<String> foreign = configure(EVALS + """
                  table: {kind: Report, path: mine}
                connections: [%s, eval_base.scores -> table.scores]
                """.formatted(EVAL_CONNECTIONS)).diagnostics().stream().map(Diagnostic::toString).toList();
        assertTrue(String.join("\n", foreign).contains(dir.resolve("mine/report.md") + " exists and was not written "
                + "by a Kumiki report, so it is not replaced"), foreign.toString());
        assertEquals("my notes\n", Files.readString(dir.resolve("mine/report.md")));
        assertFalse(Files.exists(dir.resolve("mine/report.json")));
    }
}
