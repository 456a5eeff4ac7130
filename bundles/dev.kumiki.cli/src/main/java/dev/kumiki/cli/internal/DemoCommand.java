package dev.kumiki.cli.internal;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import dev.kumiki.canvas.Examples;
import dev.kumiki.cli.Kumiki;
import dev.kumiki.engine.Configuration;
import dev.kumiki.engine.Execution;
import dev.kumiki.engine.RunListener;
import dev.kumiki.engine.RunOptions;
import dev.kumiki.eval.report.HtmlReport;
import dev.kumiki.eval.report.Outputs;
import dev.kumiki.nodes.Scores;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Prepare the example models and run the example pipelines: a SLERP of two models, a TIES "
                + "merge of three, and a merge evaluated beside its parents, in seconds, with nothing downloaded.",
                "The models are small Llama-shaped models with seeded weights (the same bytes on every machine), "
                        + "written once into DIR/models; the merged models go to DIR/out."})
public final class DemoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "DIR", description = "where the examples are: default "
            + "./examples when it holds them (a clone of Kumiki), else ./kumiki-examples, created from the copies "
            + "inside Kumiki")
    Path dir;

    @Option(names = "--untrained", description = "skip the training example: only the pipelines of models with "
            + "random weights run (seconds instead of minutes on the first run)")
    boolean untrained;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        Path examples = dir != null ? dir : Files.isRegularFile(Path.of("examples", Examples.ALL.get(0).file()))
                ? Path.of("examples") : Path.of("kumiki-examples");
        for (Examples.Example e : Examples.ALL) {
            Path file = examples.resolve(e.file());
            if (!Files.exists(file)) {
                Files.createDirectories(examples);
                Files.writeString(file, e.text());
                out.println("Wrote " + file);
            }
        }
        if (Examples.writeModels(examples.resolve("models"))) {
            out.println("Wrote the example models " + String.join(", ", Examples.MODELS) + " into "
                    + examples.resolve("models") + " (" + Examples.MODELS_STAMP + ")");
        }
        int status = Kumiki.OK;
        for (Examples.Example e : Examples.ALL) {
            Path file = examples.resolve(e.file());
            out.println();
            out.println("== " + file + " ==");
            PipelineFile pipeline = PipelineFile.read(file, List.of());
            Configuration c = pipeline.configure();
            if (pipeline.print(c, spec.commandLine().getErr())) {
                return Kumiki.USAGE;
            }
            Execution.Result r = pipeline.engine.execute(c, RunOptions.defaults(pipeline.baseDir()), RunListener.NONE)
                    .run();
            RunCommand.table(out, r, c);
            scores(out, r, true);
            if (r.status() != Execution.Status.SUCCEEDED) {
                status = Kumiki.FAILED;
            }
        }
        if (!untrained) {
            status = Math.max(status, trained(out, examples));
        }
        out.println();
        out.println("Next: change a setting and run again (only what changed runs), e.g.");
        out.println("  kumiki run " + examples.resolve("ties.kumiki") + " --set merge.method=dare_ties");
        out.println("  kumiki nodes Merge      the settings of every node kind");
        out.println("  kumiki runs " + examples + "   the runs recorded so far");
        out.println("  kumiki eval " + examples.resolve("models/chat") + " --tasks ppl_en,counters_ja   evaluate a "
                + "model (kumiki tasks lists the tasks)");
        return status;
    }

    /**
     * The training example: two fine-tunes of the shipped base (a minute and a half, the first time; then from the
     * cache), their merge, and every one evaluated, so that the merge shown is one of models that know something.
     * Skipped with the reason when the training feature is not installed.
     */
    private int trained(PrintWriter out, Path examples) throws IOException {
        Path file = examples.resolve(Examples.TRAINING.file());
        out.println();
        out.println("== " + file + " ==");
        java.util.Optional<String> missing = dev.kumiki.train.Training.availability();
        if (missing.isPresent()) {
            out.println("Skipped: " + missing.get());
            return Kumiki.OK;
        }
        for (Path p : Examples.writeTraining(examples)) {
            out.println("Wrote " + p);
        }
        out.println("Fine-tuning the shipped base model (trained from scratch by base.kumiki) twice: about a minute "
                + "and a half on two cores the first time; then every node comes from the cache");
        out.flush();
        Execution.Result r = runQuietly(out, file);
        if (r == null) {
            return Kumiki.USAGE;
        }
        scores(out, r, "Scores (trained models: base from scratch, shipped; ja and math fine-tuned from it)",
                "An untrained network guesses uniformly among its 1024 tokens: byte perplexity about 5.9 on ppl_en and "
                        + "3.8 on ppl_ja (examples/train/README.md says how).");
        if (r.status() != Execution.Status.SUCCEEDED) {
            return Kumiki.FAILED;
        }
        Path merge = examples.resolve(Examples.TRAINING_MERGE.file());
        out.println();
        out.println("== " + merge + " ==");
        Execution.Result m = runQuietly(out, merge);
        if (m == null) {
            return Kumiki.USAGE;
        }
        scores(out, m, "Scores (the merge of two fine-tunes that know something, beside them: base + both task "
                + "vectors)", "Lower perplexity is better; arith_en and arith_ja are zero-shot on problems of the "
                        + "four templates the base never saw (the maths fine-tune saw others like them in English); "
                        + "mult_en and mult_ja on bags of 10 to 19, past the base's times table.");
        return m.status() == Execution.Status.SUCCEEDED ? Kumiki.OK : Kumiki.FAILED;
    }

    /** Configures and runs one pipeline, printing its table; null when it does not configure (printed). */
    private Execution.Result runQuietly(PrintWriter out, Path file) throws IOException {
        PipelineFile pipeline = PipelineFile.read(file, List.of());
        Configuration c = pipeline.configure();
        if (pipeline.print(c, spec.commandLine().getErr())) {
            return null;
        }
        Execution.Result r = pipeline.engine.execute(c, RunOptions.defaults(pipeline.baseDir()), RunListener.NONE)
                .run();
        RunCommand.table(out, r, c);
        return r;
    }

    /**
     * The score tables of a run's Evaluate nodes, models side by side: what a newcomer reads first ({@code demo}: with
     * a word on what random weights score).
     */
    static void scores(PrintWriter out, Execution.Result r, boolean demo) {
        scores(out, r, demo ? "Scores (random weights: these are the scores of models that know nothing; the "
                + "training example below trains models that know something)" : "Scores",
                demo ? "Lower perplexity is better. byte_perplexity is how many bytes a model hesitates between, on "
                        + "average: guessing uniformly among all 256 would give 256." : null);
    }

    /** The score tables under {@code heading}, with {@code footer} (or nothing) after them. */
    static void scores(PrintWriter out, Execution.Result r, String heading, String footer) {
        java.util.List<Scores> all = new java.util.ArrayList<>();
        // by node id: the example's eval_chat, eval_code, then eval_merge
        for (String node : new java.util.TreeSet<>(r.nodes().keySet())) {
            r.values().getOrDefault(node, java.util.Map.of()).values().stream().filter(Scores.class::isInstance)
                    .map(Scores.class::cast).forEach(all::add);
        }
        if (all.isEmpty()) {
            return;
        }
        out.println();
        out.println(heading);
        StringBuilder models = new StringBuilder();
        for (Scores s : all) {
            for (String line : s.table().lines().toList()) {
                if (line.startsWith("task ")) {
                    if (models.isEmpty()) {
                        models.append(String.format("%-32s  %s%n", "model", line));
                    }
                } else {
                    models.append(String.format("%-32s  %s%n", s.results().model(), line));
                }
            }
        }
        out.print(models);
        if (footer != null) {
            out.println(footer);
        }
        out.println("Details: results.json, samples_TASK.jsonl and report.html in " + all.get(0).folder().getParent()
                + "/*/");
        if (all.size() > 1) {
            // one report with the models side by side: a leaderboard and a chart per task
            Path report = r.recordDir().resolve(Outputs.REPORT);
            try {
                HtmlReport.write(report, all.stream().map(Scores::results).toList());
                out.println("Report with the models side by side: " + report);
            } catch (IOException e) {
                out.println("The side-by-side report could not be written: " + Failures.message(e));
            }
        }
    }
}
