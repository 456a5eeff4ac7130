package dev.kumiki.cli.internal;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import dev.kumiki.cli.Kumiki;
import dev.kumiki.eval.Evaluation;
import dev.kumiki.eval.EvaluationException;
import dev.kumiki.eval.EvaluationResults;
import dev.kumiki.eval.TaskResult;
import dev.kumiki.eval.report.Outputs;
import dev.kumiki.eval.report.ResultsJson;
import dev.kumiki.eval.report.SamplesWriter;
import dev.kumiki.eval.task.Task;
import dev.kumiki.eval.task.TaskException;
import dev.kumiki.llm.LanguageModel;
import dev.kumiki.nodes.EvaluationTasks;
import dev.kumiki.nodes.Scores;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Evaluate a model on tasks, as lm-evaluation-harness does (lm_eval --model hf "
                + "--tasks …): prints a table of task, metric, value and standard error.",
                "Tasks are the ones Kumiki ships (kumiki tasks) or lm-evaluation-harness task YAML files. Writes "
                        + "results.json, the per-sample records (samples_TASK.jsonl) and report.html into --output; a "
                        + "failed or interrupted evaluation writes none of them."})
public final class EvalCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL_DIR", description = "a Hugging Face model folder (Llama, Mistral, "
            + "Qwen2, Qwen3)")
    Path model;

    @Option(names = "--tasks", required = true, split = ",", paramLabel = "TASK",
            description = "shipped task names and/or task YAML files, comma-separated")
    List<String> tasks;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "0",
            description = "at most N documents per task (default 0: all)")
    int limit;

    @Option(names = "--num-fewshot", paramLabel = "K", description = "solved examples before each question, for "
            + "every task (default: each task's own)")
    Integer numFewshot;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1234",
            description = "seed the few-shot examples are drawn with (default 1234, as lm-eval)")
    long seed;

    @Option(names = {"--output", "-o"}, paramLabel = "DIR", description = "folder for results.json and the samples "
            + "(default: kumiki-eval/MODEL_NAME)")
    Path output;

    @Option(names = "--json", description = "print results.json on standard output instead of the table")
    boolean json;

    @Option(names = "--threads", paramLabel = "N", description = "threads running the model (default: every core)")
    Integer threads;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (limit < 0) {
            throw new IllegalArgumentException("--limit must be 0 (all documents) or more, not " + limit);
        }
        if (numFewshot != null && numFewshot < 0) {
            throw new IllegalArgumentException("--num-fewshot must be 0 or more, not " + numFewshot);
        }
        List<Task> loaded;
        try {
            loaded = EvaluationTasks.load(tasks, Path.of("").toAbsolutePath(), Optional.ofNullable(numFewshot));
        } catch (TaskException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        RunnableModel.checkFolder(model);
        Path dir = output != null ? output : Path.of("kumiki-eval", model.toAbsolutePath().normalize().getFileName()
                .toString());
        boolean existed = Files.exists(dir);
        if (existed && !Files.isDirectory(dir)) {
            throw new IllegalArgumentException(dir + " is a file; --output names a folder for results.json and the "
                    + "samples");
        }
        boolean terminal = Progress.isTerminal();
        EvaluationResults results;
        try (LanguageModel lm = RunnableModel.languageModel(model, RunnableModel.options(threads))) {
            Evaluation.Builder b = Evaluation.builder(lm).optLimit(limit).optFewshotSeed(seed);
            if (terminal) {
                b.optProgress(p -> {
                    err.printf(Locale.ROOT, "\r%s %d/%d items, %.0f tokens/s\u001b[K", p.task(), p.done(), p.total(),
                            p.tokensPerSecond());
                    err.flush();
                });
            }
            try {
                loaded.forEach(b::addTask);
            } catch (EvaluationException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
            Evaluation evaluation = b.build();
            try {
                // samples, results.json and report.html, each whole or not at all
                results = Outputs.run(evaluation, dir);
            } catch (EvaluationException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            } finally {
                if (terminal) {
                    err.print("\r\u001b[K");
                    err.flush();
                }
            }
        } catch (IOException | RuntimeException | Error e) {
            // a folder this command created and left empty is removed: nothing half-written stays
            if (!existed) {
                removeIfEmpty(dir);
            }
            throw e;
        }
        if (json) {
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(ResultsJson.toMap(results)));
            return Kumiki.OK;
        }
        out.println(results.model() + ", " + results.tasks().stream().mapToInt(TaskResult::effective).sum()
                + " items" + (limit > 0 ? " (--limit " + limit + ")" : ""));
        out.print(Scores.table(results));
        out.println();
        out.println("Results: " + dir.resolve("results.json"));
        out.println("Samples: " + String.join(", ", results.tasks().stream()
                .map(t -> SamplesWriter.file(dir, t.task()).toString()).toList()));
        Path report = dir.resolve("report.html");
        if (Files.isRegularFile(report)) {
            out.println("Report:  " + report);
        }
        return Kumiki.OK;
    }

    static void removeIfEmpty(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            if (s.findAny().isEmpty()) {
                Files.delete(dir);
            }
        } catch (IOException e) {
            // not there, or not ours to remove
        }
    }

    static List<String> split(String s) {
        return Arrays.stream(s.split(",")).map(String::strip).filter(x -> !x.isEmpty()).toList();
    }
}
