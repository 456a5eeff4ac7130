package dev.kumiki.eval.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

import dev.kumiki.eval.Evaluation;
import dev.kumiki.eval.EvaluationResults;

/**
 * Runs an evaluation into a folder: {@code samples_TASK.jsonl} per task, {@code results.json} and
 * {@code report.html}. Every file appears whole or not at all; a failed or cancelled run leaves no samples and no
 * results behind (files of an earlier run in the folder stay as they were).
 */
public final class Outputs {
    /** The results file's name. */
    public static final String RESULTS = "results.json";
    /** The report's name. */
    public static final String REPORT = "report.html";

    private Outputs() {
    }

    /** Runs {@code evaluation}, writes its outputs into {@code dir} and returns its scores. */
    public static EvaluationResults run(Evaluation evaluation, Path dir) throws IOException {
        EvaluationResults results;
        try (SamplesWriter samples = SamplesWriter.open(dir)) {
            try {
                results = evaluation.stream().peek(samples).collect(evaluation.toResults());
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            samples.commit();
        }
        ResultsJson.write(dir.resolve(RESULTS), results);
        HtmlReport.write(dir.resolve(REPORT), List.of(results));
        return results;
    }
}
