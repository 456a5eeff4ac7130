package dev.kumiki.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kumiki.eval.report.ComparisonTable;
import dev.kumiki.eval.report.ComparisonTable.CheckLine;
import dev.kumiki.eval.report.ComparisonTable.ColumnSpec;
import dev.kumiki.eval.report.ComparisonTable.Source;

/** A paper-style table of models and scores: cells, best marks, the three files written whole and read back. */
class ComparisonTableTest {
    @TempDir
    Path dir;

    private static TaskResult task(String name, int n, MetricResult... metrics) {
        return new TaskResult(name, name, 1, 0, n, n, List.of(metrics), Map.of());
    }

    /** mult_ja with two filters (strict first, as the task lists them), qa_ja with one. */
    private static EvaluationResults model(String name, double strict, double japanese, double qa) {
        return new EvaluationResults(name, Instant.EPOCH, "0.1.0-test", Map.of(), List.of(
                task("mult_ja", 200, new MetricResult("exact_match", "strict-match", strict, 0.03, "mean", true),
                        new MetricResult("exact_match", "japanese-only", japanese, 0.029, "mean", true)),
                task("qa_ja", 80, new MetricResult("char_f1", "none", qa, 0.01, "mean", true))));
    }

    private static final List<ColumnSpec> COLUMNS = List.of(
            new ColumnSpec("JA maths", "mult_ja", "exact_match,japanese-only", true),
            new ColumnSpec("JA skill", "qa_ja", "", false));

    private ComparisonTable table() {
        return ComparisonTable.of("Micro EvoLLM-JP", COLUMNS, List.of(
                new Source("base", model("base", 0.3, 0.255, 0.086)),
                new Source("ja", model("ja", 0.01, 0.0, 0.727)),
                new Source("ps", model("dare_ties of ja, math", 0.8, 0.785, 0.105))),
                List.of(new CheckLine("sources", true, "math scores 0.475 > 0"),
                        new CheckLine("half ja", false, "ja keeps 19 % of its gain")));
    }

    @Test
    void cellsComeFromTheNamedScoreOrTheHeadline() {
        ComparisonTable t = table();
        assertEquals("exact_match,japanese-only", t.columns().get(0).metric());
        // an empty metric is the task's headline: its first metric under its first filter
        assertEquals("char_f1,none", t.columns().get(1).metric());
        assertEquals(0.785, t.rows().get(2).cells().get(0).value());
        assertEquals(200, t.rows().get(2).cells().get(0).items());
        assertEquals("dare_ties of ja, math", t.rows().get(2).model());
        assertEquals(2, t.best(0));
        assertEquals(1, t.best(1));
        assertEquals("78.5 %", t.format(0, t.rows().get(2).cells().get(0)));
        assertEquals("0.727", t.format(1, t.rows().get(1).cells().get(1)));
    }

    @Test
    void equalValuesAreAllBestAndAColumnOfOneValueHasNoBest() {
        ComparisonTable t = ComparisonTable.of("T", COLUMNS, List.of(new Source("a", model("a", 0.5, 0.5, 0.1)),
                new Source("b", model("b", 0.5, 0.5, 0.1)), new Source("c", model("c", 0.1, 0.2, 0.1))), List.of());
        assertTrue(t.isBest(0, 0) && t.isBest(0, 1) && !t.isBest(0, 2));
        assertEquals(-1, t.best(1), "every model scores 0.1");
        assertFalse(t.isBest(1, 0));
        assertTrue(t.markdown().contains("| b | **50.0 %** ± 2.9 | 0.100 ± 0.010 |"), t.markdown());
    }

    @Test
    void markdownHasARowPerModelTheBestInBoldAndTheChecks() {
        String md = table().markdown();
        assertTrue(md.contains("| model | JA maths | JA skill |"), md);
        assertTrue(md.contains("| base | 25.5 % ± 2.9 | 0.086 ± 0.010 |"), md);
        assertTrue(md.contains("| ps | **78.5 %** ± 2.9 | 0.105 ± 0.010 |"), md);
        assertTrue(md.contains("| ja | 0.0 % ± 2.9 | **0.727** ± 0.010 |"), md);
        assertTrue(md.contains("- met \u2014 sources: math scores 0.475 > 0"), md);
        assertTrue(md.contains("- **not met** \u2014 half ja: ja keeps 19 % of its gain"), md);
    }

    @Test
    void aMissingTaskIsADashAndAColumnNoModelHasIsRefusedByName() {
        EvaluationResults noQa = new EvaluationResults("dfs", Instant.EPOCH, "0.1.0-test", Map.of(), List.of(
                task("mult_ja", 200, new MetricResult("exact_match", "strict-match", 0, 0, "mean", true),
                        new MetricResult("exact_match", "japanese-only", 0, 0, "mean", true))));
        ComparisonTable t = ComparisonTable.of("T", COLUMNS, List.of(new Source("base", model("base", 0.3, 0.25,
                0.08)), new Source("dfs", noQa)), List.of());
        assertFalse(t.rows().get(1).cells().get(1).present());
        assertTrue(t.markdown().contains("| dfs | 0.0 % ± 0.0 | – |"), t.markdown());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ComparisonTable.of("T",
                List.of(new ColumnSpec("JA maths", "mult_ja", "exact_match,flexible", true)),
                List.of(new Source("dfs", noQa)), List.of()));
        assertEquals("column 'JA maths': no model has mult_ja exact_match,flexible; they have mult_ja "
                + "(exact_match,strict-match, exact_match,japanese-only)", e.getMessage());
    }

    @Test
    void theThreeFilesAreWrittenAndTheJsonReadsBackAsTheSameTable() throws IOException {
        ComparisonTable t = table();
        t.write(dir);
        assertEquals(t, ComparisonTable.read(dir.resolve(ComparisonTable.JSON)));
        assertEquals(t.markdown(), Files.readString(dir.resolve(ComparisonTable.MARKDOWN)));
        String html = Files.readString(dir.resolve(ComparisonTable.HTML));
        assertTrue(html.contains("<td class=\"best\">78.5 % <span class=\"se\">± 2.9</span></td>"), html);
        // a chart per column, a bar per model
        assertEquals(2, html.split("<svg ", -1).length - 1);
        assertEquals(3 * 2 * 2, html.split("<rect ", -1).length - 1);
        assertTrue(html.contains("<span class=\"unmet\">not met</span> \u2014 half ja: "), html);
        // written again over its own files
        t.write(dir);
    }

    @Test
    void aFileOfTheSameNameThatKumikiDidNotWriteIsNeverReplaced() throws IOException {
        Files.writeString(dir.resolve("report.md"), "# my notes\n");
        IOException e = assertThrows(IOException.class, () -> table().write(dir));
        assertEquals(dir.resolve("report.md") + " exists and was not written by a Kumiki report, so it is not "
                + "replaced; move it away or write the report to another folder", e.getMessage());
        assertEquals("# my notes\n", Files.readString(dir.resolve("report.md")));
        assertFalse(Files.exists(dir.resolve("report.json")));
    }
}
